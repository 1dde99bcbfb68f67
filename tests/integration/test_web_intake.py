"""Registering parties, clues and on-site cases through the web forms."""
from conftest import login

from caseflow.cases.models import Case
from caseflow.clues.models import ReporterIdentity
from caseflow.extensions import db
from caseflow.parties.models import Party
from caseflow.parties.validators import CREDIT_CODE_CHARSET, InvalidIdentifier, validate_credit_code
from caseflow.timeutil import today


def text(response) -> str:
    return response.get_data(as_text=True)


def a_valid_credit_code(first17="91350102MA2Y00001") -> str:
    for check in CREDIT_CODE_CHARSET:
        try:
            return validate_credit_code(first17 + check)
        except InvalidIdentifier:
            continue
    raise AssertionError("no check character fits")


def test_register_a_party_then_a_clue_for_it(client, people):
    login(client, "officer")
    response = client.post("/parties/new?next=/clues/new", data={
        "kind": "pharmacy", "name": "福州新开药房", "credit_code": "91350102MA2Y000010", "legal_representative": "",
        "address": "福州市鼓楼区东街 1 号", "phone": "0591-12345678", "next": "/clues/new"})
    assert response.status_code == 422
    page = text(response)
    assert "统一社会信用代码校验位错误" in page and "单位当事人须填写法定代表人或主要负责人" in page
    assert 'value="福州新开药房"' in page and 'value="福州市鼓楼区东街 1 号"' in page

    code = a_valid_credit_code()
    response = client.post("/parties/new", data={
        "kind": "pharmacy", "name": "福州新开药房", "credit_code": code, "legal_representative": "林某",
        "address": "福州市鼓楼区东街 1 号", "phone": "0591-12345678", "next": "/clues/new"})
    assert response.status_code == 303
    party = db.session.query(Party).filter_by(credit_code=code).one()
    assert response.headers["Location"].endswith(f"/clues/new?party_id={party.id}")
    page = text(client.get(response.headers["Location"]))
    assert f'<option value="{party.id}" selected>' in page and "福州新开药房" in page

    response = client.post("/parties/new", data={"kind": "pharmacy", "name": "重复登记", "credit_code": code,
                                                 "legal_representative": "林某"})
    assert response.status_code == 409 and "该统一社会信用代码的当事人已登记" in text(response)


def test_clue_form_errors_keep_the_input(client, people, parties):
    login(client, "officer")
    response = client.post("/clues/new", data={"source": "complaint", "received_on": "2026-02-30", "party_id": "",
                                               "summary": "", "cause": "串换药品"})
    assert response.status_code == 422
    page = text(response)
    assert "收到日期格式应为 YYYY-MM-DD" in page
    assert 'value="串换药品"' in page

    party = parties["福州仁和大药房有限公司"]
    response = client.post("/clues/new", data={"source": "complaint", "received_on": today().isoformat(),
                                               "party_id": party.id, "summary": "", "cause": ""})
    assert response.status_code == 422 and "请填写线索摘要" in text(response)

    response = client.post("/clues/new", data={"source": "complaint", "received_on": today().isoformat(),
                                               "party_id": party.id, "summary": "举报内容",
                                               "reporter_phone": "13900000000", "reporter_id_number": "123"})
    assert response.status_code == 422
    page = text(response)
    assert "居民身份证号应为 18 位" in page and "13900000000" in page  # the reporter block stays open with the input
    assert db.session.query(Case).count() == 0


def test_clue_with_a_reporter_is_registered_and_the_identity_kept_apart(client, people, parties):
    login(client, "officer")
    party = parties["福州康宁医院有限公司"]
    response = client.post("/clues/new", data={
        "source": "complaint", "received_on": today().isoformat(), "party_id": party.id,
        "summary": "举报该医院挂床住院。", "cause": "", "reporter_name": "陈举报", "reporter_phone": "13900000001",
        "reporter_id_number": "350102199001011238", "reporter_address": "福州市", "reporter_real_name": "false"})
    assert response.status_code == 303
    case = db.session.query(Case).one()
    reporter = db.session.query(ReporterIdentity).filter_by(clue_id=case.clue_id).one()
    assert (reporter.name, reporter.real_name) == ("陈举报", False)
    page = text(client.get(f"/cases/{case.id}"))
    assert "挂床住院" in page and "陈举报" not in page and "投诉举报" in page


def test_onsite_case_opens_the_simplified_procedure(client, people, parties):
    login(client, "officer")
    party = parties["福州仁和大药房有限公司"]
    assert client.post("/onsite/new", data={"party_id": party.id, "summary": ""}).status_code == 422
    response = client.post("/onsite/new", data={"party_id": party.id, "summary": "现场检查发现未公示医保标识。"})
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "简易程序" in page and "现场发现待处理" in page and "现场发现的情况" in page
    assert "当场作出行政处罚决定" in page and "现场检查发现未公示医保标识。" in page
    assert "已当场作出处罚决定" in page  # the simplified procedure's timeline


def test_only_officers_register(client, people):
    login(client, "reviewer")
    for url in ("/clues/new", "/onsite/new", "/parties/new"):
        response = client.get(url)
        assert response.status_code == 403 and "您没有访问该页面的权限" in text(response)
