"""`flask caseflow storage verify`: re-hash every stored object and check every reference to one.

REFERENCES lists what the database points at: each entry is a function (called in the app context)
yielding (sha256, label) for every non-null reference in one table, the label saying in Chinese what
the object is. A module with its own stored files adds its function, e.g. the evidence attachments:

    from caseflow.storage.cli import reference

    @reference
    def evidence_attachments(): ...

(or by adding it to the list below); it must be imported before the command runs.
"""
import sys
from collections.abc import Callable, Iterable, Iterator

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from caseflow.extensions import db

Reference = Callable[[], Iterable[tuple[str, str]]]


def document_pdfs() -> Iterator[tuple[str, str]]:
    """The stored PDF of every issued document (documents.pdf_sha256)."""
    from caseflow.documents.models import Document
    rows = db.session.execute(select(Document.id, Document.title, Document.number, Document.pdf_sha256)
                              .where(Document.pdf_sha256.is_not(None)).order_by(Document.id))
    for doc_id, title, number, sha in rows:
        yield sha, f"文书 {doc_id} {title}{' ' + number if number else ''} PDF"


def service_proofs() -> Iterator[tuple[str, str]]:
    """The photo or video proving a 留置送达 (document_services.proof_sha256)."""
    from caseflow.documents.models import Document, DocumentService
    rows = db.session.execute(
        select(DocumentService.id, DocumentService.proof_name, DocumentService.proof_sha256,
               Document.id, Document.title, Document.number)
        .join(Document, Document.id == DocumentService.document_id)
        .where(DocumentService.proof_sha256.is_not(None)).order_by(DocumentService.id))
    for service_id, name, sha, doc_id, title, number in rows:
        yield sha, (f"送达记录 {service_id} 送达凭证{' ' + name if name else ''}"
                    f"（文书 {doc_id} {title}{' ' + number if number else ''}）")


REFERENCES: list[Reference] = [document_pdfs, service_proofs]


def reference(fn: Reference) -> Reference:
    """Register another table's references with `storage verify` (usable as a decorator)."""
    if fn not in REFERENCES:
        REFERENCES.append(fn)
    return fn


def evidence_files() -> Iterator[tuple[str, str]]:
    from caseflow.evidence.queries import stored_references
    yield from stored_references()


reference(evidence_files)


def all_references() -> Iterator[tuple[str, str]]:
    for fn in REFERENCES:
        yield from fn()


@click.group("storage")
def storage_cli():
    """文件存储：完整性校验。"""


@storage_cli.command("verify")
@with_appcontext
def verify_command():
    """重新计算每个存储对象的 SHA-256，并核对数据库引用的每个文件均存在；发现损坏或缺失时以非零状态退出。"""
    from caseflow.storage import get_store, verify
    store = get_store()
    # references first, then the listing: a row is committed only after its object was stored, so an
    # upload finishing meanwhile can add an unreferenced object but never a false 缺失
    references = list(all_references())
    names = list(store.iter_objects())
    with click.progressbar(length=len(names), label="校验存储对象", file=sys.stderr) as bar:
        report = verify(store, references, progress=bar.update, stored=names)
    for problem in report.problems:
        detail = f"（{problem.detail}）" if problem.detail else ""
        click.echo(f"{problem.kind_label} {problem.sha256} {problem.label}{detail}")
    if report.ok:
        click.echo(f"存储完好：共校验 {report.checked} 个对象、{report.referenced} 处引用，未发现问题。")
        return
    click.echo(f"存储校验失败：共校验 {report.checked} 个对象、{report.referenced} 处引用；"
               f"损坏 {len(report.corrupted)} 个，缺失 {len(report.missing)} 个。")
    sys.exit(1)
