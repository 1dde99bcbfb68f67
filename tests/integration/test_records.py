"""Structured investigation records (issue 5, item 3): a 询问笔录 with its questions and answers and a 现场检查笔录
with its attachment index are written while open, and completing one issues its document (D10 / D11) from the
record and registers it as evidence with the same officers, in one transaction; refusals write nothing, a
completed record is immutable in the service and in the database, and the web pages and API work."""
import hashlib
import io
import subprocess
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text

from caseflow.cases import services as cases
from caseflow.documents import services as documents
from caseflow.documents.models import Document
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.evidence import services as evidence
from caseflow.evidence.models import Evidence
from caseflow.extensions import db
from caseflow.records import services as records
from caseflow.records.models import InvestigationRecord, RecordMedia, RecordOfficer
from tests.conftest import login
from tests.integration.procedure_helpers import filed_case, refuse_service
from tests.integration.test_api_support import Api, assert_error

PHARMACY = "福州仁和大药房有限公司"
ID_NUMBER = "350102197803152312"
QUESTION = "参保人员用医保卡购买日用品时，你药房是如何结算的？"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 600 + b"\xff\xd9"


def valid_id(prefix17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return prefix17 + "10X98765432"[sum(int(c) * w for c, w in zip(prefix17, weights)) % 11]


INTERVIEWEE_ID = valid_id("35010219780315231")


@pytest.fixture
def case(people, parties):
    """A case filed 2025-02-12 (under investigation), handled by officer and officer2."""
    return filed_case(people, parties[PHARMACY])


def inquiry(people, **changes) -> dict:
    data = {"kind": "inquiry", "place": "福州市医疗保障局三楼询问室", "started_at": "2025-02-13T14:30",
            "ended_at": "2025-02-13T16:10", "officers": [people["officer"].id, people["officer2"].id],
            "recorder_id": people["officer2"].id, "credentials_shown": True,
            "interviewee": {"name": "陈建国", "sex": "男", "id_number": INTERVIEWEE_ID,
                            "employer": "福州仁和大药房有限公司　法定代表人", "phone": "13800138000",
                            "address": "福州市鼓楼区凤山路 12 号", "relationship": "当事人的法定代表人",
                            "speaks_for_party": True},
            "notice_answer": "听清楚了，不申请回避。",
            "qa": [{"q": QUESTION, "a": "按商品金额录成目录内药品刷卡结算。"},
                   {"q": "这样操作是谁安排的？", "a": "是我安排店长这样做的。"}],
            "pages": [{"signed": True}, {"signed": True}]}
    data.update(changes)
    return data


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def pdftext(data: bytes, tmp_path) -> str:
    path = tmp_path / f"{hashlib.sha256(data).hexdigest()[:8]}.pdf"
    path.write_bytes(data)
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
                   .stdout.split())


# ---- completing an inquiry

def test_a_completed_inquiry_issues_its_record_and_registers_the_statement(app, people, case, tmp_path):
    app.config["RENDER_ON_ISSUE"] = True
    officer = people["officer"]
    record = records.open_record(case.id, inquiry(people, qa=[]), officer)
    assert record.status == "open" and record.seq == 1 and "有权申请回避" in record.notice_text
    for q, a in ((QUESTION, "按商品金额录成目录内药品刷卡结算。"), ("这样操作是谁安排的？", "店长安排的。"),
                 ("涉及金额多少？", "三万八千元左右。")):
        record = records.change_qa(record.id, record.version, "add", None, {"q": q, "a": a}, officer)
    record = records.change_qa(record.id, record.version, "edit", 1, {"q": "这样操作是谁安排的？", "a": "是我安排的。"},
                               officer)
    record = records.change_qa(record.id, record.version, "up", 2, None, officer)
    record = records.change_qa(record.id, record.version, "delete", 0, None, officer)
    assert [r["q"] for r in record.qa] == ["涉及金额多少？", "这样操作是谁安排的？"]
    record = records.change_qa(record.id, record.version, "add", None, {"q": QUESTION, "a": "录成药品结算。"}, officer)

    done = records.complete(record.id, record.version, officer)
    record = done.record
    assert record.status == "completed" and done.notices  # no audio-video recording linked: said so
    doc, item = record.document, record.evidence
    assert doc.key == "inquiry_record" and doc.status == "issued" and doc.issued_at == datetime(2025, 2, 13, 16, 10)
    snapshot = doc.snapshot["f"]
    assert [r["q"] for r in snapshot["qa"]] == ["涉及金额多少？", "这样操作是谁安排的？", QUESTION]
    assert snapshot["interviewee_name"] == "陈建国" and snapshot["interviewee_id_number"] == INTERVIEWEE_ID
    assert snapshot["start_time"] == "14时30分" and snapshot["recorder"] == people["officer2"].name
    assert [o["name"] for o in snapshot["present_officers"]] == [people["officer"].name, people["officer2"].name]
    assert item.evidence_type == "party_statement" and item.obtained_by == "questioning"
    assert item.collected_at == datetime(2025, 2, 13, 14, 30) and item.collected_place == record.place
    assert [c.user_id for c in item.collectors] == [people["officer"].id, people["officer2"].id]
    body = pdftext(documents.pdf_bytes(doc), tmp_path)
    assert "询问笔录" in body and QUESTION in body and "陈建国" in body
    assert "有权申请回避" in body and "如实回答询问" in body


