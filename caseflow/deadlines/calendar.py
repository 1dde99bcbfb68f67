"""Working-day calendar for statutory time limits.

Counting rules implemented here:

* 行政处罚法 第八十五条: the periods of "二日""三日""五日""七日" in that law are
  working days and do not include statutory holidays (``add_working_days``).
* 民事诉讼法 第八十五条 / 民法典 第二百零一条、第二百零三条: the day on which a
  period starts is not counted; if the last day of a period is a statutory
  holiday or rest day, the period ends on the first working day after it
  (``add_calendar_days``, ``add_months``).
* 民法典 第二百零二条: a period in months ends on the corresponding day of the
  final month, or on that month's last day if there is no corresponding day
  (``add_months``).

Which days are working days comes from the ``chinese_calendar`` package (the
State Council's yearly holiday schedules it ships), overridden by entries an
administrator recorded. For a year known to neither, Monday–Friday is assumed
and a Chinese warning is returned with the result — the calendar never guesses
silently. No Flask or database imports: callers pass overrides in.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

__all__ = ["DueDate", "WorkingCalendar", "unknown_year_warning"]

_ONE_DAY = timedelta(days=1)


def unknown_year_warning(year: int) -> str:
    """Warning shown when ``year``'s holiday schedule is unknown."""
    return (
        f"{year} 年的法定节假日安排尚未录入，按周一至周五推算，"
        "请管理员录入国务院公布的当年放假安排后复核"
    )


@dataclass(frozen=True)
class DueDate:
    """A computed deadline and the Chinese warnings that qualify it."""

    due_on: date
    warnings: tuple[str, ...] = ()


def _as_date(day: date) -> date:
    """Accept ``datetime`` too, but compare and store plain dates."""
    return day.date() if isinstance(day, datetime) else day


class _Warnings:
    """Collects warnings in order, without duplicates."""

    def __init__(self) -> None:
        self._seen: dict[str, None] = {}

    def add(self, warning: str | None) -> None:
        if warning:
            self._seen.setdefault(warning, None)

    def as_tuple(self) -> tuple[str, ...]:
        return tuple(self._seen)


class WorkingCalendar:
    """Answers "is this a working day?" and computes statutory deadlines.

    ``overrides`` maps a day to ``True`` (working day) or ``False`` (rest day);
    they take precedence over the package and are how an administrator enters
    a schedule the package does not know yet (e.g. the official 2027 one). A
    year with any override, or listed in ``extra_known_years``, counts as
    known: its days without an override follow the Monday–Friday rule with no
    warning, so the administrator only needs to enter holidays and make-up
    working weekends.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        extra_known_years: Iterable[int] = (),
    ) -> None:
        self._overrides = {
            _as_date(day): bool(working) for day, working in (overrides or {}).items()
        }
        self._admin_years = frozenset(extra_known_years) | {
            day.year for day in self._overrides
        }

    # -- single days -------------------------------------------------------

    def _package_answer(self, day: date) -> bool | None:
        """The package's answer, or None if it has no schedule for that year."""
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return None

    def known(self, day: date) -> bool:
        """Whether ``day``'s year has an official schedule (package or admin)."""
        day = _as_date(day)
        return day.year in self._admin_years or self._package_answer(day) is not None

    def is_working_day(self, day: date) -> tuple[bool, str | None]:
        """Return (is working day, warning or None)."""
        day = _as_date(day)
        if day in self._overrides:
            return self._overrides[day], None
        answer = self._package_answer(day)
        if answer is not None:
            return answer, None
        is_weekday = day.weekday() < 5
        if day.year in self._admin_years:
            return is_weekday, None
        return is_weekday, unknown_year_warning(day.year)

    def _roll_forward(self, day: date, warnings: _Warnings) -> date:
        """First working day on or after ``day`` (民事诉讼法 第八十五条、民法典 第二百零三条)."""
        while True:
            working, warning = self.is_working_day(day)
            warnings.add(warning)
            if working:
                return day
            day += _ONE_DAY

    # -- deadlines ---------------------------------------------------------

    def add_working_days(self, start: date, n: int) -> DueDate:
        """The n-th working day after ``start`` (行政处罚法 第八十五条).

        ``start`` itself is not counted. ``n == 0`` returns ``start`` unchanged.
        """
        _require_non_negative(n)
        day, warnings, counted = _as_date(start), _Warnings(), 0
        while counted < n:
            day += _ONE_DAY
            working, warning = self.is_working_day(day)
            warnings.add(warning)
            counted += working
        return DueDate(day, warnings.as_tuple())

    def add_calendar_days(self, start: date, n: int) -> DueDate:
        """``start + n`` days, moved to the next working day if that day is a
        holiday or rest day (民事诉讼法 第八十五条: start day not counted, a
        last day falling on a holiday moves to the first day after it)."""
        _require_non_negative(n)
        warnings = _Warnings()
        due = self._roll_forward(_as_date(start) + timedelta(days=n), warnings)
        return DueDate(due, warnings.as_tuple())

    def add_months(self, start: date, n: int) -> DueDate:
        """The corresponding day ``n`` months later, or that month's last day
        if it has none (民法典 第二百零二条), moved to the next working day if
        needed (民事诉讼法 第八十五条)."""
        _require_non_negative(n)
        start = _as_date(start)
        year, month_index = divmod(start.month - 1 + n, 12)
        year += start.year
        month = month_index + 1
        last_day = _stdlib_calendar.monthrange(year, month)[1]
        target = date(year, month, min(start.day, last_day))
        warnings = _Warnings()
        due = self._roll_forward(target, warnings)
        return DueDate(due, warnings.as_tuple())

    def working_days_between(self, start: date, end: date) -> tuple[int, tuple[str, ...]]:
        """Number of working days after ``start`` up to and including ``end``
        (0 if ``end <= start``), with warnings for unknown years."""
        day, end = _as_date(start), _as_date(end)
        warnings, count = _Warnings(), 0
        while day < end:
            day += _ONE_DAY
            working, warning = self.is_working_day(day)
            warnings.add(warning)
            count += working
        return count, warnings.as_tuple()


def _require_non_negative(n: int) -> None:
    if n < 0:
        raise ValueError("期限天数或月数不能为负数")
