"""Who may see and act on a case, and who may see a reporter's identity (spec §8)."""
from sqlalchemy import select

from caseflow.auth.models import Organisation
from caseflow.auth.roles import ARCHIVIST, HEAD, LEGAL_REVIEWER, OFFICER
from caseflow.extensions import db

ARCHIVE_STATES = ("closed", "archived")


def organisation_scope(user) -> set[int]:
    """The organisations whose cases `user` may see: their own, and for heads the ones below it."""
    scope = {user.organisation_id}
    if user.has_role(HEAD):
        frontier = {user.organisation_id}
        while frontier:
            children = set(db.session.execute(
                select(Organisation.id).where(Organisation.parent_id.in_(frontier))).scalars())
            frontier = children - scope
            scope |= children
    return scope


def can_view(user, case) -> bool:
    if not user or not user.is_active:
        return False
    if user.has_role(OFFICER, LEGAL_REVIEWER, HEAD) and case.organisation_id in organisation_scope(user):
        return True
    if user.has_role(ARCHIVIST) and case.organisation_id == user.organisation_id and case.state in ARCHIVE_STATES:
        return True
    return archive_material_basis(user, case) is not None  # a borrower sees the case they borrowed


def archive_material_basis(user, case, now=None):
    """Who may open the material of an archived case (documents, evidence files, the case file, exports):
    the organisation's archivists, and holders of an approved, unexpired borrowing grant (spec §3.13
    "storage and access follow archive rules"; §8 "log every access"; caseflow.archive.borrowing).
    Returns ("archivist", None), ("borrow", grant) or None (refused)."""
    if not user or not user.is_active or case.state != "archived":
        return None
    if user.has_role(ARCHIVIST) and case.organisation_id == user.organisation_id:
        return "archivist", None
    from caseflow.archive.borrowing import active_grant
    grant = active_grant(user.id, case.id, now)
    return ("borrow", grant) if grant is not None else None


def can_act_on(user, case) -> bool:
    """Acts (transitions) are taken only by users of the organisation that handles the case."""
    return bool(user and user.is_active and case.organisation_id == user.organisation_id)


def is_assigned(user, case) -> bool:
    return any(o.user_id == user.id and o.active for o in case.officers)


def can_see_reporter(user, case) -> bool:
    """Reporter identity: heads of the handling organisation and the case's assigned officers only
    (Order 735 Art. 35; 医保办发〔2022〕22号)."""
    if not user or not user.is_active or case.organisation_id != user.organisation_id:
        return False
    return user.has_role(HEAD) or (user.has_role(OFFICER) and is_assigned(user, case))


def visible_cases_filter(user):
    """A SQL condition selecting the cases `user` may see (for lists and search)."""
    from caseflow.cases.models import Case
    from sqlalchemy import and_, false, or_
    conditions = []
    if user.has_role(OFFICER, LEGAL_REVIEWER, HEAD):
        conditions.append(Case.organisation_id.in_(organisation_scope(user)))
    if user.has_role(ARCHIVIST):
        conditions.append(and_(Case.organisation_id == user.organisation_id, Case.state.in_(ARCHIVE_STATES)))
    return or_(*conditions) if conditions else false()
