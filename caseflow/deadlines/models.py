"""Statutory deadlines on a case, their extensions and excluded (suspended) periods; calendar overrides."""
from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.db import Base
from caseflow.timeutil import local_now

DEADLINE_STATUSES = {"open": "进行中", "met": "已完成", "overdue": "已超期", "waived": "已免除"}
UNITS = {"working": "工作日", "calendar": "自然日", "months": "个月"}


class Deadline(Base):
    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint("unit IN ('working', 'calendar', 'months')", name="unit"),
        CheckConstraint("status IN ('open', 'met', 'overdue', 'waived')", name="status"),
        CheckConstraint("status <> 'waived' OR waived_reason IS NOT NULL", name="waived_reason"),
        CheckConstraint("status <> 'met' OR met_on IS NOT NULL", name="met_on"),
        CheckConstraint("due_on >= start_on", name="due_after_start"),
        CheckConstraint("warning_level IS NULL OR warning_level IN ('due_soon', 'overdue')", name="warning_level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(60))
    legal_basis: Mapped[str] = mapped_column(String(200))
    start_on: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    met_on: Mapped[date | None] = mapped_column(Date)
    waived_reason: Mapped[str | None] = mapped_column(Text)
    calendar_warning: Mapped[str | None] = mapped_column(Text)
    # the last warning the daily sweep recorded: due_soon (临期) or overdue (超期), and when
    warning_level: Mapped[str | None] = mapped_column(String(10))
    warned_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    extensions: Mapped[list["DeadlineExtension"]] = relationship(order_by="DeadlineExtension.id")
    exclusions: Mapped[list["DeadlineExclusion"]] = relationship(order_by="DeadlineExclusion.id")

    @property
    def status_label(self):
        return DEADLINE_STATUSES[self.status]

    @property
    def unit_label(self):
        return UNITS[self.unit]


class DeadlineExtension(Base):
    """An approved extension (e.g. head +30 days, collective discussion ≤ +60: 行政处罚法 Art. 60; Order 4 Art. 45 ⚠)."""
    __tablename__ = "deadline_extensions"
    __table_args__ = (CheckConstraint("days > 0", name="days"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    days: Mapped[int] = mapped_column(Integer)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"))
    previous_due_on: Mapped[date] = mapped_column(Date)
    new_due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)


class DeadlineExclusion(Base):
    """A period not counted in a time limit (hearing, suspension, appraisal …); open while end_on is null."""
    __tablename__ = "deadline_exclusions"
    __table_args__ = (CheckConstraint("end_on IS NULL OR end_on >= start_on", name="period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))


class CalendarDay(Base):
    """An admin-entered day of the official holiday schedule (国务院办公厅放假安排), for years the
    calendar package does not know yet, or to correct it."""
    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("day", name="day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100))
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
