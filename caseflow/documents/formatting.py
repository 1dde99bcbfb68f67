"""Filters the document templates use: dates and amounts written the way Chinese official documents
write them (2025年3月3日; 76,000.00 元; 人民币柒万陆仟元整)."""
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
BIG_UNITS = ("", "万", "亿", "兆")


def _as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def cn_date(value, empty: str = "　　年　　月　　日") -> str:
    """2025-03-03 → 2025年3月3日; blank lines for an empty date (a form filled in by hand)."""
    if not value:
        return empty
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def money(value, empty: str = "——") -> str:
    """76000 → 76,000.00 元"""
    amount = _as_decimal(value)
    if amount is None:
        return empty
    return f"{amount:,.2f} 元"


def _four_digits(n: int) -> str:
    out, zero = "", False
    for pos in range(3, -1, -1):
        d = n // 10 ** pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + SMALL_UNITS[pos]
    return out


def money_upper(value, empty: str = "——") -> str:
    """The amount in capital numerals as on payment forms: 76000.50 → 人民币柒万陆仟元伍角整."""
    amount = _as_decimal(value)
    if amount is None:
        return empty
    amount = amount.quantize(Decimal("0.01"))
    if amount < 0:
        return empty
    yuan = int(amount)
    fen_total = int((amount - yuan) * 100)
    jiao, fen = divmod(fen_total, 10)
    parts, out, need_zero = [], "", False
    n = yuan
    while n:
        parts.append(n % 10000)
        n //= 10000
    for i in range(len(parts) - 1, -1, -1):
        block = parts[i]
        if block == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or block < 1000):
            out += "零"
        out += _four_digits(block) + BIG_UNITS[i]
        need_zero = False
    if jiao == 0 and fen == 0:
        return f"人民币{out or '零'}元整"
    text = f"{out}元" if out else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return f"人民币{text}"


def or_blank(value, width: int = 8) -> str:
    """The value, or a blank to fill in by hand on the printed form."""
    if value is None or value == "" or value == []:
        return "　" * width
    return value
