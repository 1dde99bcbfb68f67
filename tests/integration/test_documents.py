"""Documents through the workflow: drafts on entering a step, forms issued by approvals, steps refused
until a document is issued or served, numbering without gaps, immutability (service and database),
corrections, service and its deemed dates, every type issued from a real case."""
import hashlib
import subprocess
import threading
from datetime import date, datetime

import pytest
from sqlalchemy import select, text, update

from caseflow.documents import services as documents
from caseflow.documents.models import Document, DocumentService
from caseflow.errors import Conflict, TransitionRefused, ValidationFailed
from caseflow.extensions import db
from caseflow.workflow import engine
from tests.integration.procedure_helpers import act, decided_case, noticed_case, run

AT = datetime(2025, 3, 14, 10, 0)
PHARMACY = "福州仁和大药房有限公司"


def pdftext(data: bytes, tmp_path) -> str:
    path = tmp_path / f"{hashlib.sha256(data).hexdigest()[:8]}.pdf"
    path.write_bytes(data)
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
                   .stdout.split())


def keys_of(case, status=None):
    return [d.key for d in documents.case_documents(case.id) if status is None or d.status == status]


def test_the_procedure_drafts_issues_and_serves_its_documents(app, people, parties, tmp_path):
    app.config["RENDER_ON_ISSUE"] = True
    pharmacy = parties[PHARMACY]
    case = decided_case(people, pharmacy)
    issued = keys_of(case, "issued") + keys_of(case, "served")
    for key in ("clue_register", "filing_approval", "investigation_report", "legal_review_submission",
                "legal_review_opinion", "prior_notice", "decision_approval", "penalty_decision", "service_receipt"):
        assert key in issued, key
    notice = documents.effective(case.id, "prior_notice")
    assert notice.status == "served" and notice.service.method == "direct"
    assert notice.number.startswith("榕医保罚告〔2025〕")
    decision = documents.effective(case.id, "penalty_decision")
    assert decision.status == "issued" and decision.number == "榕医保罚〔2025〕1号"
    assert "payment_notice" in keys_of(case, "draft")
    body = pdftext(documents.pdf_bytes(decision), tmp_path)
    assert pharmacy.name in body and case.case_number in body and decision.number in body
    assert "60日" in body and "6个月" in body and "百分之三" in body
    assert "退回医疗保障基金38,000.00元" in body and "处罚款38,000.00元" in body
    assert decision.verification_code in body
    # service of the decision through the workflow marks it served and issues its 送达回证
    case = act(case, "serve_decision", date(2025, 3, 17), people)
    decision = documents.effective(case.id, "penalty_decision")
    assert decision.status == "served" and decision.served_on == date(2025, 3, 17)
    receipt = decision.service.receipt
    assert receipt.key == "service_receipt" and receipt.status == "issued"
    receipt_text = pdftext(documents.pdf_bytes(receipt), tmp_path)
    assert "行政处罚决定书" in receipt_text and decision.number in receipt_text and "直接送达" in receipt_text


def test_a_step_is_refused_until_its_document_is_issued_and_served(app, people, parties):
    case = noticed_case(people, parties[PHARMACY])
    case = act(case, "request_hearing", date(2025, 3, 4), people)
    case = act(case, "schedule_hearing", date(2025, 3, 5), people, hearing_date=date(2025, 3, 17),
               hearing_notice_served_on=date(2025, 3, 5), presider_id=people["officer3"].id)
    notice = documents.open_draft(case.id, "hearing_notice")
    assert notice is not None  # entering the step drafted it
    hold = {"held_on": date(2025, 3, 17), "attendance": "attended", "record_summary": "……", "report": "……"}
    reasons = _refusal(case, "hold_hearing", people["officer3"], hold)
    assert any("听证通知书" in r and "尚未签发" in r for r in reasons)
    notice.data = {**documents.catalogue().sample("hearing_notice")["fields"], **{k: v for k, v in notice.data.items() if v}}
    documents.issue_in_transaction(notice, people["officer"], at=datetime(2025, 3, 5, 9))
    db.session.commit()
    reasons = _refusal(case, "hold_hearing", people["officer3"], hold)
    assert any("尚未送达" in r for r in reasons)
    documents.serve(notice.id, notice.version, {"method": "direct", "served_on": "2025-03-05", "recipient": "陈建国"},
                    people["officer"])
    case = engine.fire(case.id, "hold_hearing", db.session.get(type(case), case.id).version, hold, people["officer3"],
                       today=date(2025, 3, 17))
    assert case.state == "hearing_held"
    assert {"hearing_record", "hearing_report"} <= set(keys_of(case, "issued"))


