"""The Chinese web UI: server-rendered pages, all assets served locally (no CDN on a government intranet).

Modules: views (login, to-do, navigation), cases (lists, the case page, actions, approval forms),
intake (clues, on-site cases, parties), admin (organisations, users, calendar). Views are thin: they
read the form, call a service (which owns the transaction and the audit event) and render plain data
built by `presenters`.
"""
from flask import Blueprint

web_bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                   static_url_path="/assets")  # the app itself owns /static

from caseflow.web import admin, archive, cases, documents, evidence, intake, records, search, views  # noqa: E402,F401
