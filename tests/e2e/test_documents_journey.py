"""An officer writes an interview record (询问笔录) on a filed case in a real Chromium: the draft form with
its question-and-answer rows (a row added in the page), refused while incomplete, issued, then the
PDF and the public verification page."""
from datetime import timedelta

import pytest

from caseflow.extensions import db
from caseflow.timeutil import today
from tests.e2e.test_filing_journey import log_in

pytestmark = pytest.mark.e2e


def _filed_case(server):
    from caseflow.demo import drive, people_by_username
    from caseflow.parties.models import Party
    from tests.integration.procedure_helpers import open_clue
    with server.app.app_context():
        people = people_by_username()
        party = db.session.get(Party, server.world["parties"]["福州仁和大药房有限公司"])
        start = today() - timedelta(days=10)
        case = open_clue(people, party, start)
        case = drive(case, ["propose_filing", "approve_filing"], start, people).case
        case_id = case.id
        db.session.remove()
    return case_id


def test_officer_writes_and_issues_an_interview_record(page, live_server, artifacts):
    server = live_server
    case_id = _filed_case(server)
    log_in(page, server, "officer")
    page.goto(f"{server.url}/cases/{case_id}#documents")
    panel = page.inner_text("#documents")
    assert "立案审批表" in panel and "已签发" in panel  # issued by the head's approval
    page.select_option("#documents select[name=key]", value="inquiry_record")
    page.click("#documents button[type=submit]")
    page.wait_for_selector("text=已生成「询问笔录」草稿")

    page.fill("[name=place]", "福州市医疗保障局询问室")
    page.click("button[name=then][value=save]")  # an incomplete draft can be saved (required fields: on issue)
    page.wait_for_selector("text=草稿已保存")
    assert page.input_value("[name=place]") == "福州市医疗保障局询问室"

    values = {"inquired_on": (today() - timedelta(days=2)).isoformat(), "start_time": "9时30分", "end_time": "10时40分",
              "place": "福州市医疗保障局询问室", "recorder": "陈晓梅", "interviewee_name": "陈国强",
              "interviewee_id_number": "350102197001011234", "interviewee_employer": "福州仁和大药房有限公司 法定代表人",
              "interviewee_phone": "13800138000", "interviewee_address": "福州市鼓楼区五四路 88 号",
              "relationship": "当事人的法定代表人", "recusal_answer": "听清楚了，不申请回避。"}
    for name, value in values.items():
        page.fill(f"[name={name}]", value)
    page.select_option("select[name=interviewee_sex]", value="男")
    page.fill("input[name=qa-0-q]", "你店是否将日用品串换为医保药品结算？")
    page.fill("input[name=qa-0-a]", "是的，从 2026 年 1 月开始。")
    page.click("[data-add-row=qa]")
    page.fill("input[name=qa-1-q]", "以上所述是否属实？")
    page.fill("input[name=qa-1-a]", "属实。")
    page.screenshot(path=str(artifacts / "10-inquiry-record-draft.png"), full_page=True)
    page.click("button[name=then][value=issue]")
    page.wait_for_selector("text=已签发「询问笔录」")
    assert "已签发" in page.inner_text("h1")
    code = page.inner_text("dd a[href*='/verify/']")
    page.screenshot(path=str(artifacts / "11-inquiry-record-issued.png"), full_page=True)

    href = page.get_attribute("a:has-text('查看 PDF')", "href")
    pdf = page.request.get(f"{server.url}{href}")
    assert pdf.ok and pdf.body()[:5] == b"%PDF-"

    page.goto(f"{server.url}/verify/{code}")
    body = page.inner_text("main")
    assert "询问笔录" in body and "福州市医疗保障局" in body and "陈国强" not in body
