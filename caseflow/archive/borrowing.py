"""Borrowing (借阅) archived case files: a user asks for a limited time with a purpose, an archivist of the
case's organisation approves (for a number of days) or refuses, and access ends by itself at approved_until
or on early return (spec §3.13: "storage and access follow archive rules"; §8: access to case material,
which holds personal and medical data, is restricted and logged).

Scope of who may ask (a decision, ⚠ no national 医保 rule found): any active officer, legal reviewer, head
or archivist of an organisation in the same province (the same root of the organisation tree) as the case's
organisation — the case's own archivists excepted, who hold the file already. Users of another organisation
do not browse its archive: they name the case by its case number or archive number.

Each step is one transaction with its audit event. Expiry is noticed when access is checked (no scheduler):
an approved request past approved_until is written `expired` (audited) then; until then it already counts
as ended, because every check compares approved_until with the clock.
"""
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.archive.models import ArchiveRecord
from caseflow.audit import services as audit
from caseflow.auth.models import Organisation
from caseflow.auth.roles import ARCHIVIST, HEAD, LEGAL_REVIEWER, OFFICER
from caseflow.cases.models import Case
from caseflow.db import Base, unit_of_work
from caseflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caseflow.extensions import db
from caseflow.timeutil import local_now

STATUSES = {"pending": "待审批", "approved": "已批准", "rejected": "未批准", "returned": "已归还",
            "expired": "已到期"}
GRANTED = ("approved", "returned", "expired")
DEFAULT_MAX_DAYS = 30
HARD_MAX_DAYS = 365   # the database's ceiling; the configured maximum (ARCHIVE_BORROW_MAX_DAYS) lies below it
REQUESTER_ROLES = (OFFICER, LEGAL_REVIEWER, HEAD, ARCHIVIST)


