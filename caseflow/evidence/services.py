"""Writes on evidence: registering an item, attaching a file (streamed to storage), recording a custody
event. Each public function is one transaction with its audit event; nothing is written on an archived
case. Who may see patient-level evidence is decided here too (spec §8)."""
import tempfile
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from caseflow.audit import services as audit
from caseflow.auth.roles import HEAD, LEGAL_REVIEWER, OFFICER
from caseflow.cases.access import can_act_on, can_view, is_assigned
from caseflow.db import unit_of_work
from caseflow.deadlines import services as deadlines
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.evidence import sniffing
from caseflow.evidence.models import (CUSTODY_KINDS, NEEDS_COUNTERPARTY, OBTAINED_BY, CustodyEvent, Evidence,
                                      EvidenceAttachment, EvidenceCollector)
from caseflow.evidence.schemas import CustodyInSchema, EvidenceInSchema
from caseflow.extensions import db
from caseflow.schemas import load_or_raise
from caseflow.search import indexing as search_index
from caseflow.storage import CHUNK, TooLarge, UploadRefused, get_store
from caseflow.timeutil import local_now

DEFAULT_MAX_UPLOAD = 200 * 1024 * 1024
LOCKED_STATES = ("archived",)
PRESERVATION_DEADLINE = "T4"  # 行政处罚法 第五十六条: handling decision within seven working days


@dataclass
class Attached:
    attachment: EvidenceAttachment
    notices: list[str] = field(default_factory=list)


@dataclass
class Recorded:
    event: CustodyEvent
    notices: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- permissions

def can_see_patient_level(user, case) -> bool:
    """Patient-level evidence (sensitive personal information, spec §8): the officers assigned to the case,
    and the heads and legal reviewers of the handling organisation."""
    if not user or not user.is_active or case.organisation_id != user.organisation_id:
        return False
    return user.has_role(HEAD, LEGAL_REVIEWER) or is_assigned(user, case)


def can_read(user, evidence: Evidence) -> bool:
    return can_view(user, evidence.case) and (not evidence.patient_level
                                              or can_see_patient_level(user, evidence.case))


def can_write(user, case) -> bool:
    """Registering evidence, adding files, recording custody: the organisation's heads and the officers
    assigned to the case (before filing: the officer who registered the clue). Never on an archived case."""
    if case.state in LOCKED_STATES or not can_act_on(user, case):
        return False
    if user.has_role(HEAD):
        return True
    return user.has_role(OFFICER) and (is_assigned(user, case)
                                       or (not case.officers and case.created_by_id == user.id))


def _require_writable(actor, case):
    if case.state in LOCKED_STATES:
        raise Conflict("案件已归档，不得再登记证据、上传附件或记录证据保管情况")
    if not can_write(actor, case):
        raise Forbidden("您不能办理本案的证据（限本单位负责人和本案承办人员）")


def _lock_case(case_id: int, actor):
    from caseflow.workflow.engine import lock_case
    case = lock_case(case_id)
    if not can_view(actor, case):
        raise NotFound("案件不存在或您无权查看")
    return case


def logged_name(evidence: Evidence) -> str:
    """How the audit trail names an item. The trail is shown to everyone who may see the case, so a
    patient-level item is named by its number only: its title, file names and custody details (which may
    name a patient) stay in the item itself, where access is restricted."""
    if evidence.patient_level:
        return f"证据{evidence.seq}（涉及患者个人信息）"
    return f"证据{evidence.seq}「{evidence.title}」"


def _evidence(evidence_id: int, actor) -> Evidence:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or not can_read(actor, evidence):
        raise NotFound("证据不存在或您无权查看")
    return evidence


# ---------------------------------------------------------------- registering

def _collectors(case, user_ids: list[int], on) -> list:
    """At least two distinct active officers of the case's organisation, each with an enforcement
    credential valid on the day of collection and not recused (行政处罚法 第四十二条、第五十五条) — the
    same rule as the workflow's proposed_officers_qualified guard, which is reused here."""
    from caseflow.auth.models import User
    from caseflow.workflow.guards import proposed_officers_qualified
    ids = list(dict.fromkeys(user_ids))
    problems = proposed_officers_qualified(SimpleNamespace(case=case, data={"officers": ids}, today=on))
    if problems:
        problems = [problems] if isinstance(problems, str) else problems
        message = "；".join(problems).replace("承办执法人员", "收集证据的执法人员")
        raise ValidationFailed(f"收集人员不符合要求：{message}", {"collected_by": message})
    return [db.session.get(User, uid) for uid in ids]


def _clean_violations(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item.strip() for item in items if item and item.strip()))


