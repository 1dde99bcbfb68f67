"""Validation and masking of party identifiers.

Pure functions (no Flask, no database) so they can be reused by forms, the API
and data imports alike:

* ``validate_credit_code`` — 统一社会信用代码 of an organisation (GB 32100-2015);
* ``validate_id_number`` — 18-digit 居民身份证号 of a natural person (GB 11643-1999);
* ``mask_id_number`` / ``mask_name`` — de-identified display of personal data, so
  that lists and exports show no more personal information than needed
  (个人信息保护法 第六条 最小必要原则).

Validators normalise their input (whitespace removed, full-width characters
converted, upper case) and return the normalised value; on failure they raise
``InvalidIdentifier`` whose message is Chinese and can be shown to the user.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from caseflow.timeutil import today as china_today

__all__ = [
    "InvalidIdentifier",
    "validate_credit_code",
    "validate_id_number",
    "mask_id_number",
    "mask_name",
]


class InvalidIdentifier(ValueError):
    """An identifier failed validation; ``str(exc)`` is a Chinese user message."""


# GB 32100-2015: the code uses 31 characters — digits and capital letters
# without I, O, Z, S, V (easily confused with 1, 0, 2, 5, U).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weight of position i (0-based) is 3^i mod 31.
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11643-1999: ISO 7064 MOD 11-2, weight of position i is 2^(17-i) mod 11.
ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_MIN_BIRTH_YEAR = 1900


def _normalise(value: str | None) -> str:
    """Remove all whitespace, turn full-width characters (typed with a Chinese
    input method) into ASCII and upper-case the result."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(text.split()).upper()


def _credit_code_check_char(first17: str) -> str:
    """Check character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_CHARSET.index(ch) * weight
        for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def _id_check_char(first17: str) -> str:
    """Check character for the first 17 digits of a resident ID number."""
    total = sum(int(ch) * weight for ch, weight in zip(first17, ID_NUMBER_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def validate_credit_code(code: str) -> str:
    """Validate a 统一社会信用代码 and return it normalised.

    Checks length (18), character set and the check character (GB 32100-2015).
    """
    normalised = _normalise(code)
    if not normalised:
        raise InvalidIdentifier("统一社会信用代码不能为空")
    if len(normalised) != 18:
        raise InvalidIdentifier(
            f"统一社会信用代码应为 18 位，当前为 {len(normalised)} 位"
        )
    for position, ch in enumerate(normalised, start=1):
        if ch not in CREDIT_CODE_CHARSET:
            raise InvalidIdentifier(
                f"统一社会信用代码第 {position} 位含非法字符“{ch}”"
                "（只能使用数字和除 I、O、Z、S、V 以外的大写字母）"
            )
    expected = _credit_code_check_char(normalised[:17])
    if normalised[17] != expected:
        raise InvalidIdentifier(f"统一社会信用代码校验位错误，应为 {expected}")
    return normalised


def validate_id_number(number: str, *, today: date | None = None) -> str:
    """Validate an 18-digit 居民身份证号 and return it normalised (check 'X' upper case).

    Checks length, that the first 17 characters are digits, the birth date
    (positions 7–14: a real date, not before 1900, not in the future) and the
    check character (GB 11643-1999). ``today`` defaults to the application
    clock (China time) and is injectable for tests.
    """
    normalised = _normalise(number)
    if not normalised:
        raise InvalidIdentifier("居民身份证号不能为空")
    if len(normalised) != 18:
        raise InvalidIdentifier(f"居民身份证号应为 18 位，当前为 {len(normalised)} 位")
    if not (normalised[:17].isascii() and normalised[:17].isdigit()):
        raise InvalidIdentifier("居民身份证号前 17 位只能是数字")
    if normalised[17] not in "0123456789X":
        raise InvalidIdentifier("居民身份证号第 18 位（校验位）只能是数字或 X")

    birth = normalised[6:14]
    try:
        birth_date = date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        raise InvalidIdentifier(f"居民身份证号中的出生日期 {birth} 不是有效日期") from None
    if birth_date.year < ID_MIN_BIRTH_YEAR:
        raise InvalidIdentifier(
            f"居民身份证号中的出生日期 {birth} 早于 {ID_MIN_BIRTH_YEAR} 年，请核实"
        )
    if birth_date > (today or china_today()):
        raise InvalidIdentifier(f"居民身份证号中的出生日期 {birth} 晚于今天，请核实")

    expected = _id_check_char(normalised[:17])
    if normalised[17] != expected:
        raise InvalidIdentifier(f"居民身份证号校验位错误，应为 {expected}")
    return normalised


def mask_id_number(number: str | None) -> str:
    """Mask an ID number for display: keep the first 6 (region) and last 4
    characters, replace the middle with '*'.

    '350102199001011234' -> '350102********1234'. Values of 10 characters or
    fewer cannot keep 6 + 4 characters and are masked completely.
    """
    text = (number or "").strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_name(name: str | None) -> str:
    """Mask a person's name for display: keep the first character (surname in
    most cases), replace the rest with '*'. '张三丰' -> '张**'."""
    text = (name or "").strip()
    if not text:
        return ""
    return text[0] + "*" * (len(text) - 1)
