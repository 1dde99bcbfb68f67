"""Schemas at the evidence boundaries: registering an item, recording a custody event, and the JSON an
item, its attachments and its custody log are dumped to."""
from datetime import datetime

from marshmallow import ValidationError, fields, validate

from caseflow.evidence.models import CUSTODY_KINDS, EVIDENCE_TYPES, OBTAINED_BY
from caseflow.schemas import BaseSchema, LocalDateTime, text
from caseflow.timeutil import CHINA

MAX_VIOLATIONS = 20


class LocalDateTimeIn(LocalDateTime):
    """A time as entered: `2025-02-13T09:30` (local, as a datetime-local input sends it) or with an offset,
    stored as naive Beijing time like every other column."""

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if isinstance(result, datetime) and result.tzinfo is not None:
            result = result.astimezone(CHINA).replace(tzinfo=None)
        return result.replace(microsecond=0)


def _violation_items(items):
    if len(items) > MAX_VIOLATIONS:
        raise ValidationError(f"至多 {MAX_VIOLATIONS} 项")


class EvidenceInSchema(BaseSchema):
    evidence_type = fields.String(required=True, metadata={"label": "证据种类"},
                                  validate=validate.OneOf(list(EVIDENCE_TYPES), error="请选择证据种类"))
    title = text(200, required=True, label="证据名称")
    description = text(5000, label="证据内容摘要")
    obtained_by = fields.String(required=True, metadata={"label": "取证方式"},
                                validate=validate.OneOf(list(OBTAINED_BY), error="请选择取证方式"))
    source = text(200, required=True, label="证据来源 / 提供人")
    collected_at = LocalDateTimeIn(required=True, metadata={"label": "收集时间"})
    collected_place = text(200, required=True, label="收集地点")
    collected_by = fields.List(fields.Integer(), required=True, metadata={"label": "收集人员"})
    violations = fields.List(fields.String(validate=validate.Length(max=200, error="每项不能超过 200 个字")),
                             load_default=list, validate=_violation_items, metadata={"label": "证明的违法事项"})
    patient_level = fields.Boolean(load_default=False, metadata={"label": "涉及患者个人信息"})


class CustodyInSchema(BaseSchema):
    kind = fields.String(required=True, metadata={"label": "保管环节"},
                         validate=validate.OneOf([k for k in CUSTODY_KINDS if k != "collected"],
                                                 error="请选择保管环节（收集记录在登记证据时自动生成）"))
    occurred_at = LocalDateTimeIn(required=True, metadata={"label": "时间"})
    place = text(200, label="地点")
    counterparty = text(100, label="移交 / 退还对象或保管人")
    reason = text(2000, required=True, label="事由")


class CollectorOutSchema(BaseSchema):
    user_id = fields.Integer()
    name = fields.Function(lambda c: c.user.name)
    credential_no = fields.String()


class AttachmentOutSchema(BaseSchema):
    id = fields.Integer()
    evidence_id = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    original_name = fields.String()
    detected_type = fields.String()
    type_label = fields.Function(lambda a: a.file_type.label)
    mime = fields.Function(lambda a: a.file_type.mime)
    uploaded_by = fields.Function(lambda a: a.uploaded_by.name)
    uploaded_at = LocalDateTime()


class CustodyOutSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    occurred_at = LocalDateTime()
    place = fields.String(allow_none=True)
    counterparty = fields.String(allow_none=True)
    reason = fields.String()
    decision_due_on = fields.Function(lambda e: e.deadline.due_on.isoformat() if e.deadline else None)
    recorded_by = fields.Function(lambda e: e.recorded_by.name)
    recorded_at = LocalDateTime()


class EvidenceOutSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    seq = fields.Integer()
    evidence_type = fields.String()
    type_label = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    obtained_by = fields.String()
    obtained_label = fields.String()
    source = fields.String()
    collected_at = LocalDateTime()
    collected_place = fields.String()
    collectors = fields.Nested(CollectorOutSchema, many=True)
    violations = fields.List(fields.String())
    patient_level = fields.Boolean()
    created_by = fields.Function(lambda e: e.created_by.name)
    created_at = LocalDateTime()


class EvidenceDetailSchema(EvidenceOutSchema):
    attachments = fields.Nested(AttachmentOutSchema, many=True)
    custody = fields.Nested(CustodyOutSchema, many=True)