@unit_of_work
def register_evidence(case_id: int, data: dict, actor) -> Evidence:
    """Register an item of evidence on the case; its custody log starts with the collection."""
    clean = load_or_raise(EvidenceInSchema(), data or {}, what="证据登记信息")
    case = _lock_case(case_id, actor)
    _require_writable(actor, case)
    collected_at = clean["collected_at"]
    if collected_at > local_now():
        raise ValidationFailed("收集时间不能晚于现在", {"collected_at": "收集时间不能晚于现在"})
    users = _collectors(case, clean["collected_by"], collected_at.date())
    seq = (db.session.execute(select(func.max(Evidence.seq)).where(Evidence.case_id == case.id)).scalar() or 0) + 1
    evidence = Evidence(
        case_id=case.id, seq=seq, evidence_type=clean["evidence_type"], title=clean["title"].strip(),
        description=(clean.get("description") or "").strip() or None, obtained_by=clean["obtained_by"],
        source=clean["source"].strip(), collected_at=collected_at, collected_place=clean["collected_place"].strip(),
        violations=_clean_violations(clean.get("violations") or []), patient_level=bool(clean.get("patient_level")),
        created_by_id=actor.id)
    db.session.add(evidence)
    db.session.flush()
    for user in users:
        db.session.add(EvidenceCollector(evidence_id=evidence.id, user_id=user.id, credential_no=user.credential_no))
    names = "、".join(u.name for u in users)
    db.session.add(CustodyEvent(evidence_id=evidence.id, kind="collected", occurred_at=collected_at,
                                place=evidence.collected_place, counterparty=evidence.source,
                                reason=f"{OBTAINED_BY[evidence.obtained_by]}，由{names}收集", recorded_by_id=actor.id))
    db.session.flush()
    search_index.refresh_evidence(evidence)
    audit.record("EVIDENCE_REGISTERED", f"{actor.name}登记{logged_name(evidence)}（{evidence.type_label}）",
                 actor=actor, case=case,
                 after={"evidence_id": evidence.id, "seq": seq, "type": evidence.evidence_type,
                        "title": None if evidence.patient_level else evidence.title,
                        "obtained_by": evidence.obtained_by, "collected_at": collected_at.isoformat(),
                        "collected_by": [u.id for u in users], "patient_level": evidence.patient_level})
    return evidence


# ---------------------------------------------------------------- attachments

def max_upload() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_UPLOAD", DEFAULT_MAX_UPLOAD))


def _refused(message: str, field_name: str = "file"):
    return ValidationFailed(message, {field_name: message})


def _spool(fileobj: BinaryIO, max_bytes: int):
    """A seekable copy of a stream that cannot seek, written in chunks to an anonymous temporary file
    (outside storage; gone when closed, even after a crash), refused once it passes `max_bytes`."""
    spool = tempfile.TemporaryFile()
    try:
        total = 0
        while True:
            block = fileobj.read(CHUNK)
            if not block:
                break
            total += len(block)
            if total > max_bytes:
                raise TooLarge(max_bytes)
            spool.write(block)
        spool.seek(0)
        return spool
    except BaseException:
        spool.close()
        raise