def _refusal(case, trigger, actor, data):
    case = db.session.get(type(case), case.id)
    with pytest.raises(TransitionRefused) as exc:
        engine.fire(case.id, trigger, case.version, data, actor, today=date(2025, 3, 17))
    db.session.rollback()
    return exc.value.reasons


def test_issued_documents_are_immutable_in_the_service_and_the_database(app, people, parties):
    case = decided_case(people, parties[PHARMACY])
    decision = documents.effective(case.id, "penalty_decision")
    with pytest.raises(Conflict, match="已签发"):
        documents.update_draft(decision.id, decision.version, {"fine_amount": "1.00"}, people["officer"])
    with pytest.raises(Conflict):
        documents.delete_draft(decision.id, decision.version, people["officer"])
    for statement in (
        update(Document).where(Document.id == decision.id).values(number="伪造〔2025〕1号"),
        update(Document).where(Document.id == decision.id).values(data={"fine_amount": "1.00"}),
        update(Document).where(Document.id == decision.id).values(status="draft"),
        update(Document).where(Document.id == decision.id).values(snapshot_sha256="0" * 64),
    ):
        with pytest.raises(Exception) as exc:
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
        assert "immutable" in str(exc.value)
    with pytest.raises(Exception, match="cannot be deleted"):
        db.session.execute(text("DELETE FROM documents WHERE id = :id"), {"id": decision.id})
    db.session.rollback()
    # the PDF's hash is set once: rendering a deferred document is allowed, changing it afterwards is not
    documents.pdf_bytes(decision)
    with pytest.raises(Exception, match="immutable"):
        db.session.execute(update(Document).where(Document.id == decision.id).values(pdf_sha256="f" * 64))
    db.session.rollback()
    notice = documents.effective(case.id, "prior_notice")
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(update(DocumentService).where(DocumentService.document_id == notice.id)
                           .values(recipient="别人"))
    db.session.rollback()


def test_a_correction_is_a_new_version_and_both_stay_on_file(app, people, parties):
    case = decided_case(people, parties[PHARMACY])
    old = documents.effective(case.id, "penalty_decision")
    with pytest.raises(ValidationFailed, match="更正理由"):
        documents.correct(old.id, " ", people["officer"])
    new = documents.correct(old.id, "当事人地址笔误", people["officer"])
    assert new.status == "draft" and new.revision == 2 and new.supersedes_id == old.id
    with pytest.raises(Conflict, match="已有更正"):
        documents.correct(old.id, "再次更正", people["officer"])
    new = documents.update_draft(new.id, new.version, {"facts": "更正后的违法事实。"}, people["officer"])
    new = documents.issue(new.id, new.version, people["officer"])
    assert new.number == "榕医保罚〔2025〕2号" or new.number.startswith("榕医保罚〔")
    assert documents.effective(case.id, "penalty_decision").id == new.id
    kept = db.session.get(Document, old.id)
    assert kept.status == "issued" and kept.number == old.number  # still on file, unchanged
    assert new.snapshot["doc"]["supersedes"]["number"] == old.number


def test_numbers_are_gap_free_and_a_refused_issue_takes_none(app, people, parties):
    case = decided_case(people, parties[PHARMACY])
    officer = people["officer"]
    numbers = []
    for _ in range(3):
        draft = documents.new_draft(case.id, "correction_order", officer)
        with pytest.raises(ValidationFailed):  # required fields empty: refused, number given back
            documents.issue(draft.id, draft.version, officer)
        draft = documents.update_draft(draft.id, draft.version,
                                       documents.catalogue().sample("correction_order")["fields"], officer)
        numbers.append(documents.issue(draft.id, draft.version, officer).number)
    year = numbers[0].split("〔")[1][:4]
    assert numbers == [f"榕医保责改〔{year}〕{n}号" for n in (1, 2, 3)]


