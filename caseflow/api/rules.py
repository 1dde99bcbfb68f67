"""The rules services over HTTP: penalty assessment and statutory time limits (the same services as
`flask caseflow assess` and `flask caseflow timelimit`, so both give identical answers)."""
from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import json_body
from caseflow.deadlines.services import working_calendar
from caseflow.rules.assessment import assess
from caseflow.rules.timelimits import compute


@api_bp.post("/assessments")
def create_assessment():
    current_actor()
    return assess(json_body())


@api_bp.post("/timelimits")
def create_timelimit():
    current_actor()
    return compute(json_body(), working_calendar())