def test_a_witness_statement_is_testimony(app, people, case):
    data = inquiry(people)
    data["interviewee"] = {**data["interviewee"], "relationship": "参保人员", "speaks_for_party": False}
    record = records.open_record(case.id, data, people["officer"])
    record = records.complete(record.id, record.version, people["officer"]).record
    assert record.evidence.evidence_type == "testimony" and record.evidence.type_label == "证人证言"


# ---- refusals write nothing

def test_completion_is_refused_per_field_and_writes_nothing(app, people, case):
    officer = people["officer"]
    data = inquiry(people, place="", qa=[{"q": QUESTION, "a": ""}], pages=[{"signed": True}, {"signed": False}],
                   credentials_shown=False)
    data["interviewee"] = {**data["interviewee"], "phone": ""}
    record = records.open_record(case.id, data, officer)
    before = (count(Document), count(Evidence), record.version)
    error = refuse_service(lambda: records.complete(record.id, record.version, officer), case.id, ValidationFailed,
                           "尚不能完成")
    assert set(error.details) == {"place", "credentials_shown", "interviewee.phone", "qa", "pages"}
    assert "第 1 问" in error.details["qa"] and "第 2 页" in error.details["pages"]
    assert (count(Document), count(Evidence), db.session.get(InvestigationRecord, record.id).version) == before
    # fewer than two officers, or a recorder who was not there
    record = records.update_record(record.id, {"version": record.version, "officers": [officer.id],
                                               "recorder_id": people["officer3"].id}, officer)
    error = refuse_service(lambda: records.complete(record.id, record.version, officer), case.id, ValidationFailed)
    assert "至少两名" in error.details["officers"] and "记录人" in error.details["recorder_id"]
    # an invalid ID number is refused as soon as it is entered
    with pytest.raises(ValidationFailed) as info:
        records.update_record(record.id, {"version": record.version, "interviewee": {"id_number": "350102197803152313"}},
                              officer)
    assert "interviewee.id_number" in info.value.details


def test_a_recusal_request_blocks_completion_until_decided(app, people, case):
    officer = people["officer"]
    record = records.open_record(case.id, inquiry(people, recusal_requested=True,
                                                  notice_answer="听清楚了，申请执法人员回避。"), officer)
    error = refuse_service(lambda: records.complete(record.id, record.version, officer), case.id, ValidationFailed)
    assert "回避" in error.details["recusal_requested"]
    recusal = cases.file_recusal(people["head"], case.id, officer_id=people["officer2"].id, kind="request",
                                 reason="被询问人称其与执法人员有亲属关系", applicant="陈建国")
    error = refuse_service(lambda: records.complete(record.id, record.version, officer), case.id, ValidationFailed)
    assert "尚未决定" in error.details["recusal_requested"]
    cases.decide_recusal(people["head"], recusal.id, granted=False, opinion="不存在应当回避的情形")
    record = records.complete(record.id, record.version, officer).record
    assert record.recusal_requested and "申请执法人员回避" in record.document.snapshot["f"]["recusal_answer"]


# ---- immutability and supplementary records

