"""The case pages through HTTP forms, as users see them: the procedure from clue to filing, refused
actions and their status codes, lists and filters, deadlines, recusals, review and approval queues."""
import re
from datetime import timedelta

from conftest import login

from caseflow.audit.models import AuditEvent
from caseflow.cases import services as cases
from caseflow.cases.models import Case
from caseflow.deadlines.models import Deadline
from caseflow.demo import GENERAL_PENALTY_PATH as P
from caseflow.demo import WAIT, drive
from caseflow.extensions import db
from caseflow.timeutil import today
from tests.integration.web_helpers import PHARMACY, fresh, text, version_on


def new_clue(people, parties, party=PHARMACY, received=None, reporter=None) -> Case:
    received = received or today() - timedelta(days=3)
    return cases.register_clue(people["officer"], source="complaint", received_on=received, on=received,
                               summary="举报该机构串换药品。", party_id=parties[party].id, reporter=reporter)


def driven(people, parties, path, party=PHARMACY, reporter=None, overrides=None) -> Case:
    """A case brought through `path` by the services, its simulated history ending a few days ago."""
    start = today() - timedelta(days=sum(WAIT.get(t, 1) for t in path) + 5)
    case = new_clue(people, parties, party, received=start, reporter=reporter)
    return drive(case, path, start, people, overrides).case


def test_clue_to_filing_through_the_forms(client, people, parties):
    login(client, "officer")
    page = text(client.get("/clues/new"))
    assert PHARMACY in page and "投诉举报" in page
    response = client.post("/clues/new", data={
        "source": "complaint", "received_on": (today() - timedelta(days=2)).isoformat(),
        "party_id": parties[PHARMACY].id, "summary": "群众举报该药店将日用品串换为药品结算。", "cause": "串换药品",
        "reporter_name": "欧阳实名", "reporter_phone": "13912345678", "reporter_real_name": "true"})
    assert response.status_code == 303
    case_url = response.headers["Location"]
    case_id = int(case_url.rsplit("/", 1)[1])
    page = text(client.get(case_url))
    assert "线索已登记" in page and "线索核查中" in page and "提请立案" in page
    assert "欧阳实名" not in page and "13912345678" not in page

    response = client.post(f"/cases/{case_id}/transitions/propose_filing", data={
        "version": version_on(page), "officers": [people["officer"].id, people["officer2"].id],
        "cause": "串换药品骗取医保基金", "facts": "经核查，该药店存在串换药品结算的情况。",
        "suspected_provisions": "《医疗保障基金使用监督管理条例》第三十八条", "conduct_ended_on": "",
        "life_health_harm": "false"})
    assert response.status_code == 303
    page = text(client.get(case_url))
    assert "已完成「提请立案」" in page and "立案待审批" in page and "陈晓梅" in page and "主办" in page
    assert "经核查，该药店存在串换药品结算的情况。" in page  # the facts recorded, labelled
    assert "简要案情" in page

    client.post("/logout")
    login(client, "head")
    page = text(client.get("/approvals"))
    assert "立案待审批" in page and f"/cases/{case_id}?action=approve_filing" in page
    page = text(client.get(f"/cases/{case_id}?action=approve_filing"))
    assert 'id="action-approve_filing" open' in page
    response = client.post(f"/cases/{case_id}/transitions/approve_filing",
                           data={"version": version_on(page), "opinion": "同意立案，由林志远主办。"})
    assert response.status_code == 303
    number = f"榕医保立〔{today().year}〕1号"
    page = text(client.get(case_url))
    assert number in page and "调查取证" in page and "立案审批表" in page
    assert "福州仁和大药房有限公司涉嫌串换药品骗取医保基金案" in page

    approval_id = re.search(rf"/cases/{case_id}/approvals/(\d+)", page).group(1)
    form = text(client.get(f"/cases/{case_id}/approvals/{approval_id}"))
    assert "立案审批表" in form and "同意立案，由林志远主办。" in form and "王海峰" in form and "负责人" in form
    assert number in form and "欧阳实名" not in form

    client.post("/logout")
    login(client, "officer")
    page = text(client.get("/cases", query_string={"number": number}))
    assert "共 1 件" in page and number in page


