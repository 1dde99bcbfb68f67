"""Documents (执法文书) of a case, their service (送达回证) and the pre-numbered on-the-spot forms.

A document is a draft until issued; issuing freezes it (number, data snapshot and its SHA-256, template
key and version, PDF and its SHA-256) — the database refuses any later change to those columns. A
correction is a new revision that supersedes the old one; both stay on file (architecture principle 7).
"""
from datetime import date, datetime

from sqlalchemy import (JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.db import Base
from caseflow.timeutil import local_now

DOCUMENT_STATUSES = {"draft": "草稿", "issued": "已签发", "served": "已送达"}
SERVICE_METHODS = {
    "direct": "直接送达",          # 民事诉讼法 第八十七条、第八十八条
    "left_behind": "留置送达",     # 第八十九条
    "post": "邮寄送达",            # 第九十一条
    "electronic": "电子送达",      # 第九十条；行政处罚法 第六十一条（须当事人同意并签订确认书）
    "public_notice": "公告送达",   # 第九十五条：发出公告之日起经过三十日视为送达
}
ONSITE_FORM_STATUSES = {"available": "未使用", "issued": "已使用", "voided": "已作废"}


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'issued', 'served')", name="status"),
        CheckConstraint("(status = 'draft') = (issued_at IS NULL)", name="issued_at"),
        CheckConstraint("status = 'draft' OR (snapshot_sha256 IS NOT NULL AND verification_code IS NOT NULL)",
                        name="issued_frozen"),
        CheckConstraint("(number_seq IS NULL) OR (number IS NOT NULL)", name="number_seq"),
        CheckConstraint("revision >= 1", name="revision"),
        UniqueConstraint("organisation_id", "number_series", "number_year", "number_seq", name="uq_documents_number_series_seq"),
        UniqueConstraint("organisation_id", "number", name="uq_documents_org_number"),
        UniqueConstraint("verification_code", name="uq_documents_verification_code"),
        UniqueConstraint("supersedes_id", name="uq_documents_supersedes"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    key: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(80))
    number_series: Mapped[str | None] = mapped_column(String(20))
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    verification_code: Mapped[str | None] = mapped_column(String(11))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approvals.id"))
    served_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))  # 送达回证: of which
    created_by_trigger: Mapped[str | None] = mapped_column(String(60))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    served_on: Mapped[date | None] = mapped_column(Date)

    __mapper_args__ = {"version_id_col": version}

    case = relationship("Case")
    organisation = relationship("Organisation")
    approval = relationship("Approval")
    created_by = relationship("User", foreign_keys=[created_by_id])
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    supersedes = relationship("Document", remote_side=[id], foreign_keys=[supersedes_id])
    served_document = relationship("Document", remote_side=[id], foreign_keys=[served_document_id])
    service = relationship("DocumentService", uselist=False, foreign_keys="DocumentService.document_id",
                           back_populates="document")

    @property
    def status_label(self) -> str:
        return DOCUMENT_STATUSES[self.status]

    @property
    def issued(self) -> bool:
        return self.status != "draft"


class DocumentService(Base):
    """How and when an issued external document was served (the 送达回证's content); append-only."""
    __tablename__ = "document_services"
    __table_args__ = (
        CheckConstraint("method IN ('direct', 'left_behind', 'post', 'electronic', 'public_notice')", name="method"),
        CheckConstraint("method <> 'left_behind' OR witness IS NOT NULL OR proof_sha256 IS NOT NULL",
                        name="left_behind_witness"),
        CheckConstraint("method <> 'electronic' OR consent_document_id IS NOT NULL", name="electronic_consent"),
        CheckConstraint("method <> 'public_notice' OR public_notice_reason IS NOT NULL", name="public_notice_reason"),
        CheckConstraint("effective_on >= served_on", name="effective_after_served"),
        UniqueConstraint("document_id", name="uq_document_services_document"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    method: Mapped[str] = mapped_column(String(20))
    served_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(60))
    witness: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(200))
    consent_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    public_notice_reason: Mapped[str | None] = mapped_column(Text)
    proof_sha256: Mapped[str | None] = mapped_column(String(64))
    proof_name: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    document = relationship("Document", foreign_keys=[document_id], back_populates="service")
    receipt = relationship("Document", foreign_keys=[receipt_document_id])
    recorded_by = relationship("User")

    @property
    def method_label(self) -> str:
        return SERVICE_METHODS[self.method]


class OnsiteForm(Base):
    """A pre-printed, numbered on-the-spot decision form (当场行政处罚决定书, 行政处罚法 第五十二条):
    registered in batches, then used by one simplified case or voided with a reason."""
    __tablename__ = "onsite_forms"
    __table_args__ = (
        CheckConstraint("status IN ('available', 'issued', 'voided')", name="status"),
        CheckConstraint("(status = 'issued') = (case_id IS NOT NULL)", name="issued_case"),
        CheckConstraint("(status = 'voided') = (void_reason IS NOT NULL)", name="voided_reason"),
        UniqueConstraint("organisation_id", "number", name="uq_onsite_forms_org_number"),
        UniqueConstraint("case_id", name="uq_onsite_forms_case"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    batch: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="available")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)

    case = relationship("Case")

    @property
    def status_label(self) -> str:
        return ONSITE_FORM_STATUSES[self.status]