def test_a_completed_record_is_immutable_and_corrected_by_a_supplement(app, people, case):
    officer = people["officer"]
    record = records.open_record(case.id, inquiry(people), officer)
    record = records.complete(record.id, record.version, officer).record
    for call in (lambda: records.update_record(record.id, {"version": record.version, "place": "别处"}, officer),
                 lambda: records.change_qa(record.id, record.version, "delete", 0, None, officer),
                 lambda: records.complete(record.id, record.version, officer)):
        refuse_service(call, case.id, Conflict, "已完成")
    # nor is the signed document corrected behind the record's back
    refuse_service(lambda: documents.correct(record.document_id, "改写回答", officer), case.id, Conflict, "补充笔录")
    for statement in ("UPDATE investigation_records SET place = '别处' WHERE id = :id",
                      "DELETE FROM investigation_records WHERE id = :id",
                      "DELETE FROM record_officers WHERE record_id = :id",
                      f"INSERT INTO record_officers (record_id, user_id) VALUES (:id, {people['officer3'].id})"):
        with pytest.raises(Exception, match="immutable"):
            db.session.execute(text(statement), {"id": record.id})
        db.session.rollback()
    assert db.session.get(InvestigationRecord, record.id).place == "福州市医疗保障局三楼询问室"
    extra = records.open_record(case.id, {"kind": "inquiry", "supplements_id": record.id,
                                          "started_at": "2025-02-14T09:00", "ended_at": "2025-02-14T09:30",
                                          "recorder_id": people["officer2"].id, "credentials_shown": True,
                                          "notice_answer": "听清楚了，不申请回避。", "pages": [{"signed": True}],
                                          "qa": [{"q": "你昨天所说的金额是否需要更正？", "a": "应为三万六千元。"}]}, officer)
    assert extra.seq == 2 and extra.kind_label == "补充询问笔录"
    assert extra.interviewee["name"] == "陈建国" and [o.user_id for o in extra.officers] == [
        people["officer"].id, people["officer2"].id]
    extra = records.complete(extra.id, extra.version, officer).record
    assert "补充" in extra.document.snapshot["f"]["corrections"] and "补充证据" in extra.evidence.description


# ---- inspection with its attachment index

def test_an_inspection_record_indexes_the_case_photos(app, people, case):
    officer = people["officer"]
    photos = evidence.register_evidence(case.id, {
        "evidence_type": "audiovisual", "title": "现场照片", "obtained_by": "onsite_inspection", "source": "现场拍摄",
        "collected_at": "2025-02-13T09:40", "collected_place": "福州仁和大药房有限公司营业场所",
        "collected_by": [officer.id, people["officer2"].id]}, officer)
    photo = evidence.add_attachment(photos.id, io.BytesIO(JPEG), "货架.jpg", officer).attachment
    data = {"kind": "inspection", "place": "福州仁和大药房有限公司营业场所", "started_at": "2025-02-13T09:30",
            "ended_at": "2025-02-13T11:40", "recorder_id": people["officer2"].id, "credentials_shown": True,
            "present": {"name": "李秀梅", "position": "店长", "phone": "13900139000"},
            "notice_answer": "听清楚了，不申请回避。", "scope": "营业场所货架、收银系统、医保结算记录。",
            "findings": "货架上摆放大米、食用油等日用品，收银台有手写登记本一本。",
            "media": [{"attachment_id": photo.id, "purpose": "index", "content": "货架上的日用品",
                       "taken": "2025-02-13 09:40 林志远"}],
            "pages": [{"signed": True}]}
    with pytest.raises(ValidationFailed) as info:  # a photo is not an audio-video recording
        records.open_record(case.id, {**data, "media": [{**data["media"][0], "purpose": "recording"}]}, officer)
    assert "media.0.attachment_id" in info.value.details
    record = records.open_record(case.id, data, officer)
    record = records.complete(record.id, record.version, officer).record
    rows = record.document.snapshot["f"]["media"]
    assert rows[0]["content"] == "货架上的日用品" and photo.sha256[:12] in rows[0]["ref"] and "证据1" in rows[0]["ref"]
    assert record.document.key == "inspection_record" and record.evidence.evidence_type == "inspection_record"
    assert record.document.snapshot["f"]["present_name"] == "李秀梅"
    assert count(RecordMedia) == 1 and count(RecordOfficer) == 2


# ---- who may make records