def test_refused_actions_answer_403_409_422_and_change_nothing(client, people, parties):
    case = driven(people, parties, ["propose_filing"])
    case_id, version = case.id, case.version
    url = f"/cases/{case_id}/transitions/approve_filing"

    login(client, "officer")  # wrong role
    response = client.post(url, data={"version": version, "opinion": "同意。"})
    assert response.status_code == 403
    assert "您没有执行「批准立案」的权限" in text(response)

    login(client, "head")  # stale version
    response = client.post(url, data={"version": version - 1, "opinion": "迟到的审批意见"})
    assert response.status_code == 409
    page = text(response)
    assert "该案件已被他人更新，请刷新后重试" in page and "刷新页面" in page
    assert "迟到的审批意见" in page  # what the head typed is not lost
    case = fresh(case_id)
    assert (case.state, case.case_number, case.version) == ("filing_proposed", None, version)

    response = client.post(url, data={"opinion": "没有版本号"})
    assert response.status_code == 409
    assert fresh(case_id).state == "filing_proposed"


def test_an_invalid_form_is_shown_again_with_chinese_messages_and_the_input(client, people, parties):
    case = new_clue(people, parties)
    login(client, "officer")
    response = client.post(f"/cases/{case.id}/transitions/propose_filing", data={
        "version": case.version, "officers": [people["officer"].id], "cause": "",
        "facts": "这段已经写好的案情不应丢失", "suspected_provisions": "条例第三十八条", "conduct_ended_on": "2025-02-30"})
    assert response.status_code == 422
    page = text(response)
    assert "至少需要两名执法人员" in page and "此项不能为空" in page and "日期格式应为 YYYY-MM-DD" in page
    assert "这段已经写好的案情不应丢失" in page and 'value="条例第三十八条"' in page
    assert 'id="action-propose_filing" open' in page
    assert fresh(case.id).state == "clue_registered"


def test_guard_reasons_are_all_shown(client, people, parties):
    case = new_clue(people, parties)
    login(client, "officer")
    ended = (today() - timedelta(days=3 * 365)).isoformat()
    response = client.post(f"/cases/{case.id}/transitions/propose_filing", data={
        "version": case.version, "officers": [people["officer"].id, people["officer2"].id], "cause": "串换药品",
        "facts": "案情", "suspected_provisions": "第三十八条", "conduct_ended_on": ended})
    assert response.status_code == 409
    page = text(response)
    assert "操作未能执行" in page and "追责时效" in page and "第三十六条" in page
    assert fresh(case.id).state == "clue_registered"


def test_unknown_action_and_cases_out_of_reach(client, people, parties):
    case = driven(people, parties, ["propose_filing"])
    login(client, "head")
    assert client.post(f"/cases/{case.id}/transitions/launch_rocket", data={"version": case.version}).status_code == 404
    assert client.get("/cases/999999").status_code == 404

    login(client, "gl_officer")  # a county officer does not see the city's cases
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.post(f"/cases/{case.id}/transitions/approve_filing",
                       data={"version": case.version, "opinion": "同意"}).status_code == 404


def test_a_higher_level_head_sees_but_does_not_act(client, people, parties):
    case = driven(people, parties, ["propose_filing"])
    login(client, "fj_head")
    page = text(client.get(f"/cases/{case.id}"))
    assert "立案待审批" in page and f'action="/cases/{case.id}/transitions/' not in page
    response = client.post(f"/cases/{case.id}/transitions/approve_filing", data={"version": case.version, "opinion": "同意"})
    assert response.status_code == 403 and "本单位以外的案件" in text(response)
    assert fresh(case.id).state == "filing_proposed"


