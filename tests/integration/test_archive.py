"""The archive (issue 5): archiving a closed case makes its archive record (number, retention by outcome, frozen
manifest) and D50 documents; the case file is one merged PDF with bookmarks; the BagIt package validates and
fails after tampering, never holds the reporter's identity and masks ID numbers; the archived case is immutable
in the services and in the database; a legal hold blocks disposal; the CLI lists and exports."""
import hashlib
import io
import json
import subprocess
from datetime import date

import bagit
import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from caseflow.archive import services as archive
from caseflow.archive.models import ArchiveRecord
from caseflow.cases.models import Case
from caseflow.demo import add_demo_evidence
from caseflow.documents import services as documents
from caseflow.errors import Conflict, TransitionRefused, ValidationFailed
from caseflow.evidence import services as evidence
from caseflow.extensions import db
from tests.integration.procedure_helpers import act, filed_case, open_clue, run

REPORTER = "欧阳知情"
INSURED_ID = "11010519491231002X"
WITHDRAWN = [("request_withdrawal", date(2025, 2, 20)), ("approve_withdrawal", date(2025, 2, 21)),
             ("propose_closing", date(2025, 2, 24), {"ground": "terminated"}), ("approve_closing", date(2025, 2, 25))]


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def simplified_closed(people, parties) -> Case:
    from caseflow.cases import services as cases
    case = cases.register_onsite_case(people["officer"], party_id=parties["福州仁和大药房有限公司"].id,
                                      summary="现场检查发现未按规定公示医保标识。")
    return run(case, [("decide_on_spot", date(2025, 3, 3)), ("hand_over_decision", date(2025, 3, 3)),
                      ("record_with_agency", date(2025, 3, 4)), ("record_payment", date(2025, 3, 10))], people)


def withdrawn_closed(people, party, reporter=None) -> Case:
    """A short general-procedure case (filed, withdrawn, closed) with a reporter and demo evidence."""
    case = open_clue(people, party, date(2025, 2, 10), reporter=reporter)
    case = act(case, "propose_filing", date(2025, 2, 11), people)
    case = act(case, "approve_filing", date(2025, 2, 12), people)
    add_demo_evidence(case.id, people, date(2025, 2, 13))
    return run(db.session.get(Case, case.id), WITHDRAWN, people)


def test_archiving_computes_number_and_retention_by_outcome(app, people, parties):
    penalty_case = filed_case(people, parties["福州仁和大药房有限公司"])
    from caseflow.demo import GENERAL_PENALTY_PATH
    from caseflow.demo import drive
    closed = drive(penalty_case, GENERAL_PENALTY_PATH[2:-1], date(2025, 2, 12), people)
    with pytest.raises(ValidationFailed) as refused:
        act(closed.case, "archive_case", closed.today, people, retention="30y")
    assert "本案应至少永久保管" in refused.value.message and "不能选择较短的保管期限「30年」" in refused.value.message

    archived = act(closed.case, "archive_case", closed.today, people)
    assert archived.state == "archived"
    record = archive.archive_record(archived.id)
    year = closed.today.year
    assert record.archive_no == f"榕医保档-{year}-Y-0001" and record.retention == "permanent"
    assert record.retention_until is None and "永久保管" in record.retention_basis and "⚠" in record.retention_basis
    assert record.case_file_sha256 is None and record.pages is None  # rendering deferred: assembled on first use
    main, sub = record.manifest["volumes"]
    keys = [i.get("key") for i in main["items"]]
    assert keys[:3] == ["file_cover", "file_catalogue", "penalty_decision"] and keys[-2:] == ["closing_approval",
                                                                                           "reference_sheet"]
    assert keys[3] == "service_receipt" and "evidence_catalogue" in keys
    assert [i.get("key") for i in sub["items"]][:3] == ["file_cover", "file_catalogue", "clue_register"]
    assert archive.archived_case_numbers() == [archived.case_number]

    simple = act(simplified_closed(people, parties), "archive_case", date(2025, 3, 20), people)
    record = archive.archive_record(simple.id)
    assert record.archive_no == "榕医保档-2025-D30-0002" and record.retention == "30y"
    assert record.retention_until == date(2056, 1, 1) and "简易程序案件" in record.retention_basis
    assert [v["kind"] for v in record.manifest["volumes"]] == ["main"]


def test_archivist_may_choose_the_longer_retention(app, people, parties):
    case = act(simplified_closed(people, parties), "archive_case", date(2025, 3, 20), people,
               retention="permanent", retention_note="社会影响较大的典型案件")
    record = archive.archive_record(case.id)
    assert record.retention == "permanent" and record.retention_until is None
    assert "社会影响较大的典型案件" in record.retention_basis and record.archive_no.endswith("-Y-0001")
    with pytest.raises(Conflict, match="永久保管，不得销毁"):
        archive.dispose(case.id, "保管期满", people["archivist"], on=date(2100, 1, 1))


