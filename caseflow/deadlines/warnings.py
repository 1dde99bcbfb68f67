"""超期预警: which open deadlines are overdue or due soon, for a user, their unit or their organisation,
most urgent first; and the daily sweep that records each new warning in the audit trail."""
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from caseflow.cases.access import organisation_scope
from caseflow.cases.models import Case, CaseOfficer
from caseflow.deadlines.models import Deadline
from caseflow.deadlines.services import effective_status, working_calendar
from caseflow.extensions import db

SCOPES = {"mine": "我承办的案件", "unit": "本单位", "organisation": "本单位及下级单位"}
LEVELS = {"overdue": "已超期", "due_soon": "临期"}


@dataclass
class Warning:
    deadline: Deadline
    case: Case
    level: str              # overdue | due_soon
    days_left: int          # calendar days; negative when overdue
    working_days_left: int  # working days until the due date (0 when due today or overdue)

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]


def due_soon_days() -> int:
    return int(current_app.config.get("DUE_SOON_WORKING_DAYS", 3))


def classify(deadline: Deadline, today: date, calendar, soon: int) -> tuple[str | None, int]:
    """The warning level of one deadline on `today` (None: nothing to warn about) and its working days left."""
    status = effective_status(deadline, today)
    if status == "overdue":
        return "overdue", 0
    if status != "open":
        return None, 0
    left, _ = calendar.working_days_between(today, deadline.due_on)
    return ("due_soon" if left <= soon else None), left


def _open_deadlines(case_filter):
    stmt = (select(Deadline, Case).join(Case, Deadline.case_id == Case.id)
            .where(Deadline.status.in_(("open", "overdue")), case_filter)
            .options(selectinload(Deadline.exclusions)))
    return db.session.execute(stmt).all()


def scope_filter(user, scope: str):
    if scope == "mine":
        # assigned to the user, or a clue the user registered that has no officers yet
        mine = select(CaseOfficer.case_id).where(CaseOfficer.user_id == user.id, CaseOfficer.active.is_(True))
        return or_(Case.id.in_(mine), and_(Case.created_by_id == user.id, ~Case.officers.any()))
    if scope == "unit":
        return Case.organisation_id == user.organisation_id
    if scope == "organisation":
        return Case.organisation_id.in_(organisation_scope(user))
    raise ValueError(scope)


def warnings(user, scope: str = "mine", today: date | None = None, soon: int | None = None) -> list[Warning]:
    """Overdue deadlines first (longest overdue first), then those due soon (soonest first)."""
    from caseflow.cases.access import visible_cases_filter
    from caseflow.timeutil import today as local_today
    today = today or local_today()
    soon = due_soon_days() if soon is None else soon
    calendar = working_calendar()
    result = []
    for deadline, case in _open_deadlines(scope_filter(user, scope) & visible_cases_filter(user)):
        level, left = classify(deadline, today, calendar, soon)
        if level:
            result.append(Warning(deadline, case, level, (deadline.due_on - today).days, left))
    result.sort(key=lambda w: (w.level != "overdue", w.days_left, w.case.id))
    return result


def sweep(today: date, progress=None) -> dict:
    """Record each deadline that newly became due soon or overdue: its warning level on the deadline, 'overdue'
    as its status, and one audit event on its case (so the warning reaches the case's timeline and the task
    lists of those handling it). Runs in the caller's transaction."""
    from caseflow.audit import services as audit
    soon, calendar = due_soon_days(), working_calendar()
    counts = {"due_soon": 0, "overdue": 0, "checked": 0}
    for deadline, case in _open_deadlines(Case.id.isnot(None)):
        counts["checked"] += 1
        if progress:
            progress(1)
        level, left = classify(deadline, today, calendar, soon)
        if level is None or level == deadline.warning_level:
            continue
        deadline.warning_level, deadline.warned_on = level, today
        if level == "overdue":
            deadline.status = "overdue"
            summary = f"超期预警：「{deadline.kind}」已于 {deadline.due_on.isoformat()} 届满（{deadline.legal_basis}）"
        else:
            summary = f"临期预警：「{deadline.kind}」将于 {deadline.due_on.isoformat()} 届满，剩余 {left} 个工作日"
        audit.record(f"DEADLINE_{level.upper()}", summary, case=case,
                     after={"deadline_id": deadline.id, "code": deadline.code, "due_on": deadline.due_on.isoformat(),
                            "level": level})
        counts[level] += 1
    return counts


def count_open() -> int:
    from sqlalchemy import func
    return db.session.execute(select(func.count(Deadline.id)).where(Deadline.status.in_(("open", "overdue")))).scalar_one()