def test_only_the_case_team_makes_records_and_only_under_investigation(app, people, case, parties):
    for username, error in (("officer3", Forbidden), ("reviewer", Forbidden), ("gl_officer", NotFound)):
        refuse_service(lambda: records.open_record(case.id, inquiry(people), people[username]), case.id, error)
    record = records.open_record(case.id, inquiry(people), people["officer"])
    refuse_service(lambda: records.complete(record.id, record.version, people["gl_officer"]), case.id, NotFound)
    with pytest.raises(NotFound):
        records.get_record(people["gl_officer"], record.id)
    clue = cases.register_clue(people["officer"], source="complaint", received_on=date(2025, 2, 10),
                               summary="举报。", party_id=parties[PHARMACY].id, on=date(2025, 2, 10))
    refuse_service(lambda: records.open_record(clue.id, inquiry(people), people["officer"]), clue.id, Conflict,
                   "调查取证阶段")


# ---- web and API

def test_web_form_round_trip(app, people, case, client):
    login(client, "officer")
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and "制作询问笔录" in page.get_data(as_text=True)
    form = {"kind": "inquiry", "place": "福州市医疗保障局询问室", "started_at": "2025-02-13T14:30",
            "ended_at": "2025-02-13T15:30", "officers": [str(people["officer"].id), str(people["officer2"].id)],
            "recorder_id": str(people["officer2"].id), "credentials_shown": "true", "interviewee.name": "陈建国",
            "interviewee.sex": "男", "interviewee.id_number": INTERVIEWEE_ID, "interviewee.employer": "福州仁和大药房",
            "interviewee.phone": "13800138000", "interviewee.address": "福州市鼓楼区",
            "interviewee.relationship": "当事人的法定代表人", "interviewee.speaks_for_party": "true",
            "notice_answer": "听清楚了，不申请回避。", "page_count": "2", "refused_pages": ""}
    bad = client.post(f"/cases/{case.id}/records", data={**form, "interviewee.id_number": "12345"})
    assert bad.status_code == 422 and "居民身份证号应为 18 位" in bad.get_data(as_text=True)
    created = client.post(f"/cases/{case.id}/records", data=form)
    assert created.status_code == 303
    url = created.headers["Location"]
    version = records.case_records(case.id)[0].version
    added = client.post(f"{url}/qa", data={"op": "add", "version": version, "q": QUESTION, "a": "刷卡结算。"})
    assert added.status_code == 303
    stale = client.post(f"{url}/qa", data={"op": "add", "version": version, "q": "又一问", "a": "又一答"})
    assert stale.status_code == 409
    refused = client.post(f"{url}/complete", data={"version": version + 1})
    assert refused.status_code == 422 and "请勾选确认" in refused.get_data(as_text=True)
    preview = client.get(f"{url}/preview")
    assert preview.status_code == 200 and QUESTION in preview.get_data(as_text=True)
    done = client.post(f"{url}/complete", data={"version": version + 1, "confirm": "true"})
    assert done.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "已完成" in page and "制作补充笔录" in page and QUESTION in page
    listing = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "350102********" in listing and INTERVIEWEE_ID not in listing  # masked in the list


def test_api(app, people, case, client):
    api = Api(client, people)
    body = api.ok(api.post("officer", f"/cases/{case.id}/records", inquiry(people)), 201)
    rid = body["id"]
    assert body["status"] == "open" and body["qa"][0]["q"] == QUESTION
    assert body["interviewee"]["id_number"] == INTERVIEWEE_ID
    assert_error(api.post("officer", f"/cases/{case.id}/records", inquiry(people, kind="diary")), 422,
                 "validation_failed")
    assert_error(api.post("gl_officer", f"/cases/{case.id}/records", inquiry(people)), 404)
    assert_error(api.post("officer3", f"/cases/{case.id}/records", inquiry(people)), 403)
    def patch(payload):
        return client.patch(f"/api/v1/records/{rid}", json=payload, headers=api.headers("officer"))

    body = api.ok(patch({"version": body["version"], "ended_at": "2025-02-13T14:00"}))
    refused = assert_error(api.post("officer", f"/records/{rid}/complete", {"version": body["version"]}), 422)
    assert "ended_at" in refused["details"]
    assert_error(patch({"version": 1, "place": "x"}), 409, "conflict")
    body = api.ok(patch({"version": body["version"], "ended_at": "2025-02-13T16:00"}))
    done = api.ok(api.post("officer", f"/records/{rid}/complete", {"version": body["version"]}))
    assert done["status"] == "completed" and done["document_id"] and done["evidence_id"]
    listed = api.ok(api.get("officer", f"/cases/{case.id}/records"))
    assert listed["items"][0]["person"]["id_number"] == "350102********" + INTERVIEWEE_ID[-4:]
    assert_error(api.post("officer", f"/records/{rid}/complete", {"version": done["version"]}), 409)