def _seekable(fileobj: BinaryIO) -> bool:
    try:
        return bool(fileobj.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def add_attachment(evidence_id: int, fileobj: BinaryIO, filename: str | None, actor) -> Attached:
    """Attach an uploaded file: the name is sanitised, the content sniffed from the start and the end of
    the stream, and only an accepted file is streamed into storage (never held whole in memory); then the
    row and its audit event are written in one transaction. Every refusal leaves nothing stored and no row."""
    evidence = _evidence(evidence_id, actor)
    _require_writable(actor, evidence.case)
    try:
        name = sniffing.clean_name(filename)
    except sniffing.Refused as exc:
        raise _refused(exc.message, "filename")
    if not db.session.info.get("uow_depth"):
        db.session.rollback()  # only reads so far: hold no database transaction (or lock) while the file streams
    limit = max_upload()
    spooled = None
    try:
        if _seekable(fileobj):
            fh = fileobj
        else:
            fh = spooled = _spool(fileobj, limit)
        fh.seek(0, 2)
        if fh.tell() > limit:
            raise TooLarge(limit)
        file_type = sniffing.sniff(fh)
        sha, size = get_store().put_stream(fh, limit)
    except sniffing.Refused as exc:
        raise _refused(exc.message)
    except UploadRefused as exc:
        raise _refused(str(exc))
    finally:
        if spooled is not None:
            spooled.close()
    # The object is stored now. Should the transaction below fail (the case archived meanwhile, the same
    # file already on the item, a crash), no row refers to it: objects are write-once and content-addressed,
    # so an unreferenced object is harmless (the same bytes, should they be uploaded again) and is never
    # deleted here, since another row may refer to the same content.
    return _record_attachment(evidence_id, sha, size, name, file_type, actor)


@unit_of_work
def _record_attachment(evidence_id: int, sha: str, size: int, name: str, file_type, actor) -> Attached:
    evidence = _evidence(evidence_id, actor)
    case = _lock_case(evidence.case_id, actor)
    _require_writable(actor, case)
    same = next((a for a in evidence.attachments if a.sha256 == sha), None)
    if same is not None:
        raise Conflict(f"本证据已有内容相同的附件「{same.original_name}」（SHA-256 一致），未重复添加",
                       {"attachment_id": same.id, "sha256": sha})
    attachment = EvidenceAttachment(evidence_id=evidence.id, sha256=sha, size=size, original_name=name,
                                    detected_type=file_type.code, uploaded_by_id=actor.id)
    db.session.add(attachment)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("本证据已有内容相同的附件，未重复添加", {"sha256": sha})
    shown = "" if evidence.patient_level else f"「{name}」"
    audit.record("EVIDENCE_ATTACHED", f"{actor.name}为{logged_name(evidence)}上传附件{shown}"
                 f"（{file_type.label}，{size} 字节）", actor=actor, case=case,
                 after={"evidence_id": evidence.id, "attachment_id": attachment.id, "sha256": sha, "size": size,
                        "name": None if evidence.patient_level else name, "detected_type": file_type.code})
    return Attached(attachment, duplicate_notices(case.id, sha, evidence.id))


def duplicate_notices(case_id: int, sha: str, evidence_id: int) -> list[str]:
    """The same content already attached to another item of the case (found by hash)."""
    rows = db.session.execute(
        select(EvidenceAttachment, Evidence).join(Evidence, Evidence.id == EvidenceAttachment.evidence_id)
        .where(Evidence.case_id == case_id, EvidenceAttachment.sha256 == sha, Evidence.id != evidence_id)
        .order_by(Evidence.seq)).all()
    return [f"该文件与本案证据{ev.seq}「{ev.title}」的附件「{att.original_name}」内容完全相同（SHA-256 一致），请核实是否重复提交"
            for att, ev in rows]


# ---------------------------------------------------------------- custody

@unit_of_work
def record_custody(evidence_id: int, data: dict, actor) -> Recorded:
    """Append one event to the item's custody log. A 先行登记保存 opens (or joins) the case's T4 deadline:
    the handling decision within seven working days (行政处罚法 第五十六条)."""
    clean = load_or_raise(CustodyInSchema(), data or {}, what="证据保管记录")
    evidence = _evidence(evidence_id, actor)
    case = _lock_case(evidence.case_id, actor)
    _require_writable(actor, case)
    kind, occurred_at = clean["kind"], clean["occurred_at"]
    counterparty = (clean.get("counterparty") or "").strip() or None
    problems = {}
    if occurred_at > local_now():
        problems["occurred_at"] = "时间不能晚于现在"
    elif occurred_at < evidence.collected_at:
        problems["occurred_at"] = f"时间不能早于证据收集时间 {evidence.collected_at:%Y-%m-%d %H:%M}"
    if kind in NEEDS_COUNTERPARTY and not counterparty:
        problems["counterparty"] = f"{CUSTODY_KINDS[kind]}须写明对象（交给谁）"
    if problems:
        raise ValidationFailed("；".join(problems.values()), problems)
    notices, deadline = [], None
    if kind == "preserved":
        deadline, notices = _preservation_deadline(case, occurred_at.date())
    event = CustodyEvent(evidence_id=evidence.id, kind=kind, occurred_at=occurred_at,
                         place=(clean.get("place") or "").strip() or None, counterparty=counterparty,
                         reason=clean["reason"].strip(), deadline_id=deadline.id if deadline else None,
                         recorded_by_id=actor.id)
    db.session.add(event)
    db.session.flush()
    private = evidence.patient_level
    summary = f"{actor.name}记录{logged_name(evidence)}{CUSTODY_KINDS[kind]}"
    if counterparty and not private:
        summary += f"（{counterparty}）"
    audit.record("CUSTODY_RECORDED", summary, actor=actor, case=case, reason=None if private else event.reason,
                 after={"evidence_id": evidence.id, "event_id": event.id, "kind": kind,
                        "occurred_at": occurred_at.isoformat(), "counterparty": None if private else counterparty,
                        "decision_due_on": deadline.due_on.isoformat() if deadline else None})
    return Recorded(event, notices)


def _preservation_deadline(case, day):
    """The T4 deadline of a preservation taken on `day`: the one the approval (批准证据先行登记保存) opened
    for that day, else a new one from the rules' time limit."""
    notices = []
    current = deadlines.current(case, PRESERVATION_DEADLINE)
    if current is not None and current.status in ("open", "overdue") and current.start_on == day:
        deadline = current
    else:
        deadline = deadlines.schedule(case, PRESERVATION_DEADLINE, day)
    approved = any(a.kind == "preservation" for a in case.approvals)
    if not approved:
        notices.append("本案尚无证据先行登记保存审批记录：先行登记保存须事先经负责人批准，情况紧急的应在二十四小时内补办"
                       "（《行政处罚法》第五十六条），请通过案件操作「批准证据先行登记保存」办理")
    notices.insert(0, f"应在 {deadline.due_on.isoformat()} 前作出先行登记保存处理决定（七个工作日，《行政处罚法》第五十六条）")
    return deadline, notices
