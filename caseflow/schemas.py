"""The base every domain's marshmallow schemas build on: every field gets a Chinese error message,
unknown keys are refused, local times are rendered with their +08:00 offset, and load errors become
one ValidationFailed (HTTP 422) with a message per field."""
from datetime import date, datetime
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from caseflow.cases.queries import MAX_PAGE_SIZE
from caseflow.errors import ValidationFailed
from caseflow.timeutil import CHINA

# Chinese texts for marshmallow's built-in messages, by field class (the most specific class wins).
_TYPE_MESSAGES = [
    (fields.Date, {"invalid": "日期格式应为 YYYY-MM-DD", "format": "日期格式应为 YYYY-MM-DD"}),
    (fields.DateTime, {"invalid": "时间格式无效", "format": "时间格式无效"}),
    (fields.Integer, {"invalid": "应为整数", "too_large": "数值过大"}),
    (fields.Number, {"invalid": "应为数字", "too_large": "数值过大", "special": "应为有效数字"}),
    (fields.Boolean, {"invalid": "应为 true 或 false"}),
    (fields.String, {"invalid": "应为文本", "invalid_utf8": "文本编码无效"}),
    (fields.List, {"invalid": "应为列表"}),
    (fields.Dict, {"invalid": "应为对象"}),
    (fields.Nested, {"type": "应为对象"}),
]
_COMMON_MESSAGES = {"required": "此项为必填项", "null": "此项不能为空", "validator_failed": "取值无效"}


def _class_defaults(field) -> dict:
    merged = {}
    for cls in reversed(type(field).__mro__):
        merged.update(getattr(cls, "default_error_messages", {}))
    return merged


def _translate(field) -> None:
    """Replace marshmallow's English defaults by Chinese, keeping messages a schema set explicitly."""
    defaults = _class_defaults(field)
    wanted = dict(_COMMON_MESSAGES)
    for cls, messages in reversed(_TYPE_MESSAGES):
        if isinstance(field, cls):
            wanted.update(messages)
    for key, text in wanted.items():
        if key in field.error_messages and field.error_messages[key] == defaults.get(key):
            field.error_messages[key] = text
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None),
                  getattr(field, "value_field", None)):
        if isinstance(inner, fields.Field):
            _translate(inner)


class BaseSchema(Schema):
    """Chinese error messages on every field; unknown keys are an error (a misspelt filter or field
    must not be silently ignored)."""

    error_messages = {"unknown": "未知字段", "type": "应为对象"}

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name, field_obj):
        _translate(field_obj)


class LocalDateTime(fields.DateTime):
    """A stored local (Beijing) time written as ISO 8601 with its offset: 2026-03-02T09:30:00+08:00."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=CHINA)
        return value.isoformat(timespec="seconds")


def text(max_length: int, *, required: bool = False, label: str = "", **kwargs):
    """A text field with a Chinese length message; required text must not be blank."""
    validators = [validate.Length(max=max_length, error=f"不能超过 {max_length} 个字")]
    if required:
        validators.append(validate.Length(min=1, error="此项为必填项"))
    return fields.String(required=required, allow_none=not required, validate=validators,
                         metadata={"label": label}, **kwargs)


def _flatten(messages, prefix="") -> dict:
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name or "_schema")
            flat.update(_flatten(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = "；".join(messages)
    elif isinstance(messages, list):
        for value in messages:
            flat.update(_flatten(value, prefix))
    else:
        flat[prefix or "_schema"] = str(messages)
    return flat


def load_or_raise(schema: Schema, data, what: str = "提交的数据") -> dict:
    """Load `data`; on failure raise ValidationFailed (422) whose details map each field (dotted path
    for nested ones) to its Chinese message, and whose message names the fields by their labels."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        details = _flatten(exc.normalized_messages())
        labels = {name: f.metadata.get("label") or name for name, f in schema.fields.items()}
        summary = "；".join(f"{labels.get(name, name)}：{msg}" for name, msg in details.items())
        raise ValidationFailed(f"{what}有误：{summary}", details) from exc


class PageArgsSchema(BaseSchema):
    """`page` and `per_page` of a paginated list (at most MAX_PAGE_SIZE rows a page)."""
    page = fields.Integer(load_default=1, metadata={"label": "页码"},
                          validate=validate.Range(min=1, max=1_000_000, error="页码应为不小于 1 的整数"))
    per_page = fields.Integer(load_default=20, metadata={"label": "每页条数"},
                              validate=validate.Range(min=1, max=MAX_PAGE_SIZE,
                                                      error=f"每页条数应在 1 到 {MAX_PAGE_SIZE} 之间"))


def jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value
