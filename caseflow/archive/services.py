"""Writes on the archive: the archive record made by the archive_case transition (archive number, retention by
outcome, frozen manifest), the combined case file (assembled once), legal holds and disposal.

Retention (spec §3.13): 国家档案局令第8号 (2006), as cited in S30 ◐, keeps records permanently or for a fixed
term, normally 30 years; important penalty files are permanent. Which cases are "important" is the local
practice of S30 ⚠: ordinary-procedure cases that ended in a penalty decision are permanent; simplified-procedure
cases, no-penalty outcomes and transfers 30 years. The archivist may choose the longer period, never a shorter one.
"""
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from caseflow.audit import services as audit
from caseflow.auth.roles import ARCHIVIST, HEAD
from caseflow.cases.models import Case
from caseflow.cases.numbering import next_number
from caseflow.db import unit_of_work
from caseflow.archive.models import RETENTION_RANK, RETENTIONS, ArchiveDisposal, ArchiveHold, ArchiveRecord
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.extensions import db
from caseflow.timeutil import local_now, today

# The archive number (档号) pattern. No national 医保 standard prescribes one (⚠): each organisation sets its
# own in 单位设置 → 文书设置 under `archive_no_pattern`; fields: prefix (the organisation's document prefix),
# year (the archiving year), retention (Y permanent / D30 thirty years), seq (gap-free per organisation and year).
DEFAULT_ARCHIVE_NO_PATTERN = "{prefix}医保档-{year}-{retention}-{seq:04d}"
RETENTION_CODES = {"permanent": "Y", "30y": "D30"}
FIXED_TERM_YEARS = 30
NUMBER_SERIES = "archive"
BASIS_PERMANENT = ("一般程序作出行政处罚决定的案件，作为重要档案永久保管（国家档案局令第8号；"
                   "按一般程序办理的案件列为重要档案系 S30 所载地方做法 ⚠）")
BASIS_FIXED = ("{what}，作为一般档案定期保管30年（国家档案局令第8号；按 S30 所载地方做法 ⚠），"
               "自结案次年1月1日起算")
BASIS_CHOSEN = "；立卷人选择较长的保管期限：{note}"


# ---------------------------------------------------------------- retention and numbering

def outcome_retention(case) -> tuple[str, str]:
    """The minimum retention of a case by its outcome and the rule it rests on (spec §3.13)."""
    if case.workflow == "simplified_procedure":
        return "30y", BASIS_FIXED.format(what="简易程序案件")
    from caseflow.documents.services import effective
    if effective(case.id, "penalty_decision") is not None:
        return "permanent", BASIS_PERMANENT
    kind = (case.facts or {}).get("decision_kind")
    what = {"no_penalty": "作出不予行政处罚决定的案件", "not_established": "违法事实不能成立的案件",
            "transfer_police": "移送司法机关的案件", "transfer_authority": "移送其他机关的案件"}.get(
        kind, "未作出行政处罚决定的案件（终止调查、撤销立案等）")
    return "30y", BASIS_FIXED.format(what=what)


def retention_refusal(case, chosen: str | None) -> str | None:
    """Why the archivist's chosen retention is refused (shorter than the outcome requires), else None."""
    if not chosen:
        return None
    if chosen not in RETENTIONS:
        return "保管期限只能选择永久或30年"
    minimum, _ = outcome_retention(case)
    if RETENTION_RANK[chosen] < RETENTION_RANK[minimum]:
        return (f"本案应至少{RETENTIONS[minimum]}保管（{outcome_retention(case)[1]}），"
                f"不能选择较短的保管期限「{RETENTIONS[chosen]}」")
    return None


def retention_until(retention: str, closed_on: date) -> date | None:
    """The day a fixed-term file may be appraised for disposal: 30 years counted from 1 January of the year
    after closing (archival practice ⚠: the term runs from the year after the file was formed)."""
    if retention == "permanent":
        return None
    return date(closed_on.year + 1 + FIXED_TERM_YEARS, 1, 1)


def archive_number(case, retention: str, year: int) -> tuple[str, int]:
    """The next archive number of the case's organisation for `year` (gap-free: the counter row is taken in
    the archiving transaction, as case numbers are) in the organisation's configured pattern."""
    org = case.organisation
    seq = next_number(org.id, NUMBER_SERIES, year)
    pattern = (org.document_settings or {}).get("archive_no_pattern") or DEFAULT_ARCHIVE_NO_PATTERN
    return pattern.format(prefix=org.doc_prefix, year=year, retention=RETENTION_CODES[retention], seq=seq), seq


