"""Reads on documents: a case's documents as a user may see them, one document, and the access log of
confidential documents."""
from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.db import unit_of_work
from caseflow.documents import services as documents
from caseflow.documents.models import Document
from caseflow.extensions import db


def visible_documents(user, case) -> list[Document]:
    """The case's documents minus the confidential ones the user may not see (the report record holds
    the reporter's identity: spec §8)."""
    return [d for d in documents.case_documents(case.id) if documents.can_read(user, d)]


def get_document(user, doc_id: int) -> Document | None:
    doc = db.session.get(Document, doc_id)
    if doc is None or not documents.can_read(user, doc):
        return None
    return doc


@unit_of_work
def log_access(user, doc: Document, what: str) -> None:
    """Opening a confidential document (the reporter's identity) is audited, like viewing the reporter."""
    if documents.catalogue()[doc.key].confidential:
        audit.record("CONFIDENTIAL_DOCUMENT_VIEWED", f"{user.name}查阅保密文书「{doc.title}」（{what}）",
                     actor=user, case=doc.case, after={"document_id": doc.id, "what": what})


def rows_for_case(user, case) -> list[dict]:
    """The documents panel: each document with what the user may do with it."""
    docs = visible_documents(user, case)
    gone = documents.superseded_ids(docs)
    rows = []
    for d in docs:
        doc_type = documents.catalogue()[d.key]
        rows.append({"doc": d, "type": doc_type, "superseded": d.id in gone})
    return rows


def onsite_forms(organisation_id: int, status: str | None = None):
    from caseflow.documents.models import OnsiteForm
    stmt = select(OnsiteForm).where(OnsiteForm.organisation_id == organisation_id)
    if status:
        stmt = stmt.where(OnsiteForm.status == status)
    return list(db.session.execute(stmt.order_by(OnsiteForm.number)).scalars())
