"""Read-only look-ups the pages need (choices of selects, a case's deadlines and audit trail).

Nothing here writes: every change goes through a service.
"""
from sqlalchemy import select

from caseflow.audit.models import AuditEvent
from caseflow.auth.models import Organisation, User
from caseflow.auth.roles import ADMIN, OFFICER
from caseflow.cases.access import organisation_scope
from caseflow.deadlines.models import CalendarDay, Deadline
from caseflow.extensions import db
from caseflow.parties.models import Party


def organisation_users(organisation_ids, role: str | None = None, active_only: bool = True) -> list[User]:
    """Users of the given organisations, by name; with `role`, only those holding it."""
    stmt = select(User).where(User.organisation_id.in_(list(organisation_ids)))
    if active_only:
        stmt = stmt.where(User.active.is_(True))
    users = db.session.execute(stmt.order_by(User.organisation_id, User.id)).scalars()
    return [u for u in users if (role is None and u.roles != {ADMIN}) or (role is not None and u.has_role(role))]


def officers_in_scope(user) -> list[User]:
    """Officers whose cases `user` may see (the choices of the case-list officer filter)."""
    return organisation_users(organisation_scope(user), OFFICER, active_only=False)


def parties_of(organisation_id: int) -> list[Party]:
    return list(db.session.execute(
        select(Party).where(Party.organisation_id == organisation_id).order_by(Party.name)).scalars())


def users_by_id(ids) -> dict[int, User]:
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return {}
    return {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}


def case_deadlines(case_id: int) -> list[Deadline]:
    return list(db.session.execute(
        select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)).scalars())


def case_audit_events(case_id: int) -> list[AuditEvent]:
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)).scalars())


def organisations() -> list[Organisation]:
    return list(db.session.execute(select(Organisation).order_by(Organisation.id)).scalars())


def all_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.organisation_id, User.id)).scalars())


def calendar_days() -> list[CalendarDay]:
    return list(db.session.execute(select(CalendarDay).order_by(CalendarDay.day.desc())).scalars())
