"""Reads on cases: filtered, paginated lists for a user, the to-do list, and a case's timeline."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from caseflow.cases.access import visible_cases_filter
from caseflow.cases.models import Case, CaseOfficer
from caseflow.extensions import db
from caseflow.parties.models import Party

MAX_PAGE_SIZE = 100


@dataclass
class CaseFilters:
    state: str | None = None
    workflow: str | None = None
    officer_id: int | None = None
    party: str | None = None          # party name or credit code, substring
    number: str | None = None         # case number or title, substring
    received_from: date | None = None  # case created (clue received) on or after
    received_to: date | None = None
    filed_from: date | None = None
    filed_to: date | None = None


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_cases(user, filters: CaseFilters, page: int = 1, per_page: int = 20) -> Page:
    """The cases `user` may see, newest first, filtered and paginated."""
    from caseflow.clues.models import Clue
    page, per_page = max(1, int(page)), max(1, min(int(per_page), MAX_PAGE_SIZE))
    stmt = select(Case).join(Party, Case.party_id == Party.id).outerjoin(Clue, Case.clue_id == Clue.id) \
        .where(visible_cases_filter(user))
    if filters.state:
        stmt = stmt.where(Case.state == filters.state)
    if filters.workflow:
        stmt = stmt.where(Case.workflow == filters.workflow)
    if filters.officer_id:
        stmt = stmt.where(Case.id.in_(select(CaseOfficer.case_id).where(CaseOfficer.user_id == filters.officer_id,
                                                                        CaseOfficer.active.is_(True))))
    if filters.party:
        like = f"%{filters.party.strip()}%"
        stmt = stmt.where(or_(Party.name.like(like), Party.credit_code.like(like)))
    if filters.number:
        like = f"%{filters.number.strip()}%"
        stmt = stmt.where(or_(Case.case_number.like(like), Case.title.like(like)))
    if filters.received_from:
        stmt = stmt.where(Clue.received_on >= filters.received_from)
    if filters.received_to:
        stmt = stmt.where(Clue.received_on <= filters.received_to)
    if filters.filed_from:
        stmt = stmt.where(Case.filed_on >= filters.filed_from)
    if filters.filed_to:
        stmt = stmt.where(Case.filed_on <= filters.filed_to)
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    stmt = stmt.options(selectinload(Case.party), selectinload(Case.clue),
                        selectinload(Case.officers).selectinload(CaseOfficer.user))
    items = db.session.execute(stmt.order_by(Case.id.desc()).limit(per_page).offset((page - 1) * per_page)).scalars()
    return Page(list(items), total, page, per_page)


def todo(user, today: date | None = None) -> list[dict]:
    """What `user` can act on now, and the 超期预警 of the cases they handle (heads: of their unit): every such
    case with its allowed actions, its warnings and its next due date; overdue and soonest first."""
    from caseflow.deadlines.models import Deadline
    from caseflow.deadlines.services import effective_status
    from caseflow.deadlines.warnings import warnings
    from caseflow.timeutil import today as local_today
    from caseflow.workflow.engine import available
    from caseflow.auth.roles import HEAD
    warned: dict[int, list] = {}
    for warning in warnings(user, "unit" if user.has_role(HEAD) else "mine", today):
        warned.setdefault(warning.case.id, []).append(warning)
    stmt = select(Case).where(visible_cases_filter(user), Case.organisation_id == user.organisation_id)
    rows = []
    for case in db.session.execute(stmt.order_by(Case.id)).scalars():
        actions = [a for a in available(case, user, today) if a["allowed"] and not a["transition"].standing]
        if not actions and case.id not in warned:
            continue
        open_deadlines = [d for d in db.session.execute(
            select(Deadline).where(Deadline.case_id == case.id, Deadline.status.in_(("open", "overdue")))).scalars()
            if effective_status(d, today or local_today()) != "paused"]
        next_due = min((d.due_on for d in open_deadlines), default=None)
        rows.append({"case": case, "actions": actions, "warnings": warned.get(case.id, []), "next_due": next_due})
    rows.sort(key=lambda r: (not any(w.level == "overdue" for w in r["warnings"]), r["next_due"] is None,
                             r["next_due"] or date.max, r["case"].id))
    return rows