@pytest.mark.postgres_only
def test_sixteen_concurrent_issuers_get_unique_gap_free_numbers(app, people, parties, backend):
    if backend != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    case = decided_case(people, parties[PHARMACY])
    officer = people["officer"]
    sample = documents.catalogue().sample("correction_order")["fields"]
    drafts = []
    for _ in range(16):
        d = documents.new_draft(case.id, "correction_order", officer)
        drafts.append(documents.update_draft(d.id, d.version, sample, officer).id)
    officer_id = officer.id
    barrier, results, errors = threading.Barrier(16), {}, []

    def issue(doc_id):
        with app.app_context():
            try:
                from caseflow.auth.models import User
                actor = db.session.get(User, officer_id)
                doc = db.session.get(Document, doc_id)
                barrier.wait()
                results[doc_id] = documents.issue(doc_id, doc.version, actor).number
            except Exception as exc:  # noqa: BLE001 — reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(i,)) for i in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = sorted(int(n.split("〕")[1].rstrip("号")) for n in results.values())
    assert seqs == list(range(1, 17))


def test_service_rules(app, people, parties):
    case = decided_case(people, parties[PHARMACY])
    officer = people["officer"]
    sample = documents.catalogue().sample("correction_order")["fields"]
    d = documents.new_draft(case.id, "correction_order", officer)
    d = documents.update_draft(d.id, d.version, sample, officer)
    d = documents.issue(d.id, d.version, officer)
    served_on = d.issued_at.date().isoformat()
    with pytest.raises(ValidationFailed, match="电子送达确认书"):
        documents.serve(d.id, d.version, {"method": "electronic", "served_on": served_on, "recipient": "陈"}, officer)
    with pytest.raises(ValidationFailed, match="见证人"):
        documents.serve(d.id, d.version, {"method": "left_behind", "served_on": served_on, "recipient": "陈"}, officer)
    with pytest.raises(ValidationFailed, match="原因和经过"):
        documents.serve(d.id, d.version, {"method": "public_notice", "served_on": served_on, "recipient": "陈"}, officer)
    documents.serve(d.id, d.version, {"method": "public_notice", "served_on": served_on, "recipient": "陈建国",
                                      "public_notice_reason": "当事人已停业，下落不明。"}, officer)
    d = db.session.get(Document, d.id)
    assert (d.served_on - d.service.served_on).days == 30  # 民事诉讼法 第九十五条
    assert d.service.receipt.status == "issued"
    with pytest.raises(ValidationFailed, match="已于"):
        documents.serve(d.id, d.version, {"method": "direct", "served_on": served_on, "recipient": "陈"}, officer)


def test_electronic_service_needs_the_signed_consent(app, people, parties):
    case = noticed_case(people, parties[PHARMACY])
    officer = people["officer"]
    sample = documents.catalogue().sample("correction_order")["fields"]
    d = documents.new_draft(case.id, "correction_order", officer)
    d = documents.update_draft(d.id, d.version, sample, officer)
    d = documents.issue(d.id, d.version, officer)
    consent = documents.new_draft(case.id, "e_service_consent", officer)
    consent = documents.update_draft(consent.id, consent.version,
                                     documents.catalogue().sample("e_service_consent")["fields"], officer)
    documents.issue(consent.id, consent.version, officer)
    documents.serve(d.id, d.version, {"method": "electronic", "served_on": d.issued_at.date().isoformat(),
                                      "recipient": "chen@example.com"}, officer)
    assert db.session.get(Document, d.id).service.consent_document_id == consent.id


def test_every_document_type_issues_from_a_real_case(app, people, parties, tmp_path):
    """Each type drafted on a case driven through the workflow, filled (case data first, the sample's
    wording for what the officer writes), issued and rendered: the PDF names the party and the case."""
    app.config["RENDER_ON_ISSUE"] = True
    case = decided_case(people, parties[PHARMACY])
    officer = people["head"]
    for t in documents.catalogue():
        if t.key in ("onsite_decision", "service_receipt"):
            continue
        doc = documents.open_draft(case.id, t.key)
        if doc is None:
            doc = documents.create_draft_in_transaction(case, t.key, officer)
        sample = documents.catalogue().sample(t.key).get("fields", {})
        doc.data = {**sample, **{k: v for k, v in (doc.data or {}).items() if v not in (None, "", [])}}
        documents.issue_in_transaction(doc, officer, strict=True, at=AT)
        db.session.commit()
        body = pdftext(documents.pdf_bytes(doc), tmp_path)
        printed = {"file_cover": "行政处罚案卷", "investigation_status_notice": "调查通知书"}
        assert "".join(t.title.split()) in body or printed.get(t.key, "—") in body, t.key
        if t.kind != "internal" or t.key in ("filing_approval", "decision_approval"):
            assert parties[PHARMACY].name in body or t.key == "settlement_suspension_notice", t.key


