"""Turn a transition's declared fields into a marshmallow schema with Chinese messages.

The same declarations drive the web form, the API validation and the documentation of each action.
"""
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from caseflow.errors import ValidationFailed

MESSAGES = {
    "required": "此项为必填项",
    "null": "此项不能为空",
    "invalid": "格式不正确",
}


MONEY_TEXT = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")  # 1234.56, 1,234.56; not 1,2,3 nor 1e3
MONEY_FORMAT = "金额格式不正确，应为如 1234.56 的数字"


class Money(fields.Field):
    """Money in yuan as a Decimal with at most 2 decimal places, never negative."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or isinstance(value, str) and not MONEY_TEXT.fullmatch(value.strip()):
            raise ValidationError(MONEY_FORMAT)
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            raise ValidationError(MONEY_FORMAT)
        if not amount.is_finite():
            raise ValidationError(MONEY_FORMAT)
        if amount < 0:
            raise ValidationError("金额不能为负数")
        if amount.as_tuple().exponent < -2:
            raise ValidationError("金额最多保留两位小数")
        if amount >= Decimal("1000000000000"):
            raise ValidationError("金额过大")
        return abs(amount).quantize(Decimal("0.01"))  # abs: "-0" is 0.00, never "-0.00" on a document

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.2f}"


class WholeNumber(fields.Integer):
    """An integer that refuses a fraction instead of truncating it (30.5 days are not 30 days)."""

    def _validated(self, value):
        if isinstance(value, (float, Decimal)) and not float(value).is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Day(fields.Date):
    """A calendar date; a datetime is refused (it would not compare with dates in the guards)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime):
            raise self.make_error("invalid", input=value, obj_type="date")
        return super()._deserialize(value, attr, data, **kwargs)


class ViolationItemSchema(Schema):
    """One violation item of the investigation report: the article (a key of the rules catalogue), the amount
    base in yuan (loss or defrauded amount, spec §2.3) and whether a fraud purpose is proven."""
    class Meta:
        unknown = EXCLUDE

    article = fields.String(required=True, error_messages=dict(MESSAGES),
                            validate=validate.OneOf(choices=(), error="条款无效"))
    amount = Money(required=True, error_messages=dict(MESSAGES))
    fraud_purpose = fields.Boolean(load_default=False, error_messages={**MESSAGES, "invalid": "应为是或否"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from caseflow.rules.catalogue import catalogue
        self.fields["article"].validators = [validate.OneOf(list(catalogue().violations), error="不是有效的违法行为条款")]


def _range_message(fd) -> str:
    if fd.min is not None and fd.max is not None:
        return f"应在 {fd.min} 到 {fd.max} 之间"
    return f"不能小于 {fd.min}" if fd.min is not None else f"不能大于 {fd.max}"


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
        return Day(**{**common, "error_messages": {**MESSAGES, "invalid": "日期格式应为 YYYY-MM-DD"}})
    if fd.type == "decimal":
        return Money(**common)
    if fd.type == "integer":
        rng = validate.Range(min=fd.min, max=fd.max, error=_range_message(fd))
        return WholeNumber(validate=rng,
                              **{**common, "error_messages": {**MESSAGES, "invalid": "应为整数"}})
    if fd.type == "boolean":
        return fields.Boolean(**{**common, "error_messages": {**MESSAGES, "invalid": "应为是或否"}})
    if fd.type == "choice":
        allowed = [value for value, _ in fd.choices]
        return fields.String(validate=validate.OneOf(allowed, error="不是有效的选项"), **common)
    if fd.type == "violations":
        return fields.List(fields.Nested(ViolationItemSchema), validate=validate.Length(min=1, error="请至少填写一项违法行为"),
                           **{**common, "error_messages": {**MESSAGES, "invalid": "应为违法行为列表"}})
    if fd.type == "circumstances":
        from caseflow.rules.catalogue import CIRCUMSTANCES
        return fields.List(fields.String(validate=validate.OneOf(list(CIRCUMSTANCES), error="不是有效的裁量情节")),
                           **{**common, "error_messages": {**MESSAGES, "invalid": "应为情节列表"}})
    if fd.type == "officers":
        return fields.List(WholeNumber(error_messages={"invalid": "人员编号无效", "null": "人员编号无效"}),
                           validate=validate.Length(min=2, error="至少需要两名执法人员"),
                           **{**common, "error_messages": {**MESSAGES, "invalid": "应为人员列表"}})
    if fd.type == "user":
        return WholeNumber(**{**common, "error_messages": {**MESSAGES, "invalid": "人员编号无效"}})
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
        labels = {fd.name: fd.label for fd in transition.fields}
        details = {}
        types = {fd.name: fd.type for fd in transition.fields}
        for name, msgs in exc.normalized_messages().items():
            if types.get(name) == "violations":  # rows of items: name the row and the field
                rows = _flatten(name, msgs)
                details.update(rows)
                details[name] = "；".join(f"{_readable(path, {})[len(name):].strip()}：{m}" for path, m in rows.items())
            else:
                if isinstance(msgs, dict):
                    msgs = [m for sub in msgs.values() for m in (sub if isinstance(sub, list) else [sub])]
                details[name] = "；".join(str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))
        summary = "；".join(f"{labels.get(path, path)}：{m}" for path, m in details.items() if "." not in path)
        raise ValidationFailed(f"填写有误：{summary}", details) from exc
    return {k: v for k, v in result.items() if v is not None}


ITEM_LABELS = {"article": "条款", "amount": "金额", "fraud_purpose": "以骗取为目的"}


def _flatten(path: str, msgs) -> dict:
    """Nested errors (a list of violation items) as dotted keys: violations.0.amount → message."""
    if isinstance(msgs, dict):
        flat = {}
        for key, sub in msgs.items():
            flat.update(_flatten(f"{path}.{key}", sub))
        return flat
    return {path: "；".join(str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))}


def _readable(path: str, labels: dict) -> str:
    """violations.0.amount → 违法行为条款及金额第1行金额."""
    parts = path.split(".")
    text = labels.get(parts[0], parts[0])
    if len(parts) >= 2 and parts[1].isdigit():
        text += f"第{int(parts[1]) + 1}行"
    if len(parts) >= 3:
        text += ITEM_LABELS.get(parts[2], parts[2])
    return text
