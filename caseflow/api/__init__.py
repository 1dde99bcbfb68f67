"""The JSON API, /api/v1."""
from flask import Blueprint

api_bp = Blueprint("api", __name__)

from caseflow.api import views  # noqa: E402,F401
