"""`flask caseflow storage verify` on a real case: the PDFs of its issued documents and a 留置送达 proof
are stored and referenced; intact storage passes (exit 0), one flipped byte is reported 损坏 and a
deleted object 缺失, with what references it (exit 1)."""
import pytest

from caseflow.documents import services as documents
from caseflow.storage import get_store
from caseflow.storage.cli import storage_cli
from tests.integration.procedure_helpers import decided_case

PHARMACY = "福州仁和大药房有限公司"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"photo of the notice left at the door" * 50


def run_verify(app):
    return app.test_cli_runner().invoke(storage_cli, ["verify"])


@pytest.fixture
def stored(app, people, parties):
    """A decided case with two rendered PDFs (decision, prior notice) and a served correction order
    whose 留置送达 proof photo is stored."""
    case = decided_case(people, parties[PHARMACY])
    decision = documents.effective(case.id, "penalty_decision")
    notice = documents.effective(case.id, "prior_notice")
    documents.pdf_bytes(decision)
    documents.pdf_bytes(notice)
    officer = people["officer"]
    order = documents.new_draft(case.id, "correction_order", officer)
    sample = documents.catalogue().sample("correction_order")["fields"]
    order = documents.update_draft(order.id, order.version, sample, officer)
    order = documents.issue(order.id, order.version, officer)
    service = {"method": "left_behind", "served_on": order.issued_at.date().isoformat(), "recipient": "陈建国"}
    documents.serve(order.id, order.version, service, officer, proof=("门口照片.jpg", PHOTO))
    order = documents.effective(case.id, "correction_order")
    return {"decision": decision, "notice": notice, "order": order, "proof": order.service}


def test_intact_storage_passes(app, stored):
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "存储完好：共校验 3 个对象、3 处引用，未发现问题。" in result.stdout
    assert "校验存储对象" in result.stderr  # the progress bar goes to stderr


def test_a_flipped_byte_is_reported_corrupted(app, stored):
    decision = stored["decision"]
    path = get_store().path(decision.pdf_sha256)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))
    result = run_verify(app)
    assert result.exit_code == 1, result.output
    line = f"损坏 {decision.pdf_sha256} 文书 {decision.id} 行政处罚决定书 榕医保罚〔2025〕1号 PDF"
    assert line in result.stdout
    assert "缺失" not in result.stdout.replace("缺失 0 个", "")
    assert "损坏 1 个，缺失 0 个" in result.stdout


def test_deleted_objects_are_reported_missing_with_what_references_them(app, stored):
    notice, proof = stored["notice"], stored["proof"]
    get_store().path(notice.pdf_sha256).unlink()
    get_store().path(proof.proof_sha256).unlink()
    result = run_verify(app)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert f"缺失 {notice.pdf_sha256} 文书 {notice.id} 行政处罚事先告知书 {notice.number} PDF" in lines
    order = stored["order"]
    assert (f"缺失 {proof.proof_sha256} 送达记录 {proof.id} 送达凭证 门口照片.jpg"
            f"（文书 {order.id} {order.title} {order.number}）") in lines
    assert "共校验 1 个对象、3 处引用；损坏 0 个，缺失 2 个。" in result.stdout


def test_an_unreferenced_damaged_object_still_fails(app, stored):
    name = get_store().put_bytes(b"an attachment nobody references yet")
    get_store().path(name).write_bytes(b"an attachment nobody references yet!")
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"损坏 {name} （未被引用）" in result.stdout
