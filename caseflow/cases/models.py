"""Cases, their officers, recusals, approvals and the gap-free number counters."""
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.db import Base
from caseflow.timeutil import local_now


class Case(Base):
    """One enforcement case from clue to archive, driven by a workflow definition.

    `version` is the optimistic lock: every transition sends back the version the user saw.
    """
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("(case_number IS NULL) = (case_seq IS NULL)", name="number_seq"),
        CheckConstraint("case_number IS NULL OR filed_on IS NOT NULL OR number_series = 'simplified'", name="number_filed"),
        CheckConstraint("state <> 'archived' OR closed_on IS NOT NULL", name="archived_closed"),
        CheckConstraint("workflow IN ('general_procedure', 'simplified_procedure')", name="workflow"),
        UniqueConstraint("organisation_id", "case_year", "number_series", "case_seq", name="number_series_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    workflow: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    case_number: Mapped[str | None] = mapped_column(String(80), unique=True)
    number_series: Mapped[str | None] = mapped_column(String(20))
    case_year: Mapped[int | None] = mapped_column(Integer)
    case_seq: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    cause: Mapped[str] = mapped_column(String(100))
    clue_id: Mapped[int | None] = mapped_column(ForeignKey("clues.id"), unique=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    filed_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=local_now, onupdate=local_now)
    # Workflow variables set by transitions (proposed decision, flags such as legal_review_required,
    # dates of service); a plain mapping that effects read and write.
    facts: Mapped[dict] = mapped_column(JSON, default=dict)

    # optimistic lock: UPDATE … WHERE version = <loaded>; the services set the new value, one per act
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    organisation = relationship("Organisation")
    party = relationship("Party")
    clue = relationship("Clue")
    officers: Mapped[list["CaseOfficer"]] = relationship(back_populates="case", order_by="CaseOfficer.id")
    approvals: Mapped[list["Approval"]] = relationship(order_by="Approval.id")
    recusals: Mapped[list["Recusal"]] = relationship(order_by="Recusal.id")

    def active_officers(self):
        return [o for o in self.officers if o.active]


class CaseOfficer(Base):
    """An officer assigned to handle a case (at least two: 行政处罚法 Art. 42; Order 735 Art. 29)."""
    __tablename__ = "case_officers"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="case_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_on: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    removed_reason: Mapped[str | None] = mapped_column(String(200))

    case = relationship("Case", back_populates="officers")
    user = relationship("User")


RECUSAL_KINDS = {"declaration": "自行回避", "request": "当事人申请回避", "order": "指令回避"}
RECUSAL_STATUSES = {"pending": "待决定", "granted": "准予回避", "rejected": "驳回"}


class Recusal(Base):
    """A recusal (回避) declaration or request, decided by a head (行政处罚法 Art. 43).

    The investigation continues while it is pending; a granted recusal removes the officer."""
    __tablename__ = "recusals"
    __table_args__ = (
        CheckConstraint("kind IN ('declaration', 'request', 'order')", name="kind"),
        CheckConstraint("status IN ('pending', 'granted', 'rejected')", name="status"),
        CheckConstraint("(status = 'pending') = (decided_by_id IS NULL)", name="decided"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    applicant: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_opinion: Mapped[str | None] = mapped_column(Text)

    officer = relationship("User", foreign_keys=[officer_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def kind_label(self):
        return RECUSAL_KINDS[self.kind]

    @property
    def status_label(self):
        return RECUSAL_STATUSES[self.status]


APPROVAL_DECISIONS = {"agree": "同意", "disagree": "不同意", "return": "退回"}


class Approval(Base):
    """One approval, legal-review opinion, recusal decision or collective-discussion sign-off, made by a
    logged-in user holding the required role; `form` is the approval form (审批表) left on the case."""
    __tablename__ = "approvals"
    __table_args__ = (CheckConstraint("decision IN ('agree', 'disagree', 'return')", name="decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    form_title: Mapped[str] = mapped_column(String(60))
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(10))
    opinion: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    form: Mapped[dict] = mapped_column(JSON, default=dict)

    approver = relationship("User")

    @property
    def decision_label(self):
        return APPROVAL_DECISIONS[self.decision]


class NumberCounter(Base):
    """The last number issued per organisation, series and year; incremented inside the filing
    transaction so a rolled-back filing releases its number (gap-free)."""
    __tablename__ = "number_counters"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
