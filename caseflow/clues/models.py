"""Clues (线索) and the confidential reporter record (Order 735 Art. 35; spec §8)."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.db import Base
from caseflow.timeutil import local_now

# Order 735 Art. 25; spec §3.1
CLUE_SOURCES = {
    "complaint": "投诉举报",
    "inspection": "监督检查",
    "data_screening": "数据筛查",
    "assigned": "上级交办",
    "transferred": "移送",
    "flight_inspection": "飞行检查",
    "agency_referral": "经办机构移交",
}


class Clue(Base):
    __tablename__ = "clues"
    __table_args__ = (
        CheckConstraint("source IN (%s)" % ", ".join(f"'{s}'" for s in CLUE_SOURCES), name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    source: Mapped[str] = mapped_column(String(30))
    received_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    party = relationship("Party")
    registered_by = relationship("User")

    @property
    def source_label(self) -> str:
        return CLUE_SOURCES[self.source]


class ReporterIdentity(Base):
    """Who reported a clue. Confidential: visible only to heads and the case's assigned officers,
    never in lists, documents, exports or other roles' payloads; every view is audited."""
    __tablename__ = "reporter_identities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("clues.id"), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(200))
    real_name: Mapped[bool] = mapped_column(Boolean, default=True)
    statement: Mapped[str | None] = mapped_column(Text)