def test_admin_has_no_access_to_cases(client, people, parties):
    """The system administrator manages users and organisations, not enforcement cases (data minimisation):
    case pages answer 404 as for any case the user may not see, lists and queues 403."""
    case = driven(people, parties, ["propose_filing"])
    login(client, "admin")
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/approvals/1").status_code == 404
    assert client.post(f"/cases/{case.id}/reporter").status_code == 404
    for url in ("/cases", "/approvals", "/reviews", "/clues/new"):
        assert client.get(url).status_code == 403, url
    assert "您没有访问该页面的权限" in text(client.get("/cases"))


def test_case_list_filters_pagination_and_bad_input(app, client, people, parties):
    filed = driven(people, parties, P[:2], party="福州康宁医院有限公司")
    clue = new_clue(people, parties, party="张三")
    for _ in range(app.config["PAGE_SIZE"]):
        new_clue(people, parties)
    login(client, "officer")
    page = text(client.get("/cases"))
    assert f"共 {app.config['PAGE_SIZE'] + 2} 件" in page and "第 1 / 2 页" in page and "下一页" in page
    assert "第 2 / 2 页" in text(client.get("/cases?page=2"))

    page = text(client.get("/cases?state=investigating"))
    assert "共 1 件" in page and filed.case_number in page
    page = text(client.get("/cases", query_string={"party": "康宁"}))
    assert "共 1 件" in page and filed.title in page
    page = text(client.get("/cases", query_string={"party": "91110000802100433B"}))
    assert "共 1 件" in page
    page = text(client.get("/cases", query_string={"number": "张三"}))
    assert "共 1 件" in page and clue.title in page
    page = text(client.get("/cases", query_string={"officer": people["officer2"].id, "workflow": "general_procedure"}))
    assert "共 1 件" in page
    filed_on = filed.filed_on.isoformat()
    page = text(client.get("/cases", query_string={"filed_from": filed_on, "filed_to": filed_on}))
    assert "共 1 件" in page
    page = text(client.get("/cases", query_string={"received_from": today().isoformat()}))
    assert "共 0 件" in page and "没有符合条件的案件" in page

    response = client.get("/cases", query_string={"received_from": "2026-02-30", "officer": "abc"})
    assert response.status_code == 422
    page = text(response)
    assert "收到日期（起）格式应为 YYYY-MM-DD" in page and "承办人员无效" in page
    assert 'value="2026-02-30"' in page  # the input is kept for correction
    response = client.get("/cases", query_string={"filed_from": "2026-03-02", "filed_to": "2026-03-01"})
    assert response.status_code == 422 and "截止日不能早于起始日" in text(response)
    assert client.get("/cases?state=flying").status_code == 422


def test_todo_lists_actions_and_days_left_in_red_when_overdue(client, people, parties):
    recent = new_clue(people, parties, received=today() - timedelta(days=1))
    late = new_clue(people, parties, party="福州安康门诊部", received=today() - timedelta(days=60))
    login(client, "officer")
    page = text(client.get("/"))
    assert "提请立案" in page and "提请不予立案" in page
    late_row = page[page.index(f"/cases/{late.id}"):]
    assert "已超期" in late_row.split("</tr>")[0] and "due-overdue" in late_row.split("</tr>")[0]
    recent_row = page[page.index(f"/cases/{recent.id}"):].split("</tr>")[0]
    assert "剩余" in recent_row
    assert page.index(f"/cases/{late.id}") < page.index(f"/cases/{recent.id}")  # most urgent first


def test_case_page_shows_timeline_officers_deadlines_and_facts(client, people, parties):
    case = driven(people, parties, P[:3])  # investigation concluded
    login(client, "officer")
    page = text(client.get(f"/cases/{case.id}"))
    assert re.search(r'step-current"[^>]*aria-current="step">\s*<span class="dot"></span>\s*<span class="step-label">调查终结', page)
    assert 'step-done' in page and 'step-future' in page
    assert "35010020230001" in page and "主办" in page and "2028-12-31" in page
    assert "处理建议" in page and "给予行政处罚" in page  # a choice shown by its label
    assert "一般程序" in page
    for deadline in db.session.query(Deadline).filter_by(case_id=case.id):
        assert deadline.kind in page and deadline.due_on.isoformat() in page
        if deadline.calendar_warning:
            assert deadline.calendar_warning in page
    audit = db.session.query(AuditEvent).filter_by(case_id=case.id).order_by(AuditEvent.seq).all()
    positions = [page.index(e.summary) for e in audit]
    assert positions == sorted(positions)  # the audit trail in order