def test_case_file_and_bags(app, people, parties, tmp_path):
    """Archived with rendering on: D50 documents with page ranges, one merged PDF with bookmarks, and bags."""
    from caseflow.parties.models import Party
    insured = db.session.query(Party).filter_by(id_number=INSURED_ID).one()
    case = withdrawn_closed(people, insured, reporter={"name": REPORTER, "phone": "13900000000", "real_name": True})
    report = documents.new_draft(case.id, "report_record", people["officer"])
    sample = documents.catalogue().sample("report_record").get("fields", {})
    report = documents.update_draft(report.id, report.version, sample, people["officer"])
    documents.issue(report.id, report.version, people["officer"])
    assert REPORTER in pdf_text(documents.pdf_bytes(report))  # the confidential record names the reporter
    app.config["RENDER_ON_ISSUE"] = True
    case = act(db.session.get(Case, case.id), "archive_case", date(2025, 3, 3), people)
    record = archive.archive_record(case.id)
    assert record.case_file_sha256 is not None  # assembled in the archiving transaction

    data = archive.case_file_pdf(record)
    assert hashlib.sha256(data).hexdigest() == record.case_file_sha256 and len(data) == record.case_file_size
    reader = PdfReader(io.BytesIO(data))
    items = [i for v in record.manifest["volumes"] for i in v["items"]]
    parts = sum(len(PdfReader(io.BytesIO(documents.pdf_bytes(db.session.get(documents.Document, i["id"])))).pages)
                for i in items if i["kind"] == "document") + 2  # + the ledger scan and the site photo
    assert len(reader.pages) == record.pages == parts
    outline = reader.outline
    assert [o.title for o in outline if not isinstance(o, list)] == ["正卷", "副卷"]
    titles = [o.title for group in outline if isinstance(group, list) for o in group]
    assert "卷宗封面" in titles and "证据目录" in titles and "证据1：药品进销存台账（2025年1月）" in titles
    assert "举报笔录" not in titles and "证据3（涉及患者个人信息）" not in titles  # a CSV is kept apart, not merged
    whole = pdf_text(data)
    assert "行政处罚案卷" in whole and "卷内目录" in whole and "备考表" in whole
    assert record.archive_no in "".join(whole.split())  # the cover prints the archive number (wrapped)
    catalogue = next(i for i in record.manifest["volumes"][0]["items"] if i.get("key") == "file_catalogue")
    catalogue_text = pdf_text(documents.pdf_bytes(db.session.get(documents.Document, catalogue["id"])))
    ledger = next(i for i in items if i["kind"] == "evidence" and i["seq"] == 1)
    assert ledger["pages"] and ledger["pages"].replace("-", "") in catalogue_text.replace("-", "").replace(" ", "")
    settlement = next(i for i in items if i["kind"] == "evidence" and i["seq"] == 3)
    evidence_doc = next(i for i in items if i.get("key") == "evidence_catalogue")
    listed = pdf_text(documents.pdf_bytes(db.session.get(documents.Document, evidence_doc["id"]))).replace(" ", "")
    assert settlement["attachments"][0]["sha256"][:16] in listed  # kept apart: listed with its SHA-256

    bag_path = archive.export_bag(record, tmp_path / "out")
    bag = bagit.Bag(str(bag_path))
    bag.validate()
    assert bag.info["External-Identifier"] == record.archive_no and bag.info["Case-Number"] == case.case_number
    assert "sha256" in bag.algorithms and (bag_path / "tagmanifest-sha256.txt").exists()
    files = [p for p in (bag_path / "data").rglob("*") if p.is_file()]
    assert {"case-file.pdf", "metadata.json"} <= {p.name for p in files}
    assert sorted(p.name for p in files if p.parent.name == "evidence") == [
        "001-01-进销存台账.pdf", "002-01-现场照片.png", "003-01-附件1.csv"]
    meta = json.loads((bag_path / "data" / "metadata.json").read_text())
    assert meta["party"]["id_number"] == "110105********002X" and meta["archive_no"] == record.archive_no
    assert_private(bag_path)

    party_path = archive.export_bag(record, tmp_path / "out", party_copy=True)
    bagit.Bag(str(party_path)).validate()
    names = sorted(p.name for p in (party_path / "data").rglob("*") if p.is_file())
    assert "case-file.pdf" not in names and "003-01-附件1.csv" not in names and "001-01-进销存台账.pdf" in names
    assert not any("审批表" in n for n in names)  # internal documents stay out of the party's copy
    assert_private(party_path)

    target = bag_path / "data" / "evidence" / "002-01-现场照片.png"
    content = bytearray(target.read_bytes())
    content[100] ^= 0x01
    target.write_bytes(bytes(content))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(bag_path)).validate()


