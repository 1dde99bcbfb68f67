"""Issue 3 in the browser: concluding an investigation with violation items and circumstances, the stored
裁量测算 on the case page, the organisation's rules profile, the 超期预警 page and the warnings on 我的待办."""
import re
from datetime import date, timedelta

from conftest import login

from caseflow.auth.models import Organisation
from caseflow.cases import services as cases
from caseflow.cases.models import Case
from caseflow.demo import GENERAL_PENALTY_PATH as P
from caseflow.demo import drive
from caseflow.extensions import db
from caseflow.timeutil import today
from tests.integration.web_helpers import PHARMACY, fresh, text, version_on


def filed_case(people, parties) -> Case:
    start = today() - timedelta(days=20)
    case = cases.register_clue(people["officer"], source="complaint", received_on=start, on=start,
                               summary="举报该药店串换药品。", party_id=parties[PHARMACY].id)
    return drive(case, P[:2], start, people).case


def report(version, **extra) -> dict:
    data = {"version": version, "findings": "经调查，该药店将日用品串换为药品结算。", "evidence_summary": "结算清单、询问笔录。",
            "characterisation": "串换药品", "proposed_handling": "penalty",
            "conduct_ended_on": (today() - timedelta(days=30)).isoformat(),
            "violations-0-article": "735-38", "violations-0-amount": "38000.00",
            "violations-1-article": "", "violations-1-amount": "",
            "violations-2-article": "", "violations-2-amount": "",
            "circumstances": ["first_violation"]}
    data.update(extra)
    return data


def test_an_officer_concludes_the_investigation_and_sees_the_assessment(client, people, parties):
    case = filed_case(people, parties)
    login(client, "officer")
    page = text(client.get(f"/cases/{case.id}"))
    assert 'name="violations-0-article"' in page and 'name="violations-2-amount"' in page
    assert 'name="violations-0-fraud_purpose"' in page and "初次违法" in page
    # articles of the party's kind of subject only (a pharmacy: no article for insured persons alone)
    assert 'value="735-38"' in page and 'value="735-41-1"' not in page

    response = client.post(f"/cases/{case.id}/transitions/conclude_investigation", data=report(version_on(page)))
    assert response.status_code == 303, text(response)[:3000]
    case = fresh(case.id)
    assert case.state == "investigation_concluded"
    assert case.facts["violations"][0]["article"] == "735-38" and case.facts["circumstances"] == ["first_violation"]

    page = text(client.get(f"/cases/{case.id}"))
    assert "裁量测算" in page and "38000.00" in page and "76000.00" in page
    assert "退回基金" in page and "缴入国库" in page and "初次违法" in page
    assert "{&#39;" not in page and "'items'" not in page  # the raw dict is not dumped among the facts
    assert "hearing_right_required" not in page and "应当告知听证权利" in page
    assert "定点医药机构违规使用医疗保障基金（《医疗保障基金使用监督管理条例》第三十八条），金额 38000.00 元" in page


def test_an_invalid_violation_row_is_shown_again_and_changes_nothing(client, people, parties):
    case = filed_case(people, parties)
    version = case.version
    login(client, "officer")
    response = client.post(f"/cases/{case.id}/transitions/conclude_investigation", data=report(
        version, **{"violations-0-article": "999-99", "violations-0-amount": "38000.005"}))
    assert response.status_code == 422
    page = text(response)
    assert "不是有效的违法行为条款" in page and "两位小数" in page and "第1行" in page
    assert "{&#39;" not in page  # per row, not the validator's raw structure
    assert 'value="38000.005"' in page and 'id="action-conclude_investigation" open' in page
    assert "经调查，该药店将日用品串换为药品结算。" in page
    assert re.search(r'value="first_violation" checked', page)
    case = fresh(case.id)
    assert (case.state, case.version) == ("investigating", version) and "assessment" not in (case.facts or {})

    response = client.post(f"/cases/{case.id}/transitions/conclude_investigation", data=report(
        version, **{"violations-0-article": "", "violations-0-amount": ""}))
    assert response.status_code == 422
    assert "请至少填写一项违法行为" in text(response)
    assert fresh(case.id).state == "investigating"


def test_the_organisation_form_saves_the_rules_profile(client, people):
    login(client, "admin")
    org = db.session.execute(db.select(Organisation).order_by(Organisation.id)).scalars().first()
    page = text(client.get(f"/admin/organisations/{org.id}/edit"))
    assert "适用的裁量规则" in page and 'value="GD-SW"' in page
    data = {"name": org.name, "short_name": org.short_name, "doc_prefix": org.doc_prefix, "level": org.level,
            "parent_id": org.parent_id or "", "case_number_pattern": org.case_number_pattern, "rules_profile": "GD-SW"}
    response = client.post(f"/admin/organisations/{org.id}/edit", data=data)
    assert response.status_code == 303, text(response)[:2000]
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).rules_profile == "GD-SW"
    page = text(client.get(f"/admin/organisations/{org.id}/edit"))
    assert re.search(r'value="GD-SW" selected', page)


def test_the_deadline_warnings_page_and_the_todo_badges(client, people, parties):
    case = cases.register_clue(people["officer"], source="complaint", received_on=date(2025, 2, 3),
                               summary="很久以前收到的举报，尚未核查。", party_id=parties[PHARMACY].id, on=date(2025, 2, 3))
    login(client, "officer")
    page = text(client.get("/"))
    assert 'href="/deadlines"' in page and "超期预警" in page

    page = text(client.get("/deadlines?scope=unit"))
    assert f"/cases/{case.id}" in page and "已超期" in page and "3 个工作日" in page and "row-overdue" in page
    assert "本单位及下级" not in page  # heads only
    assert f"/cases/{case.id}" in text(client.get("/deadlines"))  # a clue is "mine" for the officer who registered it
    response = client.get("/deadlines?scope=everything")
    assert response.status_code == 422 and "预警范围无效" in text(response)
    assert client.get("/deadlines?scope=organisation").status_code == 422

    client.post("/logout")
    login(client, "head")
    page = text(client.get("/"))  # heads see the warnings of their unit on their to-do list
    row = re.search(rf'/cases/{case.id}".*?</tr>', page, re.S).group(0)
    assert "due-overdue" in row and ">超期<" in row and "已超期" in row
    for scope in ("", "?scope=unit", "?scope=organisation"):
        page = text(client.get("/deadlines" + scope))
        assert f"/cases/{case.id}" in page and "本单位及下级" in page

    client.post("/logout")
    login(client, "admin")
    assert client.get("/deadlines").status_code == 403