def test_off_line_states_and_paused_deadlines_are_shown(client, people, parties):
    case = driven(people, parties, P[:2] + ["request_suspension", "approve_suspension"])
    login(client, "head")
    page = text(client.get(f"/cases/{case.id}"))
    assert "中止调查" in page and "（主流程外）" in page
    assert "暂停计算" in page
    assert "批准恢复调查" in page


def test_refused_actions_are_listed_with_their_reasons(client, people, parties):
    case = driven(people, parties, P[:2])
    login(client, "officer")
    page = text(client.get(f"/cases/{case.id}"))
    assert "调查终结，提交调查终结报告" in page
    # another officer of the organisation, not on the case: the actions are refused, with the reason
    login(client, "officer3")
    page = text(client.get(f"/cases/{case.id}"))
    assert "暂不能办理的操作" in page and "只有本案承办人员才能执行该操作" in page
    response = client.post(f"/cases/{case.id}/transitions/request_suspension",
                           data={"version": case.version, "ground": "other", "reason": "试图中止"})
    assert response.status_code == 409 and "只有本案承办人员才能执行该操作" in text(response)


def test_id_numbers_are_masked_except_for_the_case_officers_and_heads(client, people, parties):
    case = driven(people, parties, P[:2], party="张三")
    full, masked = "11010519491231002X", "110105********002X"
    for username, expected in (("reviewer", masked), ("officer3", masked), ("officer", full), ("head", full)):
        login(client, username)
        page = text(client.get(f"/cases/{case.id}"))
        assert expected in page, username
        if expected == masked:
            assert full not in page and "已脱敏" in page
    login(client, "officer")
    page = text(client.get("/clues/new"))
    assert masked in page and full not in page  # party choices never show a full ID number


def test_reporter_identity_is_shown_only_after_an_audited_view_by_those_allowed(client, people, parties):
    reporter = {"name": "欧阳秘密", "phone": "13912340000", "id_number": "350102199001011238", "real_name": True}
    archived = driven(people, parties, P, reporter=reporter)
    open_case = driven(people, parties, P[:4], reporter=reporter)  # under legal review
    assert archived.state == "archived"
    secrets = ("欧阳秘密", "13912340000", "350102199001011238")

    def pages_of(case):
        urls = ["/", f"/cases/{case.id}"] + [f"/cases/{case.id}/approvals/{a.id}" for a in case.approvals]
        return urls + ["/cases", "/reviews", "/approvals"]

    for username in ("reviewer", "archivist", "officer3"):
        login(client, username)
        for case in (archived, open_case):
            for url in pages_of(case):
                page = text(client.get(url))
                assert not any(s in page for s in secrets), (username, url)
                assert "查看举报人信息" not in page
            response = client.post(f"/cases/{case.id}/reporter")
            assert response.status_code in (403, 404)
            assert not any(s in text(response) for s in secrets)

    viewed = db.session.query(AuditEvent).filter_by(code="REPORTER_VIEWED").count()
    login(client, "head")
    page = text(client.get(f"/cases/{open_case.id}"))
    assert "查看举报人信息" in page and "欧阳秘密" not in page
    response = client.post(f"/cases/{open_case.id}/reporter")
    assert response.status_code == 200
    page = text(response)
    assert all(s in page for s in secrets) and "已记入审计日志" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.query(AuditEvent).filter_by(code="REPORTER_VIEWED").count() == viewed + 1
    page = text(client.get(f"/cases/{open_case.id}"))
    assert "王海峰查看了举报人信息" in page and "欧阳秘密" not in page


