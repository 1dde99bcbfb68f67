"""Scheduling, meeting, extending and pausing statutory deadlines (spec §4), on the working-day calendar.

Helpers here join the caller's transaction; they never commit.
"""
from datetime import date, timedelta

from sqlalchemy import select

from caseflow.deadlines.calendar import WorkingCalendar
from caseflow.deadlines.models import CalendarDay, Deadline, DeadlineExclusion, DeadlineExtension
from caseflow.extensions import db
from caseflow.rules.time_limits import time_limits


def working_calendar() -> WorkingCalendar:
    """The calendar with the admin-entered days (years the package does not know yet)."""
    overrides = {row.day: row.is_working_day for row in db.session.execute(select(CalendarDay)).scalars()}
    return WorkingCalendar(overrides=overrides)


def _compute_due(cal: WorkingCalendar, deadline: Deadline):
    """The due date from the time-limit service (caseflow.rules.timelimits), the one computation behind the
    CLI, the API and every case: the period, its approved extensions and its closed excluded periods. Codes
    the service does not cover (e.g. T16, T24, T30) are counted here the same way."""
    from caseflow.rules.timelimits import compute, kind_for_code
    kind = kind_for_code(deadline.code)
    if kind == "court_application_earliest":
        kind = None  # that kind answers the first day to apply; the case's T20 is the reminder period's last day
    # an exclusion runs from the day it began to the day the period ran again (end_on): the excluded
    # days are start_on … end_on - 1 (a same-day pause and resumption excludes nothing)
    closed = [[e.start_on.isoformat(), (e.end_on - timedelta(days=1)).isoformat()]
              for e in deadline.exclusions if e.end_on and e.end_on > e.start_on]
    if kind is not None:
        payload = {"kind": kind, "start": deadline.start_on.isoformat()}
        if kind == "decision":
            payload.update(extensions=[e.days for e in deadline.extensions], excluded=closed)
        elif kind in ("clue_verification", "legal_review"):
            payload["extended"] = bool(deadline.extensions)
        elif kind == "statement":
            payload["profile"] = _profile_of(deadline.case_id)
        if kind == "decision" or not closed:
            result = compute(payload, cal)
            return date.fromisoformat(result["due"]), "；".join(result.get("warnings", ())) or None
    total = deadline.days + sum(e.days for e in deadline.extensions)
    excluded = sum(((e.end_on - e.start_on).days for e in deadline.exclusions if e.end_on), 0)
    if deadline.unit == "working":
        due = cal.add_working_days(deadline.start_on, total)
        if excluded:
            due = cal.add_calendar_days(due.due_on, excluded)
    elif deadline.unit == "months":
        due = cal.add_months(deadline.start_on, total)
    else:
        due = cal.add_calendar_days(deadline.start_on, total + excluded)
    return due.due_on, "；".join(due.warnings) or None


def _profile_of(case_id: int) -> str:
    from caseflow.cases.models import Case
    case = db.session.get(Case, case_id)
    return case.organisation.rules_profile if case is not None else "national"


def schedule(case, code: str, start_on: date) -> Deadline:
    """Open deadline `code` on `case`, counted from `start_on` (an earlier open one of the code is replaced)."""
    limit = time_limits()[code]
    for old in find(case, code):
        if old.status == "open":
            old.status, old.waived_reason = "waived", "已被新的同类期限取代"
    deadline = Deadline(case_id=case.id, code=code, kind=limit.kind, legal_basis=limit.citation,
                        start_on=start_on, days=limit.days, unit=limit.unit, due_on=start_on)
    db.session.add(deadline)
    deadline.due_on, deadline.calendar_warning = _compute_due(working_calendar(), deadline)
    db.session.flush()
    return deadline


def find(case, code: str) -> list[Deadline]:
    return list(db.session.execute(
        select(Deadline).where(Deadline.case_id == case.id, Deadline.code == code).order_by(Deadline.id)).scalars())


def current(case, code: str) -> Deadline | None:
    rows = [d for d in find(case, code) if d.status in ("open", "met", "overdue")]
    return rows[-1] if rows else None


def meet(case, code: str, on: date) -> None:
    for deadline in find(case, code):
        if deadline.status in ("open", "overdue"):
            deadline.status, deadline.met_on = "met", on


def waive(case, code: str, reason: str) -> None:
    for deadline in find(case, code):
        if deadline.status in ("open", "overdue"):
            deadline.status, deadline.waived_reason = "waived", reason


