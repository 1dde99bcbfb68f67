"""Schemas at the records' boundaries: opening a record, changing an open one (every field optional: a
record is written over time and checked as a whole on completion), and the JSON a record is dumped to."""
from marshmallow import fields, validate

from caseflow.evidence.schemas import LocalDateTimeIn
from caseflow.parties.validators import mask_id_number
from caseflow.records.models import MEDIA_PURPOSES, RECORD_KINDS, SEXES
from caseflow.schemas import BaseSchema, LocalDateTime, text

MAX_QA = 300
MAX_PAGES = 200
MAX_MEDIA = 100


class IntervieweeSchema(BaseSchema):
    name = text(50, label="被询问人姓名")
    sex = fields.String(allow_none=True, metadata={"label": "性别"},
                        validate=validate.OneOf(SEXES + ("",), error="性别应为「男」或「女」"))
    id_number = text(30, label="身份证件号码")
    employer = text(200, label="工作单位及职务")
    phone = text(30, label="联系电话")
    address = text(200, label="住址")
    relationship = text(100, label="与当事人关系")
    speaks_for_party = fields.Boolean(allow_none=True, metadata={"label": "代表当事人陈述"})


class PresentSchema(BaseSchema):
    name = text(50, label="当事人在场人员姓名")
    position = text(100, label="职务及与当事人关系")
    id_number = text(30, label="身份证件号码")
    phone = text(30, label="联系电话")


class QaSchema(BaseSchema):
    q = fields.String(load_default="", validate=validate.Length(max=2000, error="问不能超过 2000 个字"),
                      metadata={"label": "问"})
    a = fields.String(load_default="", validate=validate.Length(max=10000, error="答不能超过 10000 个字"),
                      metadata={"label": "答"})


class PageSchema(BaseSchema):
    signed = fields.Boolean(required=True, metadata={"label": "已签名"})
    reason = text(200, label="拒签理由")
    witness = text(100, label="见证人")


class MediaInSchema(BaseSchema):
    attachment_id = fields.Integer(required=True, metadata={"label": "证据附件"})
    purpose = fields.String(required=True, metadata={"label": "用途"},
                            validate=validate.OneOf(list(MEDIA_PURPOSES), error="用途应为全过程音像记录或现场照片、录像"))
    content = text(200, required=True, label="内容说明")
    taken = text(200, label="拍摄时间、拍摄人")


def _rows(schema, most: int, label: str):
    return fields.List(fields.Nested(schema), metadata={"label": label},
                       validate=validate.Length(max=most, error=f"至多 {most} 行"))


class RecordChangeSchema(BaseSchema):
    """The fields of an open record; what is sent replaces what was there (lists as a whole)."""
    place = text(200, label="地点")
    started_at = LocalDateTimeIn(allow_none=True, metadata={"label": "开始时间"})
    ended_at = LocalDateTimeIn(allow_none=True, metadata={"label": "结束时间"})
    officers = fields.List(fields.Integer(), metadata={"label": "执法人员"},
                           validate=validate.Length(max=10, error="至多 10 名"))
    recorder_id = fields.Integer(allow_none=True, metadata={"label": "记录人"})
    credentials_shown = fields.Boolean(metadata={"label": "已出示执法证件"})
    interviewee = fields.Nested(IntervieweeSchema, metadata={"label": "被询问人"})
    others_present = text(200, label="其他在场人员")
    present = fields.Nested(PresentSchema, metadata={"label": "当事人在场人员"})
    witness = text(200, label="见证人")
    notice_answer = text(1000, label="对告知事项的回答")
    recusal_requested = fields.Boolean(metadata={"label": "申请回避"})
    qa = _rows(QaSchema, MAX_QA, "询问内容（问答）")
    corrections = text(5000, label="被询问人补充、更正的内容")
    scope = text(5000, label="检查内容")
    findings = text(10000, label="检查情况")
    refusal_note = text(2000, label="拒绝签名或者拒不到场的情况")
    pages = _rows(PageSchema, MAX_PAGES, "逐页签名情况")
    media = _rows(MediaInSchema, MAX_MEDIA, "音像记录及照片、录像目录")


