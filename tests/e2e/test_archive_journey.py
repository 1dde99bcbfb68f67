"""Issue 5 done-when, in a real Chromium: an officer has registered evidence with a file on a case now closed;
the archivist archives it (立卷归档) on the case page, opens its archive record (档案号, 卷内目录), finds it
again on the 检索 page by a two-character term (highlighted), and downloads its BagIt export, which validates;
an officer of the case's own organisation is told to apply for borrowing (申请借阅) before opening the file."""
import io
import zipfile
from datetime import datetime, timedelta

import bagit
import pytest

from caseflow.extensions import db
from caseflow.timeutil import today
from tests.e2e.test_filing_journey import log_in, log_out

pytestmark = pytest.mark.e2e

TERM = "挂床"
DESCRIPTION = "病房内发现挂床住院患者 7 名，护士站无护理记录。"


def _closed_case_with_evidence(server):
    """A general-procedure case filed, given one evidence item with a file, withdrawn and closed (state
    `closed`), built through the services on a simulated calendar ending a few days ago."""
    from caseflow.cases.models import Case
    from caseflow.demo import demo_files, drive, people_by_username
    from caseflow.evidence import services as evidence
    from caseflow.parties.models import Party
    from tests.integration.procedure_helpers import open_clue
    server.app.config["RENDER_ON_ISSUE"] = False  # documents render on first use: keeps the setup fast
    with server.app.app_context():
        people = people_by_username()
        party = db.session.get(Party, server.world["parties"]["福州康宁医院有限公司"])
        start = today() - timedelta(days=20)
        case = open_clue(people, party, start)
        driven = drive(case, ["propose_filing", "approve_filing"], start, people)
        collected = datetime.combine(driven.today, datetime.min.time()).replace(hour=10)
        item = evidence.register_evidence(driven.case.id, {
            "evidence_type": "inspection_record", "title": "住院部现场检查照片", "obtained_by": "onsite_inspection",
            "source": "执法人员现场拍摄", "description": DESCRIPTION,
            "collected_at": collected.isoformat(timespec="minutes"), "collected_place": "当事人住院部",
            "collected_by": [people["officer"].id, people["officer2"].id], "violations": []}, people["officer"])
        evidence.add_attachment(item.id, io.BytesIO(demo_files()["photo"]), "住院部现场照片.png", people["officer"])
        case = db.session.get(Case, driven.case.id)
        closed = drive(case, ["request_withdrawal", "approve_withdrawal", "propose_closing", "approve_closing"],
                       driven.today, people, {"propose_closing": {"ground": "terminated"}}).case
        assert closed.state == "closed", closed.state
        facts = {"id": closed.id, "number": closed.case_number}
        db.session.remove()
    return facts


def test_archivist_archives_finds_and_exports_a_closed_case(page, live_server, artifacts, tmp_path):
    server = live_server
    case = _closed_case_with_evidence(server)

    # 立卷归档 on the case page
    log_in(page, server, "archivist")
    page.goto(f"{server.url}/cases/{case['id']}")
    assert case["number"] in page.inner_text(".case-head")
    page.click("#action-archive_case > summary")
    page.locator("#action-archive_case form button[type=submit]").click()
    page.wait_for_selector("text=已完成「立卷归档」")
    assert "已归档" in page.inner_text(".case-head")

    # the archive record: archive number and the file's contents
    page.click(".case-head >> text=档案与借阅")
    page.wait_for_selector("#contents")
    archive_no = page.inner_text("dt:has-text('档案号') + dd").strip()
    assert archive_no.startswith(f"榕医保档-{today().year}-") and archive_no in page.inner_text("h1")
    assert case["number"] in page.inner_text(".card >> nth=0")
    contents = page.inner_text("#contents")
    assert "卷宗封面" in contents and "住院部现场检查照片" in contents
    # a 30-year file cannot be destroyed before its term: no disposal form, only the date it runs to
    assert "届满前不得销毁" in page.inner_text("#disposal") and page.locator("#disposal form").count() == 0
    record_url = page.url
    page.screenshot(path=str(artifacts / "20-archive-record.png"), full_page=True)

    # the BagIt export: a zip of one bag that validates and names the archive number
    with page.expect_download() as info:
        page.click("text=导出档案包（BagIt，zip）")
    download = info.value
    zipped = tmp_path / download.suggested_filename
    download.save_as(zipped)
    with zipfile.ZipFile(zipped) as z:
        z.extractall(tmp_path / "bag")
    (root,) = [p for p in (tmp_path / "bag").iterdir() if p.is_dir()]
    bag = bagit.Bag(str(root))
    bag.validate()
    assert archive_no in (root / "bag-info.txt").read_text(encoding="utf-8")
    assert any(p.suffix == ".png" for p in (root / "data").rglob("*"))  # the evidence file travels with the bag

    # 检索: the two-character term finds the archived case, highlighted
    page.click("nav.mainnav >> text=检索")
    page.fill("input[name=q]", TERM)
    page.click("form.filter-form button[type=submit]")
    page.wait_for_selector(".search-hits")
    assert page.get_attribute("details.filter-more", "open") is None  # only a term: the filters stay folded
    hit = page.locator(".search-hit", has_text=case["number"])
    assert hit.count() >= 1
    assert TERM in [m.strip() for m in hit.first.locator("mark").all_inner_texts()]
    page.screenshot(path=str(artifacts / "21-search-term.png"), full_page=True)
    hit.first.locator(f"a:has-text('{case['number']}')").click()
    page.wait_for_selector(".case-head")
    assert "已归档" in page.inner_text(".case-head")
    log_out(page)

    # an officer of the same organisation: the record is visible, the material needs a borrowing
    log_in(page, server, "officer")
    page.goto(record_url)
    assert "申请借阅" in page.inner_text("#material")
    assert "申请借阅" in page.inner_text("#borrow")
    response = page.goto(f"{server.url}/archive/{case['id']}/case-file.pdf")
    assert response.status == 403
    assert "请在案件档案页申请借阅" in page.inner_text("body")
