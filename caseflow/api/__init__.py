"""The JSON API, /api/v1: thin views (load schema → service → dump schema).

Every request is authenticated (caseflow.api.auth) except POST /tokens; errors are JSON
{"error": code, "message": "中文说明", "details": {...}} (caseflow.web.errors). See docs/api.md.
"""
from flask import Blueprint

api_bp = Blueprint("api", __name__)

from caseflow.api import archive, audit, auth, cases, clues, common, deadlines, documents  # noqa: E402,F401
from caseflow.api import evidence, parties, records, rules, search  # noqa: E402,F401