def extend(case, code: str, days: int, kind: str, approval, reason: str) -> DeadlineExtension:
    deadline = current(case, code)
    if deadline is None:
        raise LookupError(code)
    ext = DeadlineExtension(deadline_id=deadline.id, kind=kind, days=days, approval_id=approval.id,
                            previous_due_on=deadline.due_on, new_due_on=deadline.due_on, reason=reason)
    deadline.extensions.append(ext)
    deadline.due_on, deadline.calendar_warning = _compute_due(working_calendar(), deadline)
    ext.new_due_on = deadline.due_on
    return ext


def pause(case, code: str, on: date, reason: str) -> None:
    """Start an excluded period (e.g. suspension, hearing) on the open deadline `code`."""
    deadline = current(case, code)
    if deadline is not None and deadline.status == "open":
        deadline.exclusions.append(DeadlineExclusion(start_on=on, reason=reason))


def resume(case, code: str, on: date) -> None:
    deadline = current(case, code)
    if deadline is None:
        return
    for exclusion in deadline.exclusions:
        if exclusion.end_on is None:
            exclusion.end_on = max(on, exclusion.start_on)
    deadline.due_on, deadline.calendar_warning = _compute_due(working_calendar(), deadline)


def effective_status(deadline: Deadline, today: date) -> str:
    """'paused' while an excluded period is open; 'overdue' once an open deadline's day has passed."""
    if deadline.status == "open":
        if any(e.end_on is None for e in deadline.exclusions):
            return "paused"
        if today > deadline.due_on:
            return "overdue"
    return deadline.status


def days_left(deadline: Deadline, today: date) -> int:
    return (deadline.due_on - today).days


def set_calendar_day(actor, day: date, is_working_day: bool, note: str) -> CalendarDay:
    """An admin records one day of the official schedule (e.g. next year's, once the State Council publishes it)."""
    from caseflow.audit import services as audit
    from caseflow.auth.roles import ADMIN
    from caseflow.db import unit_of_work
    from caseflow.errors import Forbidden, ValidationFailed

    @unit_of_work
    def run():
        if actor is None or not actor.has_role(ADMIN):
            raise Forbidden("只有系统管理员可以维护节假日安排")
        if not note or not note.strip() or len(note) > 100:
            raise ValidationFailed("请填写说明（如“2027年春节调休上班”，不超过 100 字）", {"note": "必填"})
        row = db.session.execute(select(CalendarDay).where(CalendarDay.day == day)).scalar_one_or_none()
        before = None if row is None else {"is_working_day": row.is_working_day, "note": row.note}
        if row is None:
            row = CalendarDay(day=day, is_working_day=is_working_day, note=note.strip(), entered_by_id=actor.id)
            db.session.add(row)
        else:
            row.is_working_day, row.note, row.entered_by_id = is_working_day, note.strip(), actor.id
        db.session.flush()
        audit.record("CALENDAR_DAY_SET", f"录入 {day.isoformat()} 为{'工作日' if is_working_day else '休息日'}：{note}",
                     actor=actor, before=before, after={"day": day.isoformat(), "is_working_day": is_working_day})
        _recount_open_deadlines(actor)
        return row
    return run()


def _recount_open_deadlines(actor) -> None:
    """Recount every open deadline on the calendar as it now stands, so a day the administrator entered is
    used (and its 'year not entered' warning dropped) for deadlines already running, not only for new ones.
    Each changed due date is audited on its case."""
    from caseflow.audit import services as audit
    from caseflow.cases.models import Case
    cal = working_calendar()
    for deadline in db.session.execute(select(Deadline).where(Deadline.status == "open")
                                       .order_by(Deadline.id)).scalars().all():
        due_on, warning = _compute_due(cal, deadline)
        if (due_on, warning) == (deadline.due_on, deadline.calendar_warning):
            continue
        before = {"due_on": deadline.due_on.isoformat(), "calendar_warning": deadline.calendar_warning}
        deadline.due_on, deadline.calendar_warning = due_on, warning
        audit.record("DEADLINE_RECALCULATED",
                     f"按新录入的节假日安排，期限「{deadline.kind}」由 {before['due_on']} 调整为 {due_on.isoformat()}",
                     actor=actor, case=db.session.get(Case, deadline.case_id), before=before,
                     after={"deadline_id": deadline.id, "due_on": due_on.isoformat(), "calendar_warning": warning})
