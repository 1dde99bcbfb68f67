"""Marshmallow schemas of the audit trail of one case, as shown to heads."""
from marshmallow import fields, validate

from caseflow.schemas import BaseSchema, LocalDateTime, PageArgsSchema


class AuditQuerySchema(PageArgsSchema):
    case_id = fields.Integer(required=True, metadata={"label": "案件"},
                             validate=validate.Range(min=1, error="案件编号无效"))


class AuditEventSchema(BaseSchema):
    id = fields.Integer()
    seq = fields.Integer()
    occurred_at = LocalDateTime()
    code = fields.String()
    summary = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    hash = fields.String()
