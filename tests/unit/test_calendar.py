"""Tests for caseflow.deadlines.calendar against the official holiday schedules
and the worked scenarios of the legal specification."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.deadlines.calendar import DueDate, WorkingCalendar, unknown_year_warning

CAL = WorkingCalendar()


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# -- official schedules (国务院办公厅 2025 年部分节假日安排) ---------------------

HOLIDAYS_2025 = [
    (date(2025, 1, 1), date(2025, 1, 1)),  # 元旦
    (date(2025, 1, 28), date(2025, 2, 4)),  # 春节
    (date(2025, 4, 4), date(2025, 4, 6)),  # 清明节
    (date(2025, 5, 1), date(2025, 5, 5)),  # 劳动节
    (date(2025, 5, 31), date(2025, 6, 2)),  # 端午节
    (date(2025, 10, 1), date(2025, 10, 8)),  # 国庆节、中秋节
]
WORKING_WEEKENDS_2025 = [
    date(2025, 1, 26),
    date(2025, 2, 8),
    date(2025, 4, 27),
    date(2025, 9, 28),
    date(2025, 10, 11),
]


@pytest.mark.parametrize(
    "day", [d for first, last in HOLIDAYS_2025 for d in _days(first, last)], ids=str
)
def test_2025_holidays_are_rest_days(day):
    assert CAL.is_working_day(day) == (False, None)


@pytest.mark.parametrize("day", WORKING_WEEKENDS_2025, ids=str)
def test_2025_working_weekends(day):
    assert day.weekday() >= 5
    assert CAL.is_working_day(day) == (True, None)


def test_working_sundays():
    for day in (date(2025, 1, 26), date(2026, 1, 4)):
        assert day.weekday() == 6
        assert CAL.is_working_day(day) == (True, None)


def test_2025_10_08_is_holiday():
    assert CAL.is_working_day(date(2025, 10, 8)) == (False, None)


def test_ordinary_days():
    assert CAL.is_working_day(date(2025, 3, 3)) == (True, None)  # Monday
    assert CAL.is_working_day(date(2025, 3, 8)) == (False, None)  # Saturday


# -- worked scenarios from the legal specification -----------------------------


def test_registration_preservation_7_working_days():
    assert CAL.add_working_days(date(2025, 3, 3), 7) == DueDate(date(2025, 3, 12), ())


def test_case_handling_90_calendar_days_rolls_over_qingming():
    # Day 90 is Sunday 2025-04-06, a Qingming holiday -> next working day.
    assert date(2025, 1, 6) + timedelta(days=90) == date(2025, 4, 6)
    assert CAL.add_calendar_days(date(2025, 1, 6), 90) == DueDate(date(2025, 4, 7), ())


def test_real_name_report_5_working_days():
    assert CAL.add_working_days(date(2025, 3, 12), 5).due_on == date(2025, 3, 19)


def test_penalty_decision_7_working_days():
    assert CAL.add_working_days(date(2025, 6, 9), 7).due_on == date(2025, 6, 18)


def test_decision_served_15_days_and_6_months():
    assert CAL.add_calendar_days(date(2025, 3, 3), 15) == DueDate(date(2025, 3, 18), ())
    assert CAL.add_months(date(2025, 3, 3), 6) == DueDate(date(2025, 9, 3), ())


def test_sealing_30_calendar_days():
    assert CAL.add_calendar_days(date(2025, 6, 9), 30).due_on == date(2025, 7, 9)


def test_public_notice_30_calendar_days():
    assert CAL.add_calendar_days(date(2025, 7, 1), 30).due_on == date(2025, 7, 31)


# -- counting rules --------------------------------------------------------------


def test_working_days_skip_national_day_holiday():
    # Thu 2025-09-25 + 3 WD: Fri 26, Sun 28 (working), Mon 29.
    assert CAL.add_working_days(date(2025, 9, 25), 3).due_on == date(2025, 9, 29)
    # Tue 2025-09-30 + 1 WD: Oct 1-8 holiday -> Thu Oct 9.
    assert CAL.add_working_days(date(2025, 9, 30), 1).due_on == date(2025, 10, 9)


def test_zero_working_days_returns_start_without_roll():
    saturday = date(2025, 3, 8)
    assert CAL.add_working_days(saturday, 0) == DueDate(saturday, ())


def test_calendar_days_roll_over_weekend():
    # Fri 2025-03-07 + 1 = Sat 8 -> Mon 10.
    assert CAL.add_calendar_days(date(2025, 3, 7), 1).due_on == date(2025, 3, 10)


def test_months_without_corresponding_day_use_month_end():
    # Jan 31 + 1 month -> Fri 2025-02-28 (working day).
    assert CAL.add_months(date(2025, 1, 31), 1).due_on == date(2025, 2, 28)
    # 2024 is a leap year: Thu 2024-02-29.
    assert CAL.add_months(date(2024, 1, 31), 1).due_on == date(2024, 2, 29)
    # Across a year end: 2025-08-31 + 6 months -> 2026-02-28 (Saturday; 2026
    # Spring Festival holiday runs to Mon 2026-02-23, 28 Feb is a make-up
    # working Saturday).
    assert CAL.add_months(date(2025, 8, 31), 6).due_on == date(2026, 2, 28)


def test_months_roll_to_next_working_day():
    # 2025-04-01 + 6 months = 2025-10-01, National Day -> Thu 2025-10-09.
    assert CAL.add_months(date(2025, 4, 1), 6).due_on == date(2025, 10, 9)


@pytest.mark.parametrize("method", ["add_working_days", "add_calendar_days", "add_months"])
def test_negative_periods_rejected(method):
    with pytest.raises(ValueError):
        getattr(CAL, method)(date(2025, 3, 3), -1)


def test_working_days_between():
    assert CAL.working_days_between(date(2025, 3, 3), date(2025, 3, 12)) == (7, ())
    assert CAL.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == (1, ())
    assert CAL.working_days_between(date(2025, 3, 12), date(2025, 3, 12)) == (0, ())
    assert CAL.working_days_between(date(2025, 3, 12), date(2025, 3, 3)) == (0, ())


# -- years the package does not know --------------------------------------------

WARNING_2027 = (
    "2027 年的法定节假日安排尚未录入，按周一至周五推算，"
    "请管理员录入国务院公布的当年放假安排后复核"
)


def test_warning_text():
    assert unknown_year_warning(2027) == WARNING_2027


def test_unknown_year_falls_back_to_weekdays_with_warning():
    assert not CAL.known(date(2027, 1, 1))
    assert CAL.is_working_day(date(2027, 1, 1)) == (True, WARNING_2027)  # Friday
    assert CAL.is_working_day(date(2027, 1, 2)) == (False, WARNING_2027)  # Saturday


def test_deadline_into_unknown_year_warns_once():
    # Thu 2026-12-31 + 5 WD -> 2027-01-07 under the Mon-Fri fallback.
    result = CAL.add_working_days(date(2026, 12, 31), 5)
    assert result == DueDate(date(2027, 1, 7), (WARNING_2027,))
    count, warnings = CAL.working_days_between(date(2026, 12, 31), date(2027, 1, 7))
    assert (count, warnings) == (5, (WARNING_2027,))
    assert CAL.add_calendar_days(date(2026, 12, 1), 31).warnings == (WARNING_2027,)
    assert CAL.add_months(date(2026, 12, 1), 1).warnings == (WARNING_2027,)


def test_deadline_within_known_year_has_no_warning_even_near_year_end():
    assert CAL.add_working_days(date(2026, 12, 24), 5).warnings == ()


def test_overrides_make_year_known_and_take_precedence():
    cal = WorkingCalendar(overrides={date(2027, 1, 1): False})
    assert cal.known(date(2027, 6, 1))
    assert cal.is_working_day(date(2027, 1, 1)) == (False, None)
    assert cal.is_working_day(date(2027, 1, 4)) == (True, None)
    # Thu 2026-12-31 + 1 WD: Fri 2027-01-01 is a rest day -> Mon 2027-01-04.
    assert cal.add_working_days(date(2026, 12, 31), 1) == DueDate(date(2027, 1, 4), ())


def test_overrides_beat_the_package():
    # Pretend an adjustment was published after the package release.
    cal = WorkingCalendar(overrides={date(2025, 3, 3): False, date(2025, 3, 8): True})
    assert cal.is_working_day(date(2025, 3, 3)) == (False, None)
    assert cal.is_working_day(date(2025, 3, 8)) == (True, None)


def test_extra_known_years():
    cal = WorkingCalendar(extra_known_years=[2027])
    assert cal.known(date(2027, 5, 1))
    assert cal.is_working_day(date(2027, 5, 3)) == (True, None)
    assert not cal.known(date(2028, 1, 3))


# -- properties -----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_add_working_days_lands_on_working_day_and_round_trips(start, n):
    result = CAL.add_working_days(start, n)
    assert result.due_on > start
    assert CAL.is_working_day(result.due_on)[0]
    count, warnings = CAL.working_days_between(start, result.due_on)
    assert count == n
    assert warnings == result.warnings


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=0, max_value=120),
)
def test_add_calendar_days_is_first_working_day_on_or_after_target(start, n):
    due = CAL.add_calendar_days(start, n).due_on
    target = start + timedelta(days=n)
    assert due >= target
    assert CAL.is_working_day(due)[0]
    assert all(not CAL.is_working_day(d)[0] for d in _days(target, due - timedelta(days=1)))