def create_record(case, actor, chosen_retention: str | None, note: str | None, at, manifest: dict) -> ArchiveRecord:
    """The archive record, inside the archive_case transition's transaction."""
    refusal = retention_refusal(case, chosen_retention)
    if refusal:
        raise ValidationFailed(refusal, {"retention": refusal})
    minimum, basis = outcome_retention(case)
    retention = chosen_retention or minimum
    if retention != minimum:
        basis += BASIS_CHOSEN.format(note=(note or "").strip() or "未说明")
    number, seq = archive_number(case, retention, at.year)
    record = ArchiveRecord(case_id=case.id, organisation_id=case.organisation_id, archive_no=number,
                           archive_year=at.year, archive_seq=seq, retention=retention, retention_basis=basis,
                           retention_until=retention_until(retention, case.closed_on), manifest=manifest,
                           archived_at=at, archived_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    return record


# ---------------------------------------------------------------- reads

def archive_record(case_id: int) -> ArchiveRecord | None:
    return db.session.execute(select(ArchiveRecord).where(ArchiveRecord.case_id == case_id)).scalar_one_or_none()


def archived_case_numbers(organisation_id: int | None = None) -> list[str]:
    """The case numbers of every archived case (of one organisation when given), oldest archive first."""
    stmt = select(Case.case_number).join(ArchiveRecord, ArchiveRecord.case_id == Case.id)
    if organisation_id is not None:
        stmt = stmt.where(ArchiveRecord.organisation_id == organisation_id)
    return list(db.session.execute(stmt.order_by(ArchiveRecord.archived_at, ArchiveRecord.id)).scalars())


def record_by_case_number(case_number: str) -> ArchiveRecord:
    """The archive record of a case number; NotFound (in Chinese) for an unknown or not archived case."""
    case = db.session.execute(select(Case).where(Case.case_number == (case_number or "").strip())).scalar_one_or_none()
    if case is None:
        raise NotFound(f"案件 {case_number} 不存在")
    record = archive_record(case.id)
    if record is None:
        raise Conflict(f"案件 {case_number} 尚未归档（当前状态：{_state_label(case)}）")
    return record


def _state_label(case) -> str:
    defn = current_app.extensions["caseflow_workflows"][case.workflow]
    return defn.state_label(case.state)


# ---------------------------------------------------------------- the case file

def case_file_pdf(record: ArchiveRecord, progress=None) -> bytes:
    """The combined PDF of the case file, assembled (once) on first use when rendering was deferred."""
    from caseflow.archive.assembly import assemble
    from caseflow.storage import get_store
    if record.case_file_sha256 is None:
        assemble(record.id, progress=progress)
        db.session.refresh(record)
    return get_store().get_bytes(record.case_file_sha256)


def export_bag(record: ArchiveRecord, outdir, party_copy: bool = False, progress=None) -> Path:
    from caseflow.archive.bagging import write_bag
    return write_bag(record, Path(outdir), party_copy=party_copy, progress=progress)


def verify_case_file(record: ArchiveRecord) -> bool:
    """Re-hash the stored case file against the record (False when it differs or is missing)."""
    from caseflow.storage import get_store, hash_object
    if record.case_file_sha256 is None:
        return True
    store, sha = get_store(), record.case_file_sha256
    return store.exists(sha) and hash_object(store, sha) == sha


# ---------------------------------------------------------------- holds and disposal

def _record_for_write(case_id: int, actor) -> ArchiveRecord:
    from caseflow.workflow.engine import lock_case
    case = lock_case(case_id)
    record = archive_record(case.id)
    if record is None:
        raise NotFound("该案件尚未归档")
    if actor is None or not actor.is_active or actor.organisation_id != record.organisation_id \
            or not actor.has_role(ARCHIVIST, HEAD):
        raise Forbidden("法律保全和档案销毁由本单位档案管理人员或负责人办理")
    return record


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(f"请说明{what}的理由", {"reason": f"请说明{what}的理由"})
    return text


@unit_of_work
def place_hold(case_id: int, reason: str, actor) -> ArchiveHold:
    """Place a legal hold (诉讼、复议、审计、调查等需要保全): the file may not be disposed of while it holds."""
    record = _record_for_write(case_id, actor)
    text = _reason(reason, "设置法律保全")
    if record.on_hold:
        raise Conflict("该档案已处于法律保全状态")
    if record.disposal is not None:
        raise Conflict("该档案已销毁，不能设置法律保全")
    hold = ArchiveHold(record_id=record.id, event="placed", reason=text, actor_id=actor.id, at=local_now())
    db.session.add(hold)
    db.session.flush()
    db.session.refresh(record)
    audit.record("ARCHIVE_HOLD_PLACED", f"{actor.name}对档案 {record.archive_no} 设置法律保全", actor=actor,
                 case=record.case, after={"archive_no": record.archive_no, "hold_id": hold.id}, reason=text)
    return hold


@unit_of_work
def lift_hold(case_id: int, reason: str, actor) -> ArchiveHold:
    record = _record_for_write(case_id, actor)
    text = _reason(reason, "解除法律保全")
    if not record.on_hold:
        raise Conflict("该档案未处于法律保全状态")
    hold = ArchiveHold(record_id=record.id, event="lifted", reason=text, actor_id=actor.id, at=local_now())
    db.session.add(hold)
    db.session.flush()
    db.session.refresh(record)
    audit.record("ARCHIVE_HOLD_LIFTED", f"{actor.name}解除档案 {record.archive_no} 的法律保全", actor=actor,
                 case=record.case, after={"archive_no": record.archive_no, "hold_id": hold.id}, reason=text)
    return hold


@unit_of_work
def dispose(case_id: int, reason: str, actor, on: date | None = None) -> ArchiveDisposal:
    """Record the disposal (销毁) of a fixed-term file whose retention has run out. Refused for permanent files,
    before the retention ends, and while a legal hold is in force. The archive record stays (销毁清册)."""
    record = _record_for_write(case_id, actor)
    text = _reason(reason, "销毁")
    day = on or today()
    if record.disposal is not None:
        raise Conflict("该档案已销毁")
    if record.retention == "permanent":
        raise Conflict(f"档案 {record.archive_no} 为永久保管，不得销毁")
    if record.on_hold:
        raise Conflict(f"档案 {record.archive_no} 处于法律保全状态（{record.holds[-1].reason}），不得销毁")
    if day < record.retention_until:
        raise Conflict(f"档案 {record.archive_no} 保管期限至 {record.retention_until.isoformat()} 届满，届满前不得销毁")
    disposal = ArchiveDisposal(record_id=record.id, reason=text, disposed_by_id=actor.id, disposed_at=local_now())
    db.session.add(disposal)
    db.session.flush()
    audit.record("ARCHIVE_DISPOSED", f"{actor.name}销毁档案 {record.archive_no}", actor=actor, case=record.case,
                 after={"archive_no": record.archive_no}, reason=text)
    return disposal


# ---------------------------------------------------------------- patient-level evidence in the file (spec §8)

def sees_patient_level(user, case) -> bool:
    """Patient-level evidence in an archived file: the organisation's archivists (who keep the file) and those
    who could see it while the case was handled (caseflow.evidence.services.can_see_patient_level)."""
    from caseflow.evidence.services import can_see_patient_level
    return (user.has_role(ARCHIVIST) and user.organisation_id == case.organisation_id) \
        or can_see_patient_level(user, case)


def _patient_level(item: dict) -> bool:
    return item.get("kind") == "evidence" and bool(item.get("patient_level"))


def require_whole_file(user, case, record: ArchiveRecord) -> None:
    """The combined case file and the full package carry patient-level evidence as it is: a borrower who may
    not see it is refused them (the party's copy, without it, stays open to them)."""
    if sees_patient_level(user, case):
        return
    if any(_patient_level(item) for volume in record.manifest.get("volumes", []) for item in volume["items"]):
        raise Forbidden("本卷宗含涉及参保人员个人信息的证据，完整卷宗和档案包仅限本单位档案管理员及原办案人员、"
                        "负责人、法制审核人员查阅；借阅人员可导出不含这些证据的阅卷副本")


def visible_manifest(user, case, manifest: dict) -> dict:
    """The manifest as `user` may read it: patient-level items keep their place and number, nothing else."""
    if sees_patient_level(user, case):
        return manifest
    withheld = {"title": "（涉及参保人员个人信息的证据，不予显示）", "attachments": [], "source": "", "proves": ""}
    return {**manifest, "volumes": [
        {**volume, "items": [{**item, **withheld} if _patient_level(item) else item for item in volume["items"]]}
        for volume in manifest.get("volumes", [])]}