def test_a_confidential_report_record_is_only_for_who_may_see_the_reporter(app, people, parties):
    from tests.integration.procedure_helpers import open_clue
    case = open_clue(people, parties[PHARMACY], date(2025, 2, 10),
                     reporter={"name": "王某某", "phone": "13900000000", "real_name": True})
    doc = documents.new_draft(case.id, "report_record", people["head"])
    assert documents.can_read(people["head"], doc)
    assert not documents.can_read(people["reviewer"], doc)


def test_the_verification_page_matches_the_issued_pdf_and_shows_no_party_data(app, people, parties, client):
    case = decided_case(people, parties[PHARMACY])
    decision = documents.effective(case.id, "penalty_decision")
    pdf = documents.pdf_bytes(decision)
    page = client.get(f"/verify/{decision.verification_code}")  # public: no login
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and decision.number in body and "福州市医疗保障局" in body
    assert PHARMACY not in body and parties[PHARMACY].credit_code not in body
    import io
    same = client.post(f"/verify/{decision.verification_code}", data={"file": (io.BytesIO(pdf), "d.pdf")},
                       content_type="multipart/form-data")
    assert "完全一致" in same.get_data(as_text=True)
    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x01
    other = client.post(f"/verify/{decision.verification_code}", data={"file": (io.BytesIO(bytes(tampered)), "d.pdf")},
                        content_type="multipart/form-data")
    assert "不一致" in other.get_data(as_text=True)
    assert client.get("/verify/AAAAA-AAAAA").status_code == 404


def test_an_officer_drafts_edits_and_issues_a_document_on_the_web(app, people, parties, client):
    from tests.conftest import login
    case = decided_case(people, parties[PHARMACY])
    login(client, "officer")
    page = client.get(f"/cases/{case.id}")
    assert "执法文书" in page.get_data(as_text=True) and "行政处罚决定书" in page.get_data(as_text=True)
    created = client.post(f"/cases/{case.id}/documents", data={"key": "correction_order"})
    assert created.status_code == 303
    doc = db.session.execute(select(Document).where(Document.case_id == case.id, Document.key == "correction_order")
                             ).scalar_one()
    refused = client.post(f"/cases/{case.id}/documents/{doc.id}/save", data={"version": doc.version, "then": "issue"})
    assert refused.status_code == 422 and "请填写" in refused.get_data(as_text=True)
    form = {k: v for k, v in documents.catalogue().sample("correction_order")["fields"].items() if v is not None}
    saved = client.post(f"/cases/{case.id}/documents/{doc.id}/save",
                        data={**{k: str(v) for k, v in form.items()}, "version": db.session.get(Document, doc.id).version,
                              "then": "issue"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Document, doc.id).status == "issued"
    api = client.get(f"/api/v1/cases/{case.id}/documents").get_json()
    assert any(d["key"] == "correction_order" and d["number"] for d in api["items"])
    assert client.get(f"/cases/{case.id}/documents/{doc.id}/pdf").data[:5] == b"%PDF-"


def test_suspension_and_resumption_draft_the_notice_to_the_party(app, people, parties):
    from tests.integration.procedure_helpers import filed_case
    case = filed_case(people, parties[PHARMACY])
    case = run(case, [("request_suspension", date(2025, 2, 17)), ("approve_suspension", date(2025, 2, 18))], people)
    notice = documents.open_draft(case.id, "investigation_status_notice")
    assert notice.data["action"] == "suspend" and notice.data["suspension_ground"] == "pending_case"
    assert documents.effective(case.id, "suspension_approval").approval.opinion
    notice = documents.update_draft(notice.id, notice.version,
                                    {k: v for k, v in documents.catalogue().sample("investigation_status_notice")["fields"]
                                     .items() if k != "action"}, people["officer"])
    documents.issue(notice.id, notice.version, people["officer"])
    case = act(case, "resume_investigation", date(2025, 3, 3), people)
    resumed = documents.open_draft(case.id, "investigation_status_notice")
    assert resumed.id != notice.id and resumed.data["action"] == "resume"
    assert documents.effective(case.id, "resumption_approval") is not None
