"""Login and logout, the to-do page, the navigation bar, and what every page shares.

Every page requires a logged-in user except the login page itself (checked once, here, for the whole
blueprint). POSTs carry a CSRF token (Flask-WTF's CSRFProtect, enabled in create_app).
"""
import functools

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from caseflow.auth import services as auth
from caseflow.auth.roles import ADMIN, ARCHIVIST, HEAD, LEGAL_REVIEWER, OFFICER, PRINCIPAL_HEAD
from caseflow.cases import queries
from caseflow.errors import Forbidden, ValidationFailed
from caseflow.timeutil import today
from caseflow.web import web_bp
from caseflow.web.errors import error_response
from caseflow.web.forms import safe_next
from caseflow.web.presenters import role_labels, todo_rows

CASE_ROLES = (OFFICER, LEGAL_REVIEWER, HEAD, ARCHIVIST)
PUBLIC_ENDPOINTS = {"web.login", "web.static", "web.verify_lookup", "web.verify_document"}

# (endpoint, label, roles that see the link)
NAV_LINKS = (
    ("web.home", _l("我的待办"), CASE_ROLES),
    ("web.case_list", _l("案件列表"), CASE_ROLES),
    ("web.search", _l("检索"), CASE_ROLES),
    ("web.archive_list", _l("档案"), CASE_ROLES),
    ("web.new_clue", _l("登记线索"), (OFFICER,)),
    ("web.new_onsite", _l("现场案件"), (OFFICER,)),
    ("web.new_party", _l("登记当事人"), (OFFICER,)),
    ("web.deadline_warnings", _l("超期预警"), (OFFICER, HEAD, LEGAL_REVIEWER)),
    ("web.approvals", _l("审批事项"), (HEAD, PRINCIPAL_HEAD)),
    ("web.reviews", _l("法制审核"), (LEGAL_REVIEWER,)),
    ("web.onsite_forms", _l("当场决定书编号"), (HEAD,)),
    ("web.admin_organisations", _l("单位管理"), (ADMIN,)),
    ("web.admin_users", _l("用户管理"), (ADMIN,)),
    ("web.admin_calendar", _l("节假日安排"), (ADMIN,)),
)
NAV_GROUPS = {"web.case_detail": "web.case_list", "web.approval_form": "web.case_list",
              "web.document_detail": "web.case_list",
              **{e: "web.archive_list" for e in ("web.archive_record", "web.archive_access_log", "web.my_borrowing",
                                                 "web.borrow_queue")},
              "web.admin_organisation_new": "web.admin_organisations",
              "web.admin_organisation_edit": "web.admin_organisations",
              "web.admin_user_new": "web.admin_users", "web.admin_user_edit": "web.admin_users"}


def require_roles(*roles):
    """Refuse (403) a page to users holding none of `roles`."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.has_role(*roles):
                raise Forbidden(_("您没有访问该页面的权限"))
            return view(*args, **kwargs)
        return wrapper
    return decorate


@web_bp.before_request
def _require_login():
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


@web_bp.after_request
def _security_headers(response):
    """Scripts and styles only from this site; no framing; pages with case data are not cached."""
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "web.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@web_bp.app_errorhandler(CSRFError)
def _csrf_error(exc):
    return error_response(400, "csrf_failed", _("页面已过期或缺少安全令牌，请刷新页面后重新提交"))


@web_bp.app_context_processor
def _navigation():
    if not current_user or not current_user.is_authenticated:
        return {"nav": None}
    current = NAV_GROUPS.get(request.endpoint, request.endpoint) if request else None
    links = [{"endpoint": e, "url": url_for(e), "label": str(label), "active": e == current}
             for e, label, roles in NAV_LINKS if current_user.has_role(*roles)]
    return {"nav": {"name": current_user.name, "organisation": current_user.organisation.short_name,
                    "organisation_full": current_user.organisation.name,
                    "roles": role_labels(current_user.roles), "links": links}}


@web_bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("web.home"))
    username, message, status = "", None, 200
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        try:
            user = auth.authenticate(username, request.form.get("password") or "")
        except (ValidationFailed, Forbidden) as exc:
            message, status = exc.message, exc.status
        else:
            login_user(user)
            flash(_("欢迎，%(name)s", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("web.home"), 303)
    return render_template("login.html", username=username, message=message), status


@web_bp.post("/logout")
def logout():
    logout_user()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("web.login"), 303)


@web_bp.get("/")
def home():
    if not current_user.has_role(*CASE_ROLES):
        if current_user.has_role(ADMIN):
            return redirect(url_for("web.admin_users"))
        raise Forbidden(_("您的账号没有可办理案件的角色"))
    day = today()
    rows = todo_rows(queries.todo(current_user, day), day)
    return render_template("todo.html", rows=rows, today=day.isoformat())