def test_recusal_declared_decided_and_an_officer_added(client, people, parties):
    case = driven(people, parties, P[:2])
    login(client, "officer2")
    page = text(client.get(f"/cases/{case.id}"))
    assert "申请自行回避" in page
    response = client.post(f"/cases/{case.id}/recusals", data={"version": version_on(page), "kind": "declaration",
                                                                "reason": ""})
    assert response.status_code == 422 and "请填写回避事由" in text(response)
    response = client.post(f"/cases/{case.id}/recusals", data={"version": version_on(page), "kind": "declaration",
                                                                "reason": "本人与当事人法定代表人系近亲属。"})
    assert response.status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert "自行回避" in page and "待决定" in page and "申请自行回避" not in page

    login(client, "head")
    page = text(client.get(f"/cases/{case.id}"))
    recusal_id = case.recusals[0].id
    response = client.post(f"/cases/{case.id}/recusals/{recusal_id}/decision",
                           data={"version": version_on(page), "decision": "grant", "opinion": "同意回避。"})
    assert response.status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert "准予回避" in page and "已移除" in page and "回避决定书" in page

    login(client, "officer")  # one qualified officer left: actions need two
    page = text(client.get(f"/cases/{case.id}"))
    assert "本案可执法的承办人员仅 1 名" in page

    login(client, "head")
    page = text(client.get(f"/cases/{case.id}"))
    assert "增派承办人员" in page
    response = client.post(f"/cases/{case.id}/officers", data={"version": version_on(page),
                                                                "user_id": people["officer3"].id})
    assert response.status_code == 303
    page = text(client.get(f"/cases/{case.id}"))
    assert "黄建华" in page and "已增派承办人员" in page
    response = client.post(f"/cases/{case.id}/officers", data={"version": version_on(page),
                                                                "user_id": people["officer"].id})
    assert response.status_code == 409
    assert "林志远 已是本案承办人员" in text(response) and "该案件已被他人更新" not in text(response)
    response = client.post(f"/cases/{case.id}/officers", data={"version": int(version_on(page)) - 1,
                                                                "user_id": people["officer2"].id})
    assert response.status_code == 409 and "该案件已被他人更新" in text(response)


def test_legal_review_page_shows_the_report_beside_the_form(client, people, parties):
    case = driven(people, parties, P[:4])
    login(client, "reviewer")
    page = text(client.get("/reviews"))
    assert case.title in page and "调查终结报告" in page
    assert case.facts["findings"] in page and case.facts["evidence_summary"] in page
    assert "给予行政处罚" in page and "法制审核通过" in page and "退回补充调查" in page
    response = client.post(f"/cases/{case.id}/transitions/pass_legal_review",
                           data={"version": version_on(page), "opinion": "事实清楚，证据确凿，同意。", "next": "/reviews"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/reviews")
    assert fresh(case.id).state == "legal_review_passed"
    assert "目前没有待您审核的案件" in text(client.get("/reviews"))

    login(client, "officer")
    assert client.get("/reviews").status_code == 403
    assert client.get("/approvals").status_code == 403


def test_the_principal_head_approves_a_police_transfer(client, people, parties):
    case = driven(people, parties, P[:3] + ["propose_decision"],
                  overrides={"conclude_investigation": {"legal_review_required": False},
                             "propose_decision": {"decision_kind": "transfer_police", "content": "涉嫌诈骗犯罪。",
                                                  "receiving_authority": "福州市公安局"}})
    login(client, "head")
    page = text(client.get(f"/cases/{case.id}"))
    assert "该审批操作与承办人员拟定的处理决定类型不符" in page  # the head's approvals do not fit
    assert "批准移送公安机关" not in page  # only the principal head decides a crime transfer
    login(client, "principal")
    page = text(client.get("/approvals"))
    assert "处理决定待审批" in page and "批准移送公安机关" in page
