"""Clues: registration (which opens the case) and the list of clues of the cases a user may see.

No clue payload names the reporter; users allowed to see the reporter are told whether there is one.
"""
from sqlalchemy import select

from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import created, load_json, load_query, page_payload, paginate
from caseflow.schemas import PageArgsSchema
from caseflow.cases import services as cases
from caseflow.cases.access import can_see_reporter, visible_cases_filter
from caseflow.cases.models import Case
from caseflow.clues.models import Clue, ReporterIdentity
from caseflow.clues.schemas import ClueInputSchema, ClueSchema, ClueView
from caseflow.extensions import db


def _clues_visible_to(user):
    return select(Clue, Case).join(Case, Case.clue_id == Clue.id).where(visible_cases_filter(user)) \
        .order_by(Clue.received_on.desc(), Clue.id.desc())


def _with_reporter(clue_ids) -> set[int]:
    if not clue_ids:
        return set()
    return set(db.session.execute(
        select(ReporterIdentity.clue_id).where(ReporterIdentity.clue_id.in_(clue_ids))).scalars())


def _views(user, rows) -> list[ClueView]:
    known = _with_reporter([clue.id for clue, _ in rows])
    return [ClueView(clue, case, (clue.id in known) if can_see_reporter(user, case) else None)
            for clue, case in rows]


@api_bp.get("/clues")
def list_clues():
    args = load_query(PageArgsSchema())
    user = current_actor()
    page = paginate(_clues_visible_to(user), args["page"], args["per_page"])
    return page_payload(page, ClueSchema(many=True).dump(_views(user, page.items)))


@api_bp.post("/clues")
def register_clue():
    data = load_json(ClueInputSchema(), "线索登记")
    user = current_actor()
    case = cases.register_clue(user, **data)
    view = _views(user, [(case.clue, case)])[0]
    return created(ClueSchema().dump(view), location=f"/api/v1/cases/{case.id}")
