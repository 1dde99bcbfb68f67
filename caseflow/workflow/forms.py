"""Turn a transition's declared fields into a marshmallow schema with Chinese messages.

The same declarations drive the web form, the API validation and the documentation of each action.
"""
from decimal import Decimal, InvalidOperation

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from caseflow.errors import ValidationFailed

MESSAGES = {
    "required": "此项为必填项",
    "null": "此项不能为空",
    "invalid": "格式不正确",
}


class Money(fields.Field):
    """Money in yuan as a Decimal with at most 2 decimal places, never negative."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            raise ValidationError("金额格式不正确，应为如 1234.56 的数字")
        if not amount.is_finite() or amount < 0:
            raise ValidationError("金额不能为负数")
        if amount.as_tuple().exponent < -2:
            raise ValidationError("金额最多保留两位小数")
        if amount >= Decimal("1000000000000"):
            raise ValidationError("金额过大")
        return amount.quantize(Decimal("0.01"))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.2f}"


def _field_for(fd):
    common = {"required": fd.required, "error_messages": dict(MESSAGES),
              "allow_none": not fd.required, "metadata": {"label": fd.label}}
    if fd.type in ("text", "textarea"):
        limit = fd.max_length or (2000 if fd.type == "textarea" else 200)
        vals = [validate.Length(max=limit, error=f"不能超过 {limit} 个字")]
        if fd.required:
            vals.append(validate.Length(min=1, error="此项为必填项"))
        return fields.String(validate=vals, **common)
    if fd.type == "date":
        return fields.Date(**{**common, "error_messages": {**MESSAGES, "invalid": "日期格式应为 YYYY-MM-DD"}})
    if fd.type == "decimal":
        return Money(**common)
    if fd.type == "integer":
        rng = validate.Range(min=fd.min, max=fd.max, error=f"应在 {fd.min} 到 {fd.max} 之间")
        return fields.Integer(strict=False, validate=rng,
                              **{**common, "error_messages": {**MESSAGES, "invalid": "应为整数"}})
    if fd.type == "boolean":
        return fields.Boolean(**{**common, "error_messages": {**MESSAGES, "invalid": "应为是或否"}})
    if fd.type == "choice":
        allowed = [value for value, _ in fd.choices]
        return fields.String(validate=validate.OneOf(allowed, error="不是有效的选项"), **common)
    if fd.type == "officers":
        return fields.List(fields.Integer(error_messages={"invalid": "人员编号无效"}),
                           validate=validate.Length(min=2, error="至少需要两名执法人员"),
                           **{**common, "error_messages": {**MESSAGES, "invalid": "应为人员列表"}})
    if fd.type == "user":
        return fields.Integer(**{**common, "error_messages": {**MESSAGES, "invalid": "人员编号无效"}})
    raise ValueError(fd.type)


def _blank_to_none(data: dict, field_defs) -> dict:
    cleaned = dict(data or {})
    for fd in field_defs:
        if fd.type != "officers" and isinstance(cleaned.get(fd.name), str) and not cleaned[fd.name].strip():
            cleaned[fd.name] = None
            if not fd.required:
                cleaned.pop(fd.name)
    return cleaned


_SCHEMAS = {}


def schema_for(transition):
    key = (transition.trigger, transition.fields)
    if key not in _SCHEMAS:
        attrs = {fd.name: _field_for(fd) for fd in transition.fields}
        attrs["Meta"] = type("Meta", (), {"unknown": EXCLUDE})
        _SCHEMAS[key] = type(f"{transition.trigger}_form", (Schema,), attrs)
    return _SCHEMAS[key]()


def validate_data(transition, data) -> dict:
    """Validate form data; raise ValidationFailed naming every bad field in Chinese."""
    if data is not None and not isinstance(data, dict):
        raise ValidationFailed("提交的数据格式不正确", {"data": "应为对象"})
    try:
        result = schema_for(transition).load(_blank_to_none(data, transition.fields))
    except ValidationError as exc:
        details = {}
        labels = {fd.name: fd.label for fd in transition.fields}
        for name, msgs in exc.normalized_messages().items():
            if isinstance(msgs, dict):
                msgs = [m for sub in msgs.values() for m in (sub if isinstance(sub, list) else [sub])]
            details[name] = "；".join(str(m) for m in msgs)
        summary = "；".join(f"{labels.get(n, n)}：{m}" for n, m in details.items())
        raise ValidationFailed(f"填写有误：{summary}", details) from exc
    return {k: v for k, v in result.items() if v is not None}
