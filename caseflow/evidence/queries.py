"""Reads on evidence: a case's items as a user may see them, one item, one attachment, opening a stored
file (access to patient-level evidence is audited), and the references `storage verify` checks."""
from collections.abc import Iterator

from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.db import unit_of_work
from caseflow.evidence import services as evidence_services
from caseflow.evidence.models import Evidence, EvidenceAttachment
from caseflow.extensions import db
from caseflow.storage import get_store


def case_evidence(case_id: int) -> list[Evidence]:
    return list(db.session.execute(select(Evidence).where(Evidence.case_id == case_id)
                                   .order_by(Evidence.seq)).scalars())


def visible_evidence(user, case) -> tuple[list[Evidence], int]:
    """The items `user` may see, and how many patient-level items are withheld from them."""
    items = case_evidence(case.id)
    shown = [e for e in items if evidence_services.can_read(user, e)]
    return shown, len(items) - len(shown)


def get_evidence(user, evidence_id: int) -> Evidence | None:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or not evidence_services.can_read(user, evidence):
        return None
    return evidence


def get_attachment(user, evidence_id: int, attachment_id: int) -> EvidenceAttachment | None:
    evidence = get_evidence(user, evidence_id)
    attachment = db.session.get(EvidenceAttachment, attachment_id)
    if evidence is None or attachment is None or attachment.evidence_id != evidence.id:
        return None
    return attachment


def duplicates(attachments: list[EvidenceAttachment], case_id: int) -> dict[int, list[Evidence]]:
    """For each attachment, the other items of the case holding the same content."""
    if not attachments:
        return {}
    shas = {a.sha256 for a in attachments}
    rows = db.session.execute(
        select(EvidenceAttachment.sha256, Evidence).join(Evidence, Evidence.id == EvidenceAttachment.evidence_id)
        .where(Evidence.case_id == case_id, EvidenceAttachment.sha256.in_(shas)).order_by(Evidence.seq)).all()
    result = {}
    for a in attachments:
        result[a.id] = [ev for sha, ev in rows if sha == a.sha256 and ev.id != a.evidence_id]
    return result


def open_attachment(user, attachment: EvidenceAttachment):
    """The stored file as a binary file object (streamed to the client, never read whole). Opening a
    patient-level item's file is audited (spec §8: an audit trail of access)."""
    if attachment.evidence.patient_level:
        _log_access(user, attachment)
    return get_store().open(attachment.sha256)


@unit_of_work
def _log_access(user, attachment: EvidenceAttachment) -> None:
    evidence = attachment.evidence
    audit.record("PATIENT_EVIDENCE_VIEWED",
                 f"{user.name}下载{evidence_services.logged_name(evidence)}的附件",
                 actor=user, case=evidence.case,
                 after={"evidence_id": evidence.id, "attachment_id": attachment.id, "sha256": attachment.sha256})


def stored_references() -> Iterator[tuple[str, str]]:
    """(sha256, label) of every evidence file, for `flask caseflow storage verify`
    (register with caseflow.storage.cli.reference)."""
    rows = db.session.execute(
        select(EvidenceAttachment.id, EvidenceAttachment.sha256, Evidence.seq, Evidence.case_id)
        .join(Evidence, Evidence.id == EvidenceAttachment.evidence_id).order_by(EvidenceAttachment.id))
    for att_id, sha, seq, case_id in rows:  # numbers only: a title or file name may name a patient
        yield sha, f"证据附件 {att_id}（案件 {case_id} 证据{seq}）"
