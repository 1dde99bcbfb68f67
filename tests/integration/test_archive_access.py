"""Access to archived case files (issue 5): only the organisation's archivists and holders of an approved,
unexpired borrowing (借阅) grant open the material of an archived case; every opening and every refusal is
logged in an append-only access log; borrowing requests are decided by an archivist of the case's
organisation, never by the requester, and end by themselves at their term."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from caseflow.archive import borrowing
from caseflow.archive import services as archive
from caseflow.archive.access_log import ArchiveAccess, open_archived_material
from caseflow.audit.models import AuditEvent
from caseflow.auth.models import UserRole
from caseflow.documents import services as documents
from caseflow.errors import Conflict, Forbidden, ValidationFailed
from caseflow.evidence import services as evidence
from caseflow.extensions import db
from caseflow.timeutil import local_now
from tests.conftest import login
from tests.integration.procedure_helpers import act, filed_case, run
from tests.integration.test_api_support import Api, assert_error

PHARMACY = "福州仁和大药房有限公司"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"0 0 obj\n" * 400 + b"%%EOF\n"


@pytest.fixture
def archived(people, parties):
    """A case filed, withdrawn, closed and archived through the workflow, with an issued document and an
    evidence item holding one file. Returns (case, document, attachment)."""
    case = filed_case(people, parties[PHARMACY])
    item = evidence.register_evidence(case.id, {
        "evidence_type": "documentary", "title": "2025年1月医保结算明细", "obtained_by": "retrieval",
        "source": "福州市医保信息系统调取", "collected_at": "2025-02-13T10:00", "collected_place": "福州市医疗保障局",
        "collected_by": [people["officer"].id, people["officer2"].id], "violations": ["735-38"]}, people["officer"])
    attached = evidence.add_attachment(item.id, io.BytesIO(PDF), "结算明细.pdf", people["officer"])
    case = act(case, "request_withdrawal", date(2025, 2, 20), people)
    case = run(case, [("approve_withdrawal", date(2025, 2, 21)),
                      ("propose_closing", date(2025, 2, 24), {"ground": "terminated"}),
                      ("approve_closing", date(2025, 2, 25)), ("archive_case", date(2025, 3, 3))], people)
    assert case.state == "archived"
    doc = next(d for d in documents.case_documents(case.id) if d.status != "draft")
    return case, doc, attached.attachment


def urls(case, doc, attachment) -> dict:
    return {"pdf": f"/cases/{case.id}/documents/{doc.id}/pdf",
            "file": f"/cases/{case.id}/evidence/{attachment.evidence_id}/attachments/{attachment.id}",
            "api_file": f"/evidence/{attachment.evidence_id}/attachments/{attachment.id}"}


def log_rows(case) -> list[tuple]:
    db.session.expire_all()
    return [(r.user.username, r.kind, r.via, r.granted, r.basis) for r in
            db.session.execute(select(ArchiveAccess).where(ArchiveAccess.case_id == case.id)
                               .order_by(ArchiveAccess.id)).scalars()]


def codes(case) -> list[str]:
    return list(db.session.execute(select(AuditEvent.code).where(AuditEvent.case_id == case.id)
                                   .order_by(AuditEvent.seq)).scalars())


def test_without_a_grant_the_officer_is_refused_the_material_and_the_append_only_log_keeps_it(app, client, people,
                                                                                            archived):
    case, doc, attachment = archived
    u = urls(case, doc, attachment)
    login(client, "officer")
    refused = client.get(u["pdf"])
    assert refused.status_code == 403
    assert "仅限本单位档案管理员和借阅获批" in refused.get_data(as_text=True)
    assert client.get(u["file"]).status_code == 403
    body = assert_error(Api(client, people).get("head", u["api_file"]), 403, "forbidden")
    assert "申请借阅" in body["message"]
    # the case page itself (metadata) stays open to them
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert log_rows(case) == [("officer", "document_pdf", "web", False, None),
                              ("officer", "evidence_file", "web", False, None),
                              ("head", "evidence_file", "api", False, None)]
    # the organisation's archivist opens the material without borrowing, and that is logged too
    login(client, "archivist")
    opened = client.get(u["file"])
    assert opened.status_code == 200 and opened.data == PDF
    assert log_rows(case)[-1] == ("archivist", "evidence_file", "web", True, "archivist")
    # the log is append-only in the database
    row_id = db.session.execute(select(func.max(ArchiveAccess.id))).scalar_one()
    for statement in ("UPDATE archive_accesses SET granted = FALSE, basis = NULL WHERE id = :id",
                      "DELETE FROM archive_accesses WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": row_id})
            db.session.flush()
        db.session.rollback()
    assert len(log_rows(case)) == 4


def test_a_grant_opens_the_material_until_its_term_and_not_after(app, client, people, archived):
    case, doc, attachment = archived
    u = urls(case, doc, attachment)
    officer, archivist = people["officer"], people["archivist"]
    asked = borrowing.request_borrow(case.id, "复议答复需要查阅证据", 3, officer)
    assert asked.status == "pending" and borrowing.queue(archivist) == [asked]
    with pytest.raises(Conflict, match="已有待审批"):
        borrowing.request_borrow(case.id, "再次申请", 3, officer)
    with pytest.raises(ValidationFailed, match="1 至 30 天"):
        borrowing.request_borrow(case.id, "太久", 31, people["officer2"])
    granted = borrowing.approve(asked.id, 2, "同意借阅两天", archivist)
    assert granted.status == "approved" and granted.approved_days == 2
    login(client, "officer")
    opened = client.get(u["file"])
    assert opened.status_code == 200 and opened.data == PDF
    assert log_rows(case) == [("officer", "evidence_file", "web", True, "borrow")]
    # at the term (frozen clock) the same check refuses
    term = granted.approved_until
    open_archived_material(officer, case, "evidence_file", "证据附件", now=term - timedelta(seconds=1))
    with pytest.raises(Forbidden, match="借阅获批"):
        open_archived_material(officer, case, "evidence_file", "证据附件", now=term)
    assert borrowing.my_requests(officer)[0].status == "expired"
    assert codes(case)[-3:] == ["BORROW_REQUESTED", "BORROW_APPROVED", "BORROW_EXPIRED"]
    # a grant decided in the past whose term has run out: refused on the real clock through HTTP as well
    again = borrowing.request_borrow(case.id, "再次查阅", 1, officer)
    borrowing.approve(again.id, 1, None, archivist, now=local_now() - timedelta(days=2))
    assert client.get(u["file"]).status_code == 403
    assert log_rows(case)[-1] == ("officer", "evidence_file", "web", False, None)
    # early return ends a grant too
    third = borrowing.request_borrow(case.id, "第三次查阅", 5, officer)
    borrowing.approve(third.id, 5, None, archivist)
    assert client.get(u["file"]).status_code == 200
    assert borrowing.return_early(third.id, officer).status == "returned"
    assert client.get(u["file"]).status_code == 403


def test_only_an_archivist_of_the_case_organisation_other_than_the_requester_decides(app, people, archived):
    case, _doc, _attachment = archived
    asked = borrowing.request_borrow(case.id, "执法监督检查", 5, people["gl_officer"])  # another organisation
    for username in ("head", "officer2", "gl_head"):
        with pytest.raises(Forbidden, match="档案管理员审批"):
            borrowing.approve(asked.id, 5, None, people[username])
    with pytest.raises(Forbidden):
        borrowing.request_borrow(case.id, "越权", 5, people["admin"])
    with pytest.raises(Conflict, match="无需借阅"):
        borrowing.request_borrow(case.id, "本单位档案员", 5, people["archivist"])
    # the requester who later becomes an archivist of the organisation still cannot decide their own request
    officer3 = people["officer3"]
    own = borrowing.request_borrow(case.id, "案件评查", 5, officer3)
    db.session.add(UserRole(user_id=officer3.id, role="archivist"))
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(Forbidden, match="不能审批本人"):
        borrowing.approve(own.id, 5, None, officer3)
    with pytest.raises(ValidationFailed, match="理由"):
        borrowing.reject(asked.id, " ", people["archivist"])
    refused = borrowing.reject(asked.id, "用途与本案无关", people["archivist"])
    assert refused.status == "rejected"
    with pytest.raises(Conflict, match="不能再审批"):
        borrowing.approve(asked.id, 5, None, people["archivist"])
    # and the database refuses a decision by the requester whatever the code does
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE borrow_requests SET status = 'rejected', decided_by_id = requester_id, "
                                "decided_at = requested_at, decision_note = 'x' WHERE id = :id"), {"id": own.id})
        db.session.flush()
    db.session.rollback()


# ---- web pages

def test_web_archive_register_record_page_and_the_borrowing_journey(app, client, people, archived):
    case, doc, attachment = archived
    record = archive.archive_record(case.id)
    u = urls(case, doc, attachment)
    login(client, "archivist")
    register = client.get("/archive?number=" + record.archive_no[-4:]).get_data(as_text=True)
    assert record.archive_no in register and case.case_number in register
    assert record.archive_no not in client.get("/archive?year=1999").get_data(as_text=True)
    page = client.get(f"/archive/{case.id}").get_data(as_text=True)
    assert "卷宗封面" in page and "查看卷宗 PDF" in page and "设置法律保全" in page and "申请借阅" not in page
    assert "正卷" in page and "副卷" in page and "结案审批表" in page   # the contents, from the manifest
    held = client.post(f"/archive/{case.id}/holds", data={"reason": "当事人已提起行政诉讼"}, follow_redirects=True)
    assert "已设置法律保全" in held.get_data(as_text=True) and archive.archive_record(case.id).on_hold

    # the case officer sees the record read-only with the request form, and asks
    login(client, "officer")
    page = client.get(f"/archive/{case.id}").get_data(as_text=True)
    assert "申请借阅" in page and "查看卷宗 PDF" not in page and "设置法律保全" not in page
    asked = client.post(f"/archive/{case.id}/borrow-requests", data={"purpose": "行政诉讼应诉需要", "days": "3"},
                        follow_redirects=True)
    assert "借阅申请已提交" in asked.get_data(as_text=True)
    assert "待审批" in client.get("/archive/borrowing").get_data(as_text=True)
    # an officer of another organisation of the province names the case by its number
    login(client, "gl_officer")
    assert client.get(f"/cases/{case.id}").status_code == 404
    asked = client.post("/archive/borrowing", data={"number": case.case_number, "purpose": "类案参考", "days": "2"},
                        follow_redirects=True)
    assert "借阅申请已提交" in asked.get_data(as_text=True)
    assert client.post("/archive/borrowing", data={"number": "不存在的案号", "purpose": "x", "days": "2"}).status_code == 404

    login(client, "archivist")
    queue = client.get("/archive/requests").get_data(as_text=True)
    assert "行政诉讼应诉需要" in queue and "类案参考" in queue and "鼓楼区医保局" in queue
    mine, theirs = sorted(borrowing.queue(people["archivist"]), key=lambda b: b.id)
    client.post(f"/archive/requests/{mine.id}/approve", data={"days": "2", "note": ""})
    client.post(f"/archive/requests/{theirs.id}/approve", data={"days": "1"})
    assert borrowing.active_grant(people["officer"].id, case.id) is not None
    login(client, "gl_officer")
    assert client.get(f"/cases/{case.id}").status_code == 200   # the borrower sees the case it borrowed
    assert client.get(u["file"]).data == PDF
    returned = client.post(f"/archive/borrowing/{theirs.id}/return", follow_redirects=True)
    assert "已归还" in returned.get_data(as_text=True)
    assert client.get(u["file"]).status_code == 404   # once returned, the case is out of their sight again
    assert client.get(f"/cases/{case.id}").status_code == 404

    login(client, "archivist")
    log = client.get(f"/archive/{case.id}/access-log").get_data(as_text=True)
    assert "张明" in log and "鼓楼区医保局" in log and "准予（借阅）" in log


# ---- API

def test_api_archive_record_borrowing_and_access_log(app, client, people, archived):
    case, _doc, _attachment = archived
    api = Api(client, people)
    listed = api.ok(api.get("archivist", "/archive"))
    assert [r["case_number"] for r in listed["items"]] == [case.case_number] and listed["total"] == 1
    assert api.ok(api.get("officer", "/archive?number=不存在"))["items"] == []
    detail = api.ok(api.get("officer", f"/archive/{case.id}"))
    assert detail["archive_no"] == archive.archive_record(case.id).archive_no and "manifest" in detail
    assert_error(api.get("gl_officer", f"/archive/{case.id}"), 404, "not_found")

    body = assert_error(api.get("officer", f"/archive/{case.id}/case-file.pdf"), 403, "forbidden")
    assert "借阅" in body["message"]
    assert_error(api.post("officer", f"/archive/{case.id}/borrow-requests", {"purpose": "", "days": 3}), 422)
    asked = api.ok(api.post("officer", f"/archive/{case.id}/borrow-requests",
                            {"purpose": "复议答复", "days": 3}), 201)
    assert asked["status"] == "pending" and asked["requester"]["name"] == "林志远"
    assert_error(api.post("head", f"/borrow-requests/{asked['id']}/approve", {"days": 2}), 403, "forbidden")
    assert_error(api.post("archivist", f"/borrow-requests/{asked['id']}/approve", {"days": 99}), 422)
    approved = api.ok(api.post("archivist", f"/borrow-requests/{asked['id']}/approve", {"days": 2}))
    assert approved["status"] == "approved" and approved["approved_days"] == 2
    assert_error(api.post("archivist", f"/borrow-requests/{asked['id']}/reject", {"note": "晚了"}), 409, "conflict")
    assert api.ok(api.get("archivist", "/borrow-requests?queue=1&status=approved"))["items"][0]["id"] == asked["id"]
    # a form post (what a cross-site page could send) is refused: the API takes JSON only
    assert_error(api.post("officer", f"/borrow-requests/{asked['id']}/return", data={"x": "1"}), 400, "bad_request")
    returned = api.ok(api.post("officer", f"/borrow-requests/{asked['id']}/return", {}))
    assert returned["status"] == "returned"

    log = api.ok(api.get("archivist", f"/archive/{case.id}/access-log"))["items"]
    assert [(r["user"]["name"], r["kind"], r["via"], r["granted"]) for r in log] == [("林志远", "case_file", "api", False)]
    assert_error(api.get("officer", f"/archive/{case.id}/access-log"), 403, "forbidden")
    assert codes(case)[-3:] == ["BORROW_REQUESTED", "BORROW_APPROVED", "BORROW_RETURNED"]


def test_the_contents_of_an_archived_case_do_not_leak_through_data_views_search_or_the_manifest(
        app, client, people, archived):
    """Review findings: the gate also covers the documents' JSON, the document page, search snippets of
    documents and evidence, and the manifest's patient-level items; a borrower who may not see patient-level
    evidence gets neither the whole case file nor the full package."""
    case, doc, attachment = archived
    api = Api(client, people)
    assert_error(api.get("officer", f"/documents/{doc.id}"), 403, "forbidden")
    listed = api.get("officer", f"/cases/{case.id}/documents").get_json()["items"]
    assert listed and all("data" not in d for d in listed)
    assert "data" in api.get("archivist", f"/documents/{doc.id}").get_json()
    login(client, "officer")
    assert client.get(f"/cases/{case.id}/documents/{doc.id}").status_code == 403
    # search: the officer still finds the archived case by its evidence's words (to know what to borrow), but
    # reads no text from it; the archivist reads the snippet
    hits = {h["kind"]: h for h in api.get("officer", "/search?q=结算明细").get_json()["items"]}
    assert hits["evidence"]["snippet"].startswith("（已归档案件的卷宗材料") and hits["evidence"]["highlights"] == []
    assert "福州市医保信息系统" not in str(hits)
    hits = {h["kind"]: h for h in api.get("archivist", "/search?q=结算明细").get_json()["items"]}
    assert "结算明细" in hits["evidence"]["snippet"] and hits["evidence"]["highlights"]
    # a borrower from another organisation: the record page hides patient-level items, the whole file is refused
    record = archive.archive_record(case.id)
    manifest = {**record.manifest, "volumes": [
        {**v, "items": [{**i, "patient_level": True} if i.get("kind") == "evidence" else i for i in v["items"]]}
        for v in record.manifest["volumes"]]}
    visible = archive.visible_manifest(people["gl_officer"], case, manifest)
    hidden = [i for v in visible["volumes"] for i in v["items"] if i.get("kind") == "evidence"]
    assert hidden and all(i["title"].startswith("（涉及参保人员个人信息") and not i["attachments"] for i in hidden)
    assert archive.visible_manifest(people["archivist"], case, manifest) == manifest
    record.manifest = manifest  # as if the evidence had been patient-level (not flushed: the table is frozen)
    with pytest.raises(Forbidden, match="阅卷副本"):
        archive.require_whole_file(people["gl_officer"], case, record)
    archive.require_whole_file(people["archivist"], case, record)
    db.session.rollback()
