"""Schemas at the documents' boundaries: a draft's fields (built from the catalogue entry), service
records, and the JSON a document is dumped to."""
from functools import lru_cache

from marshmallow import fields, validate, validates_schema, ValidationError

from caseflow.documents.models import SERVICE_METHODS
from caseflow.schemas import BaseSchema, LocalDateTime, text

TEXT_MAX = {"text": 300, "textarea": 20000}
MAX_ROWS = 500


class RowsField(fields.List):
    """A list of rows, each a mapping of the type's column names to short texts."""

    def __init__(self, columns, **kwargs):
        self.columns = [c for c, _ in columns]
        super().__init__(fields.Dict(keys=fields.String(), values=fields.String(allow_none=True)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        rows = super()._deserialize(value, attr, data, **kwargs)
        if len(rows) > MAX_ROWS:
            raise ValidationError(f"至多 {MAX_ROWS} 行")
        clean = []
        for i, row in enumerate(rows, 1):
            unknown = set(row) - set(self.columns)
            if unknown:
                raise ValidationError(f"第 {i} 行有未知的列：{'、'.join(sorted(unknown))}")
            for c in self.columns:
                if len(row.get(c) or "") > 2000:
                    raise ValidationError(f"第 {i} 行内容过长（每格不超过 2000 字）")
            if any((row.get(c) or "").strip() for c in self.columns):
                clean.append({c: (row.get(c) or "").strip() for c in self.columns})
        return clean


def _field(f):
    meta = {"label": f.label}
    if f.type in TEXT_MAX:
        return text(TEXT_MAX[f.type], label=f.label)
    if f.type == "date":
        return fields.Date(allow_none=True, metadata=meta)
    if f.type == "decimal":
        return fields.Decimal(allow_none=True, places=2, as_string=True, metadata=meta,
                              validate=validate.Range(min=0, max=10 ** 12, error="金额应为不小于 0 的数"))
    if f.type == "integer":
        return fields.Integer(allow_none=True, metadata=meta,
                              validate=validate.Range(min=0, max=10 ** 9, error="应为不小于 0 的整数"))
    if f.type == "boolean":
        return fields.Boolean(allow_none=True, metadata=meta)
    if f.type == "choice":
        return fields.String(allow_none=True, metadata=meta,
                             validate=validate.OneOf([v for v, _ in f.choices], error="请从选项中选择"))
    if f.type == "rows":
        return RowsField(f.columns, allow_none=True, metadata=meta)
    raise ValueError(f.type)


@lru_cache(maxsize=None)
def _schema_class(doc_type):
    attrs = {f.name: _field(f) for f in doc_type.fields}
    return type(f"{doc_type.key.title().replace('_', '')}FieldsSchema", (BaseSchema,), attrs)


def schema_for(doc_type) -> BaseSchema:
    """Every field optional (a draft may be incomplete); issuing checks the required ones."""
    return _schema_class(doc_type)()


class ServiceSchema(BaseSchema):
    method = fields.String(required=True, metadata={"label": "送达方式"},
                           validate=validate.OneOf(list(SERVICE_METHODS), error="请选择送达方式"))
    served_on = fields.Date(required=True, metadata={"label": "送达日期"})
    recipient = text(60, required=True, label="受送达人 / 签收人")
    address = text(200, label="送达地点")
    witness = text(60, label="见证人（留置送达）")
    public_notice_reason = text(2000, label="公告送达的原因和经过")
    note = text(500, label="备注")

    @validates_schema
    def _method_needs(self, data, **kwargs):
        if data.get("method") == "public_notice" and not (data.get("public_notice_reason") or "").strip():
            raise ValidationError("公告送达须记明原因和经过（《民事诉讼法》第九十五条）", "public_notice_reason")


class DraftUpdateSchema(BaseSchema):
    version = fields.Integer(required=True, metadata={"label": "版本号"})
    data = fields.Dict(required=True, metadata={"label": "文书内容"})


class CorrectionSchema(BaseSchema):
    reason = text(500, required=True, label="更正理由")


class NewDraftSchema(BaseSchema):
    key = text(40, required=True, label="文书种类")


class VersionSchema(BaseSchema):
    version = fields.Integer(required=True, metadata={"label": "版本号"})


class ServiceOutSchema(BaseSchema):
    method = fields.String()
    method_label = fields.String()
    served_on = fields.Date()
    effective_on = fields.Date()
    recipient = fields.String()
    witness = fields.String(allow_none=True)
    receipt_document_id = fields.Integer()


class DocumentOutSchema(BaseSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    key = fields.String()
    title = fields.String()
    status = fields.String()
    status_label = fields.String()
    version = fields.Integer()
    revision = fields.Integer()
    number = fields.String(allow_none=True)
    template_version = fields.Integer()
    supersedes_id = fields.Integer(allow_none=True)
    correction_reason = fields.String(allow_none=True)
    data = fields.Dict()
    snapshot_sha256 = fields.String(allow_none=True)
    verification_code = fields.String(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True)
    pdf_size = fields.Integer(allow_none=True)
    issued_at = LocalDateTime(allow_none=True)
    served_on = fields.Date(allow_none=True)
    created_at = LocalDateTime()
    service = fields.Nested(ServiceOutSchema, allow_none=True)
