"""Marshmallow fields of the rules services: money in yuan as exact decimals, and date periods."""
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields

from caseflow.workflow.forms import MONEY_FORMAT, MONEY_TEXT

MAX_YUAN = Decimal(1000000000000)


class Yuan(fields.Field):
    """Money in yuan as a Decimal with at most 2 decimal places, never negative.

    Accepts a decimal string ("38000.00", "38,000") or an integer. A JSON number with a fraction
    arrives as a float, which is not exact: it is refused, so no float ever reaches a computation.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float):
            raise ValidationError("金额请以字符串填写（如 \"38000.00\"），不接受浮点数")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValidationError(MONEY_FORMAT)
        if isinstance(value, str) and not MONEY_TEXT.fullmatch(value.strip()):
            raise ValidationError(MONEY_FORMAT)
        try:
            amount = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValidationError(MONEY_FORMAT) from None
        if amount < 0:
            raise ValidationError("金额不能为负数")
        if amount.as_tuple().exponent < -2:
            raise ValidationError("金额最多保留两位小数")
        if amount >= MAX_YUAN:
            raise ValidationError("金额过大")
        return abs(amount).quantize(Decimal("0.01"))

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.2f}"


class PeriodList(fields.List):
    """A list of [from, to] date pairs (both days included); `from` may not be after `to`."""

    def __init__(self, **kwargs):
        super().__init__(fields.Tuple((fields.Date(), fields.Date()),
                                      error_messages={"invalid": "每个期间应为 [起日, 止日]"}), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        periods = super()._deserialize(value, attr, data, **kwargs)
        for index, (start, end) in enumerate(periods):
            if start > end:
                raise ValidationError({index: ["起日不能晚于止日"]})
        return periods
