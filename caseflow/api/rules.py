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


@api_bp.get("/profiles")
def list_profiles():
    """Every jurisdiction profile in force: shipped, added or replaced by an administrator."""
    from caseflow.rules.profiles import profiles, shipped_profiles, stored_profiles
    current_actor()
    stored = stored_profiles()
    return {"items": [{"code": code, "name": profile.name, "level": profile.level,
                       "source": "admin" if code in stored else "shipped",
                       "replaces_shipped": code in stored and code in shipped_profiles()}
                      for code, profile in profiles().items()]}


@api_bp.put("/profiles/<code>")
def put_profile(code):
    """Add or replace a profile (administrators); the body is the profile, validated field by field."""
    from caseflow.rules.services import save_profile
    data = {**json_body(), "code": code}
    save_profile(current_actor(), data)
    return {"code": code, "saved": True}
