"""Tests for caseflow.parties.validators, using published real identifiers."""

from datetime import date

import pytest

from caseflow.parties.validators import (
    InvalidIdentifier,
    _id_check_char,
    mask_id_number,
    mask_name,
    validate_credit_code,
    validate_id_number,
)

# Publicly registered credit codes (GB 32100-2015 sample and well-known companies).
REAL_CREDIT_CODES = [
    "91350100M000100Y43",  # sample widely quoted for GB 32100-2015
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91330100716105852F",  # 阿里巴巴（中国）网络技术有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
]

# Examples printed in GB 11643-1999 itself.
STANDARD_ID_EXAMPLE_1949 = "11010519491231002X"
STANDARD_ID_EXAMPLE_1880 = "440524188001010014"


# -- credit code -----------------------------------------------------------


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_valid(code):
    assert validate_credit_code(code) == code


def test_credit_code_is_normalised():
    assert validate_credit_code("  91110000802100433b ") == "91110000802100433B"
    assert validate_credit_code("9111 0000 8021 0043 3B") == "91110000802100433B"
    # Full-width characters typed with a Chinese input method.
    assert validate_credit_code("９１１１００００８０２１００４３３Ｂ") == "91110000802100433B"


@pytest.mark.parametrize("code", ["", "   ", None])
def test_credit_code_empty(code):
    with pytest.raises(InvalidIdentifier, match="不能为空"):
        validate_credit_code(code)


@pytest.mark.parametrize("code", ["91110000802100433", "91110000802100433BB", "9111"])
def test_credit_code_wrong_length(code):
    with pytest.raises(InvalidIdentifier, match=f"应为 18 位，当前为 {len(code)} 位"):
        validate_credit_code(code)


@pytest.mark.parametrize(
    "code, position, char",
    [
        ("91110000802100433I", 18, "I"),
        ("9111000080210O433B", 14, "O"),
        ("Z1110000802100433B", 1, "Z"),
        ("911100008021004S3B", 16, "S"),
        ("91V10000802100433B", 3, "V"),
        ("91110000802100433-", 18, "-"),
    ],
)
def test_credit_code_illegal_character(code, position, char):
    with pytest.raises(InvalidIdentifier, match=f"第 {position} 位含非法字符“{char}”"):
        validate_credit_code(code)


@pytest.mark.parametrize(
    "code, expected",
    [
        ("91110000802100433A", "B"),
        ("91350100M000100Y40", "3"),
        ("91330100716105853F", None),  # typo in the body, not the check char
    ],
)
def test_credit_code_wrong_check_character(code, expected):
    with pytest.raises(InvalidIdentifier, match="统一社会信用代码校验位错误，应为") as info:
        validate_credit_code(code)
    if expected:
        assert str(info.value).endswith(f"应为 {expected}")


def test_invalid_identifier_is_value_error():
    assert issubclass(InvalidIdentifier, ValueError)


# -- resident ID number -----------------------------------------------------


def test_standard_id_example_is_valid():
    assert validate_id_number(STANDARD_ID_EXAMPLE_1949) == STANDARD_ID_EXAMPLE_1949


def test_lowercase_x_is_normalised():
    assert validate_id_number("11010519491231002x") == STANDARD_ID_EXAMPLE_1949
    assert validate_id_number(" 110105 19491231 002x ") == STANDARD_ID_EXAMPLE_1949


def test_check_algorithm_matches_both_standard_examples():
    assert _id_check_char(STANDARD_ID_EXAMPLE_1949[:17]) == "X"
    assert _id_check_char(STANDARD_ID_EXAMPLE_1880[:17]) == "4"


def test_birth_before_1900_is_rejected_even_with_correct_check_digit():
    # The standard's own 1880 example is arithmetically valid, but the
    # application rejects birth years before 1900.
    with pytest.raises(InvalidIdentifier, match="早于 1900 年"):
        validate_id_number(STANDARD_ID_EXAMPLE_1880)


@pytest.mark.parametrize(
    "number, expected",
    [("110105194912310021", "X"), ("110105194912310020", "X"), ("440524198001010010", None)],
)
def test_id_wrong_check_character(number, expected):
    with pytest.raises(InvalidIdentifier, match="居民身份证号校验位错误，应为") as info:
        validate_id_number(number)
    if expected:
        assert str(info.value).endswith(f"应为 {expected}")


@pytest.mark.parametrize("number", ["11010519491231002", "11010519491231002XX", "110105491231002"])
def test_id_wrong_length(number):
    with pytest.raises(InvalidIdentifier, match=f"应为 18 位，当前为 {len(number)} 位"):
        validate_id_number(number)


@pytest.mark.parametrize("number", ["", None])
def test_id_empty(number):
    with pytest.raises(InvalidIdentifier, match="不能为空"):
        validate_id_number(number)


@pytest.mark.parametrize("number", ["1101051949123100X2", "11010A19491231002X"])
def test_id_non_digit_body(number):
    with pytest.raises(InvalidIdentifier, match="前 17 位只能是数字"):
        validate_id_number(number)


def test_id_illegal_check_character():
    with pytest.raises(InvalidIdentifier, match="只能是数字或 X"):
        validate_id_number("11010519491231002Y")


@pytest.mark.parametrize(
    "birth", ["19490231", "19491301", "19490000", "20230229", "19491232"]
)
def test_id_impossible_birth_date(birth):
    number = "110105" + birth + "002X"
    with pytest.raises(InvalidIdentifier, match=f"出生日期 {birth} 不是有效日期"):
        validate_id_number(number)


def test_id_birth_date_in_future():
    # 2000-01-02 born, but "today" is 2000-01-01.
    number = "110105200001020012"
    with pytest.raises(InvalidIdentifier, match="晚于今天"):
        validate_id_number(number, today=date(2000, 1, 1))


def test_id_leap_day_birth_date_accepted_by_date_check():
    # 2000-02-29 exists; only the check digit decides the outcome.
    with pytest.raises(InvalidIdentifier, match="校验位错误"):
        validate_id_number("110105200002290000")


# -- masking ---------------------------------------------------------------


def test_mask_id_number():
    assert mask_id_number("350102199001011234") == "350102********1234"
    assert mask_id_number(STANDARD_ID_EXAMPLE_1949) == "110105********002X"


@pytest.mark.parametrize("value", ["", None])
def test_mask_id_number_empty(value):
    assert mask_id_number(value) == ""


def test_mask_id_number_short_values_fully_masked():
    assert mask_id_number("1234567890") == "**********"


def test_mask_name():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李四") == "李*"
    assert mask_name("王") == "王"
    assert mask_name("欧阳娜娜") == "欧***"


@pytest.mark.parametrize("value", ["", None, "  "])
def test_mask_name_empty(value):
    assert mask_name(value) == ""
