"""Caseflow — 医保基金监管行政执法案件管理系统."""
import re
import uuid
from pathlib import Path

from flask import Flask, g, request

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def create_app(config=None) -> Flask:
    """Build the app: settings → extensions → blueprints → CLI → error handlers → workflow definitions.

    `config` is a mapping that overrides the settings read from CASEFLOW_* environment variables.
    A workflow definition that does not validate stops the app here, with a message naming the problem.
    """
    from caseflow.config import load_settings
    from caseflow.extensions import babel, csrf, db, login_manager, migrate

    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_settings(config))
    app.json.ensure_ascii = False  # Chinese stays readable in API responses

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_project_path("migrations")))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "zh_Hans_CN")

    _load_models()
    from caseflow.auth.services import load_user
    login_manager.user_loader(load_user)
    login_manager.login_view = "web.login"
    login_manager.login_message = "请先登录"

    from caseflow.api import api_bp
    from caseflow.web import web_bp
    app.register_blueprint(web_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # the API authenticates by token or same-site session; forms carry CSRF tokens

    from caseflow.cli import register_cli
    register_cli(app)

    from caseflow.web.errors import register_error_handlers
    register_error_handlers(app)

    @app.before_request
    def _request_id():
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex

    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

    if app.config.get("SQLALCHEMY_DATABASE_URI", "").startswith("sqlite"):
        _sqlite_pragmas(app)

    from caseflow.workflow import wiring  # noqa: F401  (fill the guard and effect registries)
    from caseflow.workflow.definitions import load_definitions
    app.extensions["caseflow_workflows"] = load_definitions(app.config["WORKFLOWS_DIR"])
    from caseflow.rules.catalogue import validate_all
    validate_all()  # a bad rules entry stops the app here, naming the entry
    from caseflow.documents.catalogue import load_catalogue
    from caseflow.documents.rendering import check_harfbuzz
    from caseflow.workflow.definitions import check_document_wiring
    app.extensions["caseflow_documents"] = load_catalogue(Path(app.config["DOCUMENT_TEMPLATES_DIR"]))
    check_document_wiring(app.extensions["caseflow_workflows"], app.extensions["caseflow_documents"])
    check_harfbuzz()  # without HarfBuzz subsetting every render takes ~20 s: refuse to start, say how to fix
    return app



def _project_path(name):
    from caseflow.config import PROJECT_ROOT
    return PROJECT_ROOT / name


def _load_models():
    """Import every model module so the metadata (and Alembic) sees all tables."""
    from caseflow.archive import access_log as _al, borrowing as _ab, models as _ar  # noqa: F401
    from caseflow.audit import models as _a  # noqa: F401
    from caseflow.auth import models as _u  # noqa: F401
    from caseflow.cases import models as _c  # noqa: F401
    from caseflow.clues import models as _l  # noqa: F401
    from caseflow.deadlines import models as _d  # noqa: F401
    from caseflow.documents import models as _o  # noqa: F401
    from caseflow.evidence import models as _e  # noqa: F401
    from caseflow.parties import models as _p  # noqa: F401
    from caseflow.records import models as _rec  # noqa: F401
    from caseflow.rules import models as _r  # noqa: F401
    from caseflow.search import models as _s  # noqa: F401


def _sqlite_pragmas(app):
    from sqlalchemy import event

    from caseflow.extensions import db

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            for pragma in app.config.get("SQLITE_EXTRA_PRAGMAS", ()):  # tests: synchronous=OFF on throwaway files
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()
