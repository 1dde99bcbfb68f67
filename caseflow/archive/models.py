"""The archive (立卷归档) of a closed case: its record, legal holds and disposal.

`ArchiveRecord` is written by the archive_case transition and frozen then: archive number, retention and
the manifest (the ordered list of what the file holds). The combined PDF of the file is assembled later
when rendering is deferred; its hash, size and page count are set once (NULL → value) and never change.
The database enforces all of this (migration 0008), together with the refusal of any write to the case,
its documents and its evidence once the case is archived. Holds and disposals are append-only.
"""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, \
    UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.db import Base
from caseflow.timeutil import local_now

# 国家档案局令第8号 (2006) as cited in S30 ◐: permanent, or a fixed term (normally 30 years)
RETENTIONS = {"permanent": "永久", "30y": "30年"}
RETENTION_RANK = {"30y": 1, "permanent": 2}  # a longer period may be chosen, never a shorter one
HOLD_EVENTS = {"placed": "设置法律保全", "lifted": "解除法律保全"}


class ArchiveRecord(Base):
    __tablename__ = "archive_records"
    __table_args__ = (
        CheckConstraint("retention IN ('permanent', '30y')", name="retention"),
        CheckConstraint("(retention = 'permanent') = (retention_until IS NULL)", name="retention_until"),
        CheckConstraint("(case_file_sha256 IS NULL) = (case_file_size IS NULL)", name="case_file"),
        CheckConstraint("(case_file_sha256 IS NULL) = (pages IS NULL)", name="pages_assembled"),
        CheckConstraint("pages IS NULL OR pages >= 1", name="pages"),
        UniqueConstraint("organisation_id", "archive_no", name="uq_archive_records_org_archive_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    archive_no: Mapped[str] = mapped_column(String(80))
    archive_year: Mapped[int] = mapped_column(Integer)
    archive_seq: Mapped[int] = mapped_column(Integer)
    retention: Mapped[str] = mapped_column(String(10))
    retention_basis: Mapped[str] = mapped_column(Text)
    retention_until: Mapped[date | None] = mapped_column(Date)
    pages: Mapped[int | None] = mapped_column(Integer)
    case_file_sha256: Mapped[str | None] = mapped_column(String(64))
    case_file_size: Mapped[int | None] = mapped_column(BigInteger)
    manifest: Mapped[dict] = mapped_column(JSON)
    archived_at: Mapped[datetime] = mapped_column(DateTime)
    archived_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assembled_at: Mapped[datetime | None] = mapped_column(DateTime)

    case = relationship("Case")
    organisation = relationship("Organisation")
    archived_by = relationship("User")
    holds: Mapped[list["ArchiveHold"]] = relationship(order_by="ArchiveHold.id", back_populates="record")
    disposal: Mapped["ArchiveDisposal | None"] = relationship(back_populates="record", uselist=False)

    @property
    def retention_label(self) -> str:
        return RETENTIONS[self.retention]

    @property
    def on_hold(self) -> bool:
        """A legal hold is in force when the latest hold event placed it."""
        return bool(self.holds) and self.holds[-1].event == "placed"

    @property
    def assembled(self) -> bool:
        return self.case_file_sha256 is not None


class ArchiveHold(Base):
    """A legal hold (法律保全: litigation, reconsideration, audit, investigation) placed on or lifted from an
    archived file; while in force the file may not be disposed of. Append-only."""
    __tablename__ = "archive_holds"
    __table_args__ = (CheckConstraint("event IN ('placed', 'lifted')", name="event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("archive_records.id"), index=True)
    event: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    record = relationship("ArchiveRecord", back_populates="holds")
    actor = relationship("User")

    @property
    def event_label(self) -> str:
        return HOLD_EVENTS[self.event]


class ArchiveDisposal(Base):
    """The disposal (销毁) of a fixed-term file after its retention ran out, approved and recorded once;
    the record itself is kept (档案销毁清册). Append-only."""
    __tablename__ = "archive_disposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("archive_records.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    disposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    disposed_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    record = relationship("ArchiveRecord", back_populates="disposal")
    disposed_by = relationship("User")
