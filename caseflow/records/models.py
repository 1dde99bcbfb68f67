"""Investigation records (笔录) of a case: the 询问笔录 of a questioning and the 现场检查笔录 of an on-site
inspection (行政处罚法 第五十五条; spec §3.3).

A record is written while it is open (editable) and completed once: completion issues its document
(D10 / D11) and registers it as evidence, in one transaction. A completed record, its officers and its
media rows are immutable — the service refuses and the database triggers of migration 0010 refuse too; a
correction is a supplementary record (补充询问 / 补充检查) that refers to the first.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.db import Base
from caseflow.timeutil import local_now

RECORD_KINDS = {"inquiry": "询问笔录", "inspection": "现场检查笔录"}
SUPPLEMENT_LABELS = {"inquiry": "补充询问笔录", "inspection": "补充现场检查笔录"}
RECORD_STATUSES = {"open": "制作中", "completed": "已完成"}
DOCUMENT_KEYS = {"inquiry": "inquiry_record", "inspection": "inspection_record"}
MEDIA_PURPOSES = {"recording": "全过程音像记录", "index": "现场照片、录像"}
SEXES = ("男", "女")

# The notice read out before a questioning or an inspection, as data with its citations. The text is
# copied into each record when it is opened, so a record keeps the words actually read out even if the
# wording here changes later. Basis: 行政处罚法 第四十二条 (two officers), 第五十五条 (credentials shown;
# duty to answer truthfully and cooperate), 第四十三条 (the right to ask for recusal); 《医疗保障基金使用
# 监督管理条例》第二十九条 (the duty of the inspected to cooperate, not refuse, obstruct or lie).
NOTICES = {
    "inquiry": {
        "basis": "《中华人民共和国行政处罚法》第四十二条、第四十三条、第五十五条；《医疗保障基金使用监督管理条例》第二十九条",
        "text": ("我们是本机关的执法人员，现向你出示执法证件，请你过目。依照《中华人民共和国行政处罚法》第五十五条和"
                 "《医疗保障基金使用监督管理条例》第二十九条的规定，你应当如实回答询问，如实提供有关资料和情况，"
                 "协助调查，不得拒绝、阻挠，不得谎报、瞒报。依照《中华人民共和国行政处罚法》第四十三条的规定，"
                 "你认为执法人员与本案有直接利害关系或者有其他关系可能影响公正执法的，有权申请回避。"
                 "询问结束后你有权核对笔录，记录有遗漏或者差错的，可以要求补充或者更正。"
                 "以上内容你是否听清楚？是否申请执法人员回避？"),
    },
    "inspection": {
        "basis": "《中华人民共和国行政处罚法》第四十二条、第四十三条、第五十五条；《医疗保障基金使用监督管理条例》第二十七条、第二十九条",
        "text": ("执法人员向在场人员出示执法证件，表明身份，说明检查事由，并告知：依照《中华人民共和国行政处罚法》"
                 "第五十五条和《医疗保障基金使用监督管理条例》第二十九条的规定，被检查人应当予以配合，如实提供相关"
                 "资料和信息，不得拒绝、阻碍检查或者谎报、瞒报；依照《中华人民共和国行政处罚法》第四十三条的规定，"
                 "认为执法人员与本案有直接利害关系或者有其他关系可能影响公正执法的，有权申请回避。"),
    },
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class InvestigationRecord(Base):
    """One 询问笔录 (kind inquiry) or 现场检查笔录 (kind inspection), numbered per case and kind.

    `interviewee` (inquiry): name, sex, id_number, employer, phone, address, relationship, speaks_for_party.
    `present` (inspection): the party's person present — name, position, id_number, phone.
    `qa`: ordered [{q, a}]; `pages`: [{page, signed, reason, witness}] — each page signed, or refused with
    the reason and a witness (行政处罚法 第五十五条: the record is checked and signed page by page).
    """
    __tablename__ = "investigation_records"
    __table_args__ = (
        CheckConstraint(_in("kind", RECORD_KINDS), name="kind"),
        CheckConstraint(_in("status", RECORD_STATUSES), name="status"),
        CheckConstraint("seq >= 1", name="seq"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("status <> 'completed' OR (document_id IS NOT NULL AND evidence_id IS NOT NULL "
                        "AND completed_at IS NOT NULL AND completed_by_id IS NOT NULL)", name="completed_links"),
        UniqueConstraint("case_id", "kind", "seq", name="uq_investigation_records_case_kind_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    supplements_id: Mapped[int | None] = mapped_column(ForeignKey("investigation_records.id"))
    place: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    recorder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    credentials_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    interviewee: Mapped[dict | None] = mapped_column(JSON)
    present: Mapped[dict | None] = mapped_column(JSON)
    witness: Mapped[str | None] = mapped_column(String(200))
    others_present: Mapped[str | None] = mapped_column(String(200))
    notice_text: Mapped[str] = mapped_column(Text)
    notice_basis: Mapped[str] = mapped_column(String(200))
    notice_answer: Mapped[str | None] = mapped_column(Text)
    recusal_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    qa: Mapped[list] = mapped_column(JSON, default=list)
    corrections: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str | None] = mapped_column(Text)
    refusal_note: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[list] = mapped_column(JSON, default=list)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    case = relationship("Case")
    supplements = relationship("InvestigationRecord", remote_side=[id])
    recorder = relationship("User", foreign_keys=[recorder_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    document = relationship("Document")
    evidence = relationship("Evidence")
    officers: Mapped[list["RecordOfficer"]] = relationship(order_by="RecordOfficer.id", back_populates="record",
                                                         cascade="all, delete-orphan")
    media: Mapped[list["RecordMedia"]] = relationship(order_by="RecordMedia.position", back_populates="record",
                                                     cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return SUPPLEMENT_LABELS[self.kind] if self.supplements_id else RECORD_KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return RECORD_STATUSES[self.status]

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def title(self) -> str:
        return f"{self.kind_label}（第{self.seq}份）"


class RecordOfficer(Base):
    """An officer present at the questioning or inspection, with the credential number shown that day."""
    __tablename__ = "record_officers"
    __table_args__ = (UniqueConstraint("record_id", "user_id", name="uq_record_officers_record_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("investigation_records.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    credential_no: Mapped[str | None] = mapped_column(String(40))

    record = relationship("InvestigationRecord", back_populates="officers")
    user = relationship("User")


class RecordMedia(Base):
    """A file of the case's evidence linked to the record: the audio or video of the whole act (全过程记录,
    spec §9.1) or an entry of the inspection's photo and video index, with what it shows."""
    __tablename__ = "record_media"
    __table_args__ = (
        CheckConstraint(_in("purpose", MEDIA_PURPOSES), name="purpose"),
        UniqueConstraint("record_id", "attachment_id", name="uq_record_media_record_attachment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("investigation_records.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("evidence_attachments.id"))
    position: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(String(200))
    taken: Mapped[str | None] = mapped_column(String(200))

    record = relationship("InvestigationRecord", back_populates="media")
    attachment = relationship("EvidenceAttachment")

    @property
    def purpose_label(self) -> str:
        return MEDIA_PURPOSES[self.purpose]