def _in(column, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BorrowRequest(Base):
    """A request to borrow an archived case file, and the archivist's decision on it."""
    __tablename__ = "borrow_requests"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(f"requested_days >= 1 AND requested_days <= {HARD_MAX_DAYS}", name="requested_days"),
        CheckConstraint(f"approved_days IS NULL OR (approved_days >= 1 AND approved_days <= {HARD_MAX_DAYS})",
                        name="approved_days"),
        # decided exactly when no longer pending, and never by the requester
        CheckConstraint("(status = 'pending' AND decided_by_id IS NULL AND decided_at IS NULL) "
                        "OR (status <> 'pending' AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
                        name="decision"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requester_id", name="not_own"),
        # a grant (approved, later returned or expired) has its term; a pending or refused request none
        CheckConstraint(f"({_in('status', GRANTED)} AND approved_days IS NOT NULL AND approved_until IS NOT NULL "
                        "AND approved_until > decided_at) OR (status IN ('pending', 'rejected') "
                        "AND approved_days IS NULL AND approved_until IS NULL)", name="grant"),
        CheckConstraint("status <> 'rejected' OR decision_note IS NOT NULL", name="rejection_note"),
        CheckConstraint("(status = 'returned' AND returned_at IS NOT NULL) "
                        "OR (status <> 'returned' AND returned_at IS NULL)", name="returned"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    requested_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    approved_days: Mapped[int | None] = mapped_column(Integer)
    approved_until: Mapped[datetime | None] = mapped_column(DateTime)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)

    case = relationship("Case")
    requester = relationship("User", foreign_keys=[requester_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    def effective_status(self, now: datetime | None = None) -> str:
        """The status as a user should read it: an approval past its term has ended even before the next
        access check writes `expired`."""
        if self.status == "approved" and self.approved_until <= (now or local_now()):
            return "expired"
        return self.status

    def status_label(self, now: datetime | None = None) -> str:
        return STATUSES[self.effective_status(now)]


# ---------------------------------------------------------------- rules

def max_days() -> int:
    configured = current_app.config.get("ARCHIVE_BORROW_MAX_DAYS") if has_app_context() else None
    return min(int(configured or DEFAULT_MAX_DAYS), HARD_MAX_DAYS)


def province_of(organisation_id: int) -> int:
    """The root of the organisation tree above `organisation_id` (the provincial bureau)."""
    seen = set()
    current = db.session.get(Organisation, organisation_id)
    while current.parent_id is not None and current.id not in seen:
        seen.add(current.id)
        current = db.session.get(Organisation, current.parent_id)
    return current.id


def is_case_archivist(user, case) -> bool:
    return bool(user and user.is_active and user.has_role(ARCHIVIST)
                and user.organisation_id == case.organisation_id)


def may_request(user, case) -> bool:
    """See the module docstring for the scope."""
    if not user or not user.is_active or case.state != "archived" or is_case_archivist(user, case):
        return False
    return user.has_role(*REQUESTER_ROLES) and province_of(user.organisation_id) == province_of(case.organisation_id)


def active_grant(user_id: int, case_id: int, now: datetime | None = None) -> BorrowRequest | None:
    """The user's approved, unexpired grant on the case, if any (checked against the clock every time)."""
    return db.session.execute(
        select(BorrowRequest).where(BorrowRequest.case_id == case_id, BorrowRequest.requester_id == user_id,
                                    BorrowRequest.status == "approved",
                                    BorrowRequest.approved_until > (now or local_now()))
        .order_by(BorrowRequest.approved_until.desc()).limit(1)).scalar_one_or_none()


def _days(value, field: str) -> int:
    limit = max_days()
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("借阅天数须为整数", {field: "须为整数"})
    if not 1 <= days <= limit:
        message = f"借阅天数须在 1 至 {limit} 天之间"
        raise ValidationFailed(message, {field: message})
    return days


def _case_number(case) -> str:
    return case.case_number or f"案件 {case.id}"


# ---------------------------------------------------------------- writes

def find_archived_case(number: str):
    """An archived case by its case number or its archive number (for requesters of other organisations)."""
    number = (number or "").strip()
    if not number:
        raise ValidationFailed("请填写案号或档案号", {"number": "请填写案号或档案号"})
    by_archive_no = select(ArchiveRecord.case_id).where(ArchiveRecord.archive_no == number)
    case = db.session.execute(select(Case).where(or_(Case.case_number == number, Case.id.in_(by_archive_no)),
                                                 Case.state == "archived").limit(1)).scalar_one_or_none()
    if case is None:
        raise NotFound("未找到该案号或档案号对应的已归档案件", {"number": number})
    return case


@unit_of_work
def request_borrow(case_id: int, purpose: str, days, actor, now: datetime | None = None) -> BorrowRequest:
    from caseflow.workflow.engine import lock_case
    case = lock_case(case_id)
    if not may_request(actor, case):
        if case.state != "archived":
            raise Conflict("只有已归档的案件需要借阅；未归档案件按办案权限查看")
        if is_case_archivist(actor, case):
            raise Conflict("您是本案所属单位的档案管理员，无需借阅即可查阅")
        raise Forbidden("您不能申请借阅该案卷（限本省医疗保障部门的执法人员、法制审核人员、负责人和档案管理员）")
    purpose = (purpose or "").strip()
    errors = {}
    if not purpose:
        errors["purpose"] = "请填写借阅用途"
    elif len(purpose) > 1000:
        errors["purpose"] = "借阅用途不超过 1000 字"
    if errors:
        raise ValidationFailed("借阅申请不完整：" + "；".join(errors.values()), errors)
    days = _days(days, "days")
    now = now or local_now()
    open_request = db.session.execute(select(BorrowRequest).where(
        BorrowRequest.case_id == case.id, BorrowRequest.requester_id == actor.id,
        or_(BorrowRequest.status == "pending",
            (BorrowRequest.status == "approved") & (BorrowRequest.approved_until > now)))).scalars().first()
    if open_request is not None:
        raise Conflict("您对该案已有待审批或仍在期限内的借阅", {"borrow_request_id": open_request.id})
    borrow = BorrowRequest(case_id=case.id, requester_id=actor.id, purpose=purpose, requested_days=days,
                           status="pending", requested_at=now)
    db.session.add(borrow)
    db.session.flush()
    audit.record("BORROW_REQUESTED", f"{actor.name}申请借阅{_case_number(case)}卷宗 {days} 天",
                 actor=actor, case=case, after={"borrow_request_id": borrow.id, "days": days, "purpose": purpose})
    return borrow


def _locked_request(request_id: int) -> BorrowRequest:
    stmt = select(BorrowRequest).where(BorrowRequest.id == request_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    borrow = db.session.execute(stmt).scalar_one_or_none()
    if borrow is None:
        raise NotFound("借阅申请不存在")
    return borrow


def _require_decider(borrow: BorrowRequest, actor):
    if not is_case_archivist(actor, borrow.case):
        raise Forbidden("借阅申请由案件所属单位的档案管理员审批")
    if borrow.requester_id == actor.id:
        raise Forbidden("不能审批本人的借阅申请")
    if borrow.status != "pending":
        raise Conflict(f"该借阅申请{STATUSES[borrow.status]}，不能再审批", {"status": borrow.status})


@unit_of_work
def approve(request_id: int, days, note: str | None, actor, now: datetime | None = None) -> BorrowRequest:
    """Approve for `days` (by default the days asked for): access runs until now + days."""
    borrow = _locked_request(request_id)
    _require_decider(borrow, actor)
    days = _days(days if days not in (None, "") else borrow.requested_days, "days")
    now = now or local_now()
    borrow.status, borrow.decided_by_id, borrow.decided_at = "approved", actor.id, now
    borrow.approved_days, borrow.approved_until = days, now + timedelta(days=days)
    borrow.decision_note = (note or "").strip() or None
    audit.record("BORROW_APPROVED",
                 f"{actor.name}批准{borrow.requester.name}借阅{_case_number(borrow.case)}卷宗 {days} 天，"
                 f"至 {borrow.approved_until:%Y-%m-%d %H:%M}",
                 actor=actor, case=borrow.case, before={"status": "pending"},
                 after={"borrow_request_id": borrow.id, "status": "approved", "days": days,
                        "approved_until": borrow.approved_until}, reason=borrow.decision_note)
    return borrow


@unit_of_work
def reject(request_id: int, note: str, actor, now: datetime | None = None) -> BorrowRequest:
    borrow = _locked_request(request_id)
    _require_decider(borrow, actor)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写不予批准的理由", {"note": "请填写不予批准的理由"})
    borrow.status, borrow.decided_by_id, borrow.decided_at = "rejected", actor.id, now or local_now()
    borrow.decision_note = note
    audit.record("BORROW_REJECTED", f"{actor.name}不予批准{borrow.requester.name}借阅{_case_number(borrow.case)}卷宗",
                 actor=actor, case=borrow.case, before={"status": "pending"},
                 after={"borrow_request_id": borrow.id, "status": "rejected"}, reason=note)
    return borrow


@unit_of_work
def return_early(request_id: int, actor, now: datetime | None = None) -> BorrowRequest:
    """The borrower (or an archivist of the case's organisation) ends the grant before its term."""
    borrow = _locked_request(request_id)
    if actor.id != borrow.requester_id and not is_case_archivist(actor, borrow.case):
        raise Forbidden("只有借阅人或案件所属单位的档案管理员可以办理归还")
    now = now or local_now()
    if borrow.effective_status(now) != "approved":
        raise Conflict(f"该借阅{borrow.status_label(now)}，无需归还", {"status": borrow.effective_status(now)})
    borrow.status, borrow.returned_at = "returned", now
    audit.record("BORROW_RETURNED", f"{actor.name}办理{borrow.requester.name}借阅{_case_number(borrow.case)}卷宗的归还",
                 actor=actor, case=borrow.case, before={"status": "approved"},
                 after={"borrow_request_id": borrow.id, "status": "returned"})
    return borrow


@unit_of_work
def expire_overdue(*, case_id: int | None = None, requester_id: int | None = None,
                   now: datetime | None = None) -> int:
    """Write `expired` on approvals past their term (each audited); returns how many."""
    now = now or local_now()
    stmt = select(BorrowRequest).where(BorrowRequest.status == "approved", BorrowRequest.approved_until <= now)
    if case_id is not None:
        stmt = stmt.where(BorrowRequest.case_id == case_id)
    if requester_id is not None:
        stmt = stmt.where(BorrowRequest.requester_id == requester_id)
    overdue = list(db.session.execute(stmt).scalars())
    for borrow in overdue:
        borrow.status = "expired"
        audit.record("BORROW_EXPIRED",
                     f"{borrow.requester.name}借阅{_case_number(borrow.case)}卷宗已于 "
                     f"{borrow.approved_until:%Y-%m-%d %H:%M} 到期，查阅权限终止",
                     case=borrow.case, before={"status": "approved"},
                     after={"borrow_request_id": borrow.id, "status": "expired"})
    return len(overdue)


# ---------------------------------------------------------------- reads

def my_requests(user) -> list[BorrowRequest]:
    return list(db.session.execute(select(BorrowRequest).where(BorrowRequest.requester_id == user.id)
                                   .order_by(BorrowRequest.id.desc())).scalars())


def queue(archivist, status: str | None = "pending") -> list[BorrowRequest]:
    """Requests on the archivist's organisation's cases (pending ones by default)."""
    if not archivist.has_role(ARCHIVIST):
        return []
    stmt = (select(BorrowRequest).join(Case, Case.id == BorrowRequest.case_id)
            .where(Case.organisation_id == archivist.organisation_id))
    if status:
        stmt = stmt.where(BorrowRequest.status == status)
    return list(db.session.execute(stmt.order_by(BorrowRequest.id.desc()).limit(500)).scalars())


def case_requests(case_id: int) -> list[BorrowRequest]:
    return list(db.session.execute(select(BorrowRequest).where(BorrowRequest.case_id == case_id)
                                   .order_by(BorrowRequest.id.desc())).scalars())
