"""Evidence (证据) of a case: the registered item, who collected it, its files and its chain of custody.

Files are content-addressed objects in storage (caseflow.storage), referenced by SHA-256. Collectors,
attachments and custody events are append-only: the database refuses any UPDATE or DELETE of them
(migration 0007), so what was received, from whom and by whom stays as first recorded.
"""
from datetime import datetime

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.db import Base
from caseflow.timeutil import local_now

# 行政处罚法 第四十六条 (spec §3.3)
EVIDENCE_TYPES = {
    "documentary": "书证",
    "physical": "物证",
    "audiovisual": "视听资料",
    "electronic": "电子数据",
    "testimony": "证人证言",
    "party_statement": "当事人陈述",
    "expert_opinion": "鉴定意见",
    "inspection_record": "勘验笔录、现场笔录",
}
# how the evidence was obtained (spec §3.3 powers; 《医疗保障基金使用监督管理条例》第二十七条)
OBTAINED_BY = {
    "document_review": "书面审查",
    "onsite_inspection": "现场检查",
    "questioning": "询问",
    "data_analysis": "数据分析",
    "retrieval": "调取",
    "sampling": "抽样",
}
CUSTODY_KINDS = {
    "collected": "收集",
    "received": "接收",
    "transferred": "移交",
    "preserved": "先行登记保存",   # 行政处罚法 第五十六条: handling decision within 7 working days (T4)
    "sealed": "封存",             # 《医疗保障基金使用监督管理条例》第二十七条第（五）项
    "returned": "退还",
}
NEEDS_COUNTERPARTY = ("transferred", "returned")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Evidence(Base):
    __tablename__ = "evidence_items"
    __table_args__ = (
        CheckConstraint(_in("evidence_type", EVIDENCE_TYPES), name="evidence_type"),
        CheckConstraint(_in("obtained_by", OBTAINED_BY), name="obtained_by"),
        CheckConstraint("seq >= 1", name="seq"),
        UniqueConstraint("case_id", "seq", name="uq_evidence_items_case_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 证据编号 within the case: 1, 2, 3 …
    evidence_type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    obtained_by: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(200))   # 证据来源 / 提供人
    collected_at: Mapped[datetime] = mapped_column(DateTime)
    collected_place: Mapped[str] = mapped_column(String(200))
    violations: Mapped[list] = mapped_column(JSON, default=list)  # rules-catalogue article keys or free text
    patient_level: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    case = relationship("Case")
    created_by = relationship("User")
    collectors: Mapped[list["EvidenceCollector"]] = relationship(order_by="EvidenceCollector.id",
                                                                 back_populates="evidence")
    attachments: Mapped[list["EvidenceAttachment"]] = relationship(order_by="EvidenceAttachment.id",
                                                                   back_populates="evidence")
    custody: Mapped[list["CustodyEvent"]] = relationship(order_by=lambda: (CustodyEvent.occurred_at, CustodyEvent.id),
                                                         back_populates="evidence")

    @property
    def type_label(self) -> str:
        return EVIDENCE_TYPES[self.evidence_type]

    @property
    def obtained_label(self) -> str:
        return OBTAINED_BY[self.obtained_by]


class EvidenceCollector(Base):
    """One of the (at least two) credentialed officers who collected the item, with the credential number
    they held that day (行政处罚法 第四十二条、第五十五条)."""
    __tablename__ = "evidence_collectors"
    __table_args__ = (UniqueConstraint("evidence_id", "user_id", name="uq_evidence_collectors_evidence_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    credential_no: Mapped[str] = mapped_column(String(40))

    evidence = relationship("Evidence", back_populates="collectors")
    user = relationship("User")


class EvidenceAttachment(Base):
    """A file of the item: the stored object's SHA-256 and size, the sanitised original name and the type
    found by content sniffing. Append-only."""
    __tablename__ = "evidence_attachments"
    __table_args__ = (
        CheckConstraint("size > 0", name="size"),
        CheckConstraint("length(sha256) = 64", name="sha256"),
        UniqueConstraint("evidence_id", "sha256", name="uq_evidence_attachments_evidence_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    original_name: Mapped[str] = mapped_column(String(255))
    detected_type: Mapped[str] = mapped_column(String(20))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    evidence = relationship("Evidence", back_populates="attachments")
    uploaded_by = relationship("User")

    @property
    def file_type(self):
        from caseflow.evidence.sniffing import ALLOWED
        return ALLOWED[self.detected_type]


class CustodyEvent(Base):
    """One step in the item's chain of custody: what happened, when, where, why, who recorded it and to
    (or from) whom. Append-only; a mistake is corrected by a further event."""
    __tablename__ = "evidence_custody_events"
    __table_args__ = (
        CheckConstraint(_in("kind", CUSTODY_KINDS), name="kind"),
        CheckConstraint(f"kind NOT IN {tuple(NEEDS_COUNTERPARTY)!r} OR counterparty IS NOT NULL", name="counterparty"),
        CheckConstraint("kind <> 'preserved' OR deadline_id IS NOT NULL", name="preserved_deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    counterparty: Mapped[str | None] = mapped_column(String(100))  # to whom (移交、退还) / from whom / keeper
    reason: Mapped[str] = mapped_column(Text)
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))  # T4 of a 先行登记保存
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    evidence = relationship("Evidence", back_populates="custody")
    recorded_by = relationship("User")
    deadline = relationship("Deadline")

    @property
    def kind_label(self) -> str:
        return CUSTODY_KINDS[self.kind]