class RecordOpenSchema(RecordChangeSchema):
    kind = fields.String(required=True, metadata={"label": "笔录种类"},
                         validate=validate.OneOf(list(RECORD_KINDS), error="笔录种类应为 inquiry（询问笔录）或 inspection（现场检查笔录）"))
    supplements_id = fields.Integer(allow_none=True, metadata={"label": "补充的笔录"})


class RecordPatchSchema(RecordChangeSchema):
    version = fields.Integer(required=True, metadata={"label": "版本号"})


class VersionSchema(BaseSchema):
    version = fields.Integer(required=True, metadata={"label": "版本号"})


class RecordOfficerOutSchema(BaseSchema):
    user_id = fields.Integer()
    name = fields.Function(lambda o: o.user.name)
    credential_no = fields.String(allow_none=True)


class MediaOutSchema(BaseSchema):
    attachment_id = fields.Integer()
    evidence_id = fields.Function(lambda m: m.attachment.evidence_id)
    evidence_seq = fields.Function(lambda m: m.attachment.evidence.seq)
    original_name = fields.Function(lambda m: m.attachment.original_name)
    file_type = fields.Function(lambda m: m.attachment.file_type.label)
    sha256 = fields.Function(lambda m: m.attachment.sha256)
    purpose = fields.String()
    purpose_label = fields.String()
    content = fields.String()
    taken = fields.String(allow_none=True)


class RecordSummarySchema(BaseSchema):
    """A record in a list: the interviewee's or present person's ID number masked (个人信息保护法 第六条)."""
    id = fields.Integer()
    case_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    seq = fields.Integer()
    title = fields.String()
    status = fields.String()
    status_label = fields.String()
    version = fields.Integer()
    supplements_id = fields.Integer(allow_none=True)
    place = fields.String(allow_none=True)
    started_at = LocalDateTime(allow_none=True)
    ended_at = LocalDateTime(allow_none=True)
    person = fields.Function(lambda r: person_of(r, masked=True))
    document_id = fields.Integer(allow_none=True)
    evidence_id = fields.Integer(allow_none=True)
    completed_at = LocalDateTime(allow_none=True)


class RecordDetailSchema(RecordSummarySchema):
    officers = fields.Nested(RecordOfficerOutSchema, many=True)
    recorder_id = fields.Integer(allow_none=True)
    credentials_shown = fields.Boolean()
    interviewee = fields.Dict(allow_none=True)
    others_present = fields.String(allow_none=True)
    present = fields.Dict(allow_none=True)
    witness = fields.String(allow_none=True)
    notice_text = fields.String()
    notice_basis = fields.String()
    notice_answer = fields.String(allow_none=True)
    recusal_requested = fields.Boolean()
    qa = fields.List(fields.Dict())
    corrections = fields.String(allow_none=True)
    scope = fields.String(allow_none=True)
    findings = fields.String(allow_none=True)
    refusal_note = fields.String(allow_none=True)
    pages = fields.List(fields.Dict())
    media = fields.Nested(MediaOutSchema, many=True)
    created_by = fields.Function(lambda r: r.created_by.name)
    created_at = LocalDateTime()
    completed_by = fields.Function(lambda r: r.completed_by.name if r.completed_by else None)


def person_of(record, masked: bool) -> dict | None:
    """Who was heard (inquiry) or present (inspection): name, relationship, ID number (masked in lists)."""
    who = record.interviewee if record.kind == "inquiry" else record.present
    if not who or not who.get("name"):
        return None
    number = who.get("id_number") or ""
    return {"name": who.get("name"), "relationship": who.get("relationship") or who.get("position") or "",
            "id_number": mask_id_number(number) if masked else number}
