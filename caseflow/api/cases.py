"""Cases: the filtered list, the full case, the reporter (audited), and the workflow's transitions."""
from sqlalchemy import select

from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import load_json, load_query, page_payload
from caseflow.cases import services as cases
from caseflow.cases.access import can_see_reporter
from caseflow.cases.queries import CaseFilters, list_cases
from caseflow.cases.schemas import (CaseDetailSchema, CaseFiltersSchema, CaseListItemSchema,
                                    FireTransitionSchema, TransitionOptionSchema)
from caseflow.clues.models import ReporterIdentity
from caseflow.clues.schemas import ReporterSchema
from caseflow.deadlines.models import Deadline
from caseflow.errors import NotFound
from caseflow.extensions import db
from caseflow.timeutil import today
from caseflow.workflow import engine


def case_payload(case, user) -> dict:
    deadlines = db.session.execute(select(Deadline).where(Deadline.case_id == case.id)
                                   .order_by(Deadline.id)).scalars().all()
    has_reporter = None
    if can_see_reporter(user, case) and case.clue_id is not None:
        has_reporter = db.session.execute(select(ReporterIdentity.id).where(
            ReporterIdentity.clue_id == case.clue_id)).first() is not None
    schema = CaseDetailSchema(viewer=user, today=today(), deadlines=deadlines, has_reporter=has_reporter)
    return schema.dump(case)


@api_bp.get("/cases")
def list_cases_view():
    args = load_query(CaseFiltersSchema())
    page_no, per_page = args.pop("page"), args.pop("per_page")
    page = list_cases(current_actor(), CaseFilters(**args), page_no, per_page)
    return page_payload(page, CaseListItemSchema(many=True).dump(page.items))


@api_bp.get("/cases/<int:case_id>")
def get_case(case_id):
    user = current_actor()
    return case_payload(cases.get_case(user, case_id), user)


@api_bp.get("/cases/<int:case_id>/reporter")
def get_reporter(case_id):
    """The reporter's identity, for the heads of the handling organisation and the assigned officers
    only; every view is audited (REPORTER_VIEWED)."""
    reporter = cases.view_reporter(current_actor(), case_id)
    if reporter is None:
        raise NotFound("本案线索没有登记举报人")
    return ReporterSchema().dump(reporter)


@api_bp.get("/cases/<int:case_id>/transitions")
def list_transitions(case_id):
    user = current_actor()
    case = cases.get_case(user, case_id)
    options = engine.available(case, user)
    schema = TransitionOptionSchema(definition=engine.definition_for(case), many=True)
    return {"case_id": case.id, "state": case.state, "version": case.version,
            "transitions": schema.dump(options)}


@api_bp.post("/cases/<int:case_id>/transitions")
def fire_transition(case_id):
    """Fire a transition: 200 with the updated case; the engine audits it in the same transaction."""
    body = load_json(FireTransitionSchema(), "操作请求")
    user = current_actor()
    case = engine.fire(case_id, body["trigger"], body["version"], body["data"] or {}, user)
    return case_payload(case, user)
