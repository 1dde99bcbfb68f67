"""超期预警 over the API: the overdue and due-soon deadlines of the user's cases, unit or organisation."""
from caseflow.api import api_bp
from caseflow.api.auth import current_actor
from caseflow.api.common import load_query
from caseflow.deadlines.schemas import WarningArgsSchema, WarningSchema
from caseflow.deadlines.warnings import warnings


@api_bp.get("/deadlines/warnings")
def deadline_warnings():
    args = load_query(WarningArgsSchema())
    rows = warnings(current_actor(), args["scope"])
    return {"scope": args["scope"], "items": WarningSchema(many=True).dump(rows)}