def assert_private(bag_path):
    """Neither the reporter's name nor the full ID number appears in any file of the bag (PDFs as text)."""
    for path in bag_path.rglob("*"):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        content = pdf_text(raw) if raw.startswith(b"%PDF") else raw.decode("utf-8", "replace")
        assert REPORTER not in content, path
        if path.name in ("metadata.json", "bag-info.txt"):
            assert INSURED_ID not in content, path


def test_lazy_assembly_and_cli(app, people, parties, tmp_path):
    case = act(simplified_closed(people, parties), "archive_case", date(2025, 3, 20), people)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["caseflow", "archive", "list"])
    assert listed.exit_code == 0 and listed.stdout.splitlines() == [case.case_number]
    result = runner.invoke(args=["caseflow", "archive", "export", case.case_number, str(tmp_path)])
    assert result.exit_code == 0, result.output
    bag_path = result.stdout.strip()
    bagit.Bag(bag_path).validate()
    record = db.session.get(ArchiveRecord, archive.archive_record(case.id).id)
    db.session.refresh(record)
    assert record.pages >= 4 and record.case_file_sha256  # assembled on first export, set once
    verified = runner.invoke(args=["caseflow", "archive", "verify", case.case_number])
    assert verified.exit_code == 0 and "完好" in verified.stdout
    unknown = runner.invoke(args=["caseflow", "archive", "export", "榕医保立〔2099〕1号", str(tmp_path)])
    assert unknown.exit_code == 1 and "不存在" in unknown.stderr


def test_archived_case_is_immutable_in_services_and_database(app, people, parties):
    case = act(simplified_closed(people, parties), "archive_case", date(2025, 3, 20), people)
    officer = people["officer"]
    with pytest.raises(Conflict, match="案件已归档"):
        evidence.register_evidence(case.id, {"evidence_type": "documentary", "title": "补充材料",
                                             "obtained_by": "retrieval", "source": "当事人",
                                             "collected_at": "2025-03-21T10:00", "collected_place": "本局",
                                             "collected_by": [officer.id, people["officer2"].id]}, officer)
    with pytest.raises(Conflict, match="案件已归档"):
        documents.new_draft(case.id, "inquiry_record", people["head"])
    with pytest.raises(TransitionRefused, match="已归档"):
        act(case, "archive_case", date(2025, 3, 21), people)
    record = archive.archive_record(case.id)
    doc_id = record.manifest["volumes"][0]["items"][2]["id"]
    statements = [
        "UPDATE cases SET title = '改写' WHERE id = :case",
        "DELETE FROM cases WHERE id = :case",
        "UPDATE documents SET title = '改写' WHERE id = :doc",
        "DELETE FROM documents WHERE id = :doc",
        "INSERT INTO evidence_items (case_id, seq, evidence_type, title, obtained_by, source, collected_at, "
        "collected_place, violations, patient_level, created_by_id, created_at) VALUES (:case, 9, 'documentary', "
        "'补充', 'retrieval', '当事人', '2025-03-21 10:00:00', '本局', '[]', false, :user, '2025-03-21 10:00:00')",
        "UPDATE archive_records SET retention = 'permanent', retention_until = NULL WHERE case_id = :case",
        "DELETE FROM archive_records WHERE case_id = :case",
    ]
    for sql in statements:
        with pytest.raises(DBAPIError) as refused:
            with db.session.begin_nested():
                db.session.execute(text(sql), {"case": case.id, "doc": doc_id, "user": officer.id})
        assert "archived" in str(refused.value) or "immutable" in str(refused.value), sql
    db.session.rollback()
    assert db.session.get(Case, case.id).title != "改写"


def test_legal_hold_blocks_disposal(app, people, parties):
    case = act(simplified_closed(people, parties), "archive_case", date(2025, 3, 20), people)
    archivist = people["archivist"]
    with pytest.raises(Conflict, match="2056-01-01 届满，届满前不得销毁"):
        archive.dispose(case.id, "保管期满", archivist, on=date(2030, 1, 1))
    archive.place_hold(case.id, "当事人提起行政诉讼，案卷须保全", archivist)
    assert archive.archive_record(case.id).on_hold
    with pytest.raises(Conflict, match="处于法律保全状态"):
        archive.dispose(case.id, "保管期满", archivist, on=date(2056, 1, 2))
    with pytest.raises(ValidationFailed, match="请说明解除法律保全的理由"):
        archive.lift_hold(case.id, " ", archivist)
    archive.lift_hold(case.id, "诉讼终结", archivist)
    disposal = archive.dispose(case.id, "保管期满，经鉴定无继续保存价值", archivist, on=date(2056, 1, 2))
    assert disposal.record.archive_no.endswith("-D30-0001")
    events = [h.event for h in archive.archive_record(case.id).holds]
    assert events == ["placed", "lifted"]
    with pytest.raises(DBAPIError):
        with db.session.begin_nested():
            db.session.execute(text("DELETE FROM archive_holds"))
    db.session.rollback()
