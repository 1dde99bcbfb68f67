"""An officer registers a clue and proposes filing, the head approves it, the officer sees the case filed
with its number — in a real Chromium, through the real forms (CSRF on)."""
from datetime import timedelta

import pytest

from caseflow.timeutil import today

pytestmark = pytest.mark.e2e


def log_in(page, server, username):
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", server.password)
    page.click("button[type=submit]")
    page.wait_for_selector(".user-box")


def log_out(page):
    page.click("button.logout")
    page.wait_for_selector("text=您已安全退出")


def test_officer_proposes_head_approves_case_is_filed(page, live_server, artifacts):
    server, users = live_server, live_server.world["users"]
    number = f"榕医保立〔{today().year}〕1号"

    log_in(page, server, "officer")
    assert "林志远" in page.inner_text(".user-box")
    page.click("nav.mainnav >> text=登记线索")
    page.select_option("select[name=source]", label="投诉举报")
    page.fill("input[name=received_on]", (today() - timedelta(days=1)).isoformat())
    page.select_option("select[name=party_id]", value=str(server.world["parties"]["福州仁和大药房有限公司"]))
    page.fill("input[name=cause]", "串换药品")
    page.fill("textarea[name=summary]", "群众举报该药店将日用品串换为医保目录内药品结算。")
    page.screenshot(path=str(artifacts / "01-clue-form.png"), full_page=True)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=线索已登记")
    assert "线索核查中" in page.inner_text(".case-head")
    case_url = page.url

    page.click("#action-propose_filing > summary")
    form = page.locator("#action-propose_filing form")
    form.locator(f"input[name=officers][value='{users['officer']}']").check()
    form.locator(f"input[name=officers][value='{users['officer2']}']").check()
    form.locator("input[name=cause]").fill("串换药品骗取医保基金")
    form.locator("textarea[name=facts]").fill("经数据筛查，该药店 2026 年以来存在串换药品结算的情况。")
    form.locator("input[name=suspected_provisions]").fill("《医疗保障基金使用监督管理条例》第三十八条")
    page.screenshot(path=str(artifacts / "02-propose-filing.png"), full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已完成「提请立案」")
    assert "立案待审批" in page.inner_text(".case-head")
    assert "陈晓梅" in page.inner_text("#officers")
    log_out(page)

    log_in(page, server, "head")
    page.click("nav.mainnav >> text=审批事项")
    assert "立案待审批" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "03-approvals.png"), full_page=True)
    page.click("a.chip >> text=批准立案")
    page.wait_for_selector("#action-approve_filing[open]")
    approve = page.locator("#action-approve_filing form")
    approve.locator("textarea[name=opinion]").fill("同意立案，由林志远、陈晓梅承办。")
    approve.locator("button[type=submit]").click()
    page.wait_for_selector("text=已完成「批准立案」")
    assert number in page.inner_text(".case-head")
    page.screenshot(path=str(artifacts / "04-approved.png"), full_page=True)
    log_out(page)

    log_in(page, server, "officer")
    page.click("nav.mainnav >> text=案件列表")
    page.fill("input[name=number]", number)
    page.click("form.filter-form button[type=submit]")
    page.click("text=福州仁和大药房有限公司涉嫌串换药品骗取医保基金案")
    page.wait_for_selector(".case-head")
    assert page.url == case_url
    head = page.inner_text(".case-head")
    assert number in head and "调查取证" in head
    assert "立案审批表" in page.inner_text("#approvals")
    page.screenshot(path=str(artifacts / "05-officer-sees-filed-case.png"), full_page=True)
