"""Administration (role admin): organisations, users (deactivated, never deleted), the working calendar."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow.auth import services as auth
from caseflow.auth.models import ORG_LEVELS, Organisation, User
from caseflow.auth.roles import ADMIN, ALL_ROLES, ROLE_LABELS
from caseflow.deadlines import services as deadlines
from caseflow.documents.context import ORG_SETTINGS
from caseflow.errors import Conflict, NotFound, ValidationFailed
from caseflow.extensions import db
from caseflow.rules.profiles import DEFAULT_PROFILE, profiles
from caseflow.timeutil import now_local
from caseflow.web import lookups, web_bp
from caseflow.web.forms import FormReader
from caseflow.web.presenters import fmt_date, role_labels
from caseflow.web.views import require_roles

ORG_FIELDS = ("name", "short_name", "doc_prefix", "level", "parent_id", "case_number_pattern", "rules_profile")
DEFAULT_PATTERN = "{prefix}医保立〔{year}〕{n}号"


def _org_row(org) -> dict:
    return {"id": org.id, "name": org.name, "short_name": org.short_name, "doc_prefix": org.doc_prefix,
            "level_label": org.level_label, "parent": org.parent.name if org.parent else "",
            "case_number_pattern": org.case_number_pattern}


def _org_choices(exclude=None) -> list[dict]:
    return [{"id": o.id, "label": f"{o.name}（{o.level_label}）"} for o in lookups.organisations() if o.id != exclude]


@web_bp.get("/admin/organisations")
@require_roles(ADMIN)
def admin_organisations():
    return render_template("admin/organisations.html", organisations=[_org_row(o) for o in lookups.organisations()])


def _organisation_form(organisation_id=None):
    org = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation_id and org is None:
        raise NotFound(_("单位不存在"))
    if org is not None:
        values = {"name": org.name, "short_name": org.short_name, "doc_prefix": org.doc_prefix, "level": org.level,
                  "parent_id": str(org.parent_id or ""), "case_number_pattern": org.case_number_pattern,
                  "rules_profile": org.rules_profile or DEFAULT_PROFILE,
                  **{f"doc_{k}": (org.document_settings or {}).get(k, "") for k in ORG_SETTINGS}}
    else:
        values = {"level": "county", "case_number_pattern": DEFAULT_PATTERN, "rules_profile": DEFAULT_PROFILE}
    errors, message, status = {}, "", 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ORG_FIELDS + tuple(f"doc_{k}" for k in ORG_SETTINGS)}
        reader = FormReader(request.form)
        data = {k: reader.text(k) for k in ORG_FIELDS}
        data["document_settings"] = {k: request.form.get(f"doc_{k}", "") for k in ORG_SETTINGS}
        data["parent_id"] = reader.integer("parent_id", _("上级单位"))
        try:
            reader.raise_if_errors(_("单位信息填写有误"))
            saved = auth.save_organisation(current_user, data, organisation_id)
        except (ValidationFailed, Conflict) as exc:
            errors, message, status = exc.details, exc.message, exc.status
        else:
            flash(_("单位「%(name)s」已保存", name=saved.name), "success")
            return redirect(url_for("web.admin_organisations"), 303)
    return render_template("admin/organisation_form.html", values=values, errors=errors, message=message,
                           levels=ORG_LEVELS, parents=_org_choices(exclude=organisation_id),
                           rules_profiles=[(code, f"{p.name}（{code}）") for code, p in profiles().items()],
                           document_settings=[(f"doc_{k}", label) for k, label in ORG_SETTINGS.items()],
                           editing=org is not None), status


@web_bp.route("/admin/organisations/new", methods=["GET", "POST"])
@require_roles(ADMIN)
def admin_organisation_new():
    return _organisation_form()


@web_bp.route("/admin/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@require_roles(ADMIN)
def admin_organisation_edit(organisation_id):
    return _organisation_form(organisation_id)


def _user_row(user, now) -> dict:
    return {"id": user.id, "username": user.username, "name": user.name, "organisation": user.organisation.name,
            "roles": role_labels(user.roles), "credential_no": user.credential_no or "",
            "valid_from": fmt_date(user.credential_valid_from), "valid_until": fmt_date(user.credential_valid_until),
            "active": user.active, "locked": bool(user.locked_until and user.locked_until > now),
            "is_me": user.id == current_user.id}


@web_bp.get("/admin/users")
@require_roles(ADMIN)
def admin_users():
    now = now_local().replace(tzinfo=None)
    return render_template("admin/users.html", users=[_user_row(u, now) for u in lookups.all_users()])


def _read_user(form, creating: bool) -> tuple[dict, FormReader]:
    reader = FormReader(form)
    data = {"name": reader.text("name"), "password": form.get("password") or "",
            "organisation_id": reader.integer("organisation_id", _("所属单位")),
            "roles": [r for r in form.getlist("roles") if r in ALL_ROLES],
            "credential_no": reader.text("credential_no", _("执法证号"), 40),
            "credential_valid_from": reader.date("credential_valid_from", _("执法证有效期起")),
            "credential_valid_until": reader.date("credential_valid_until", _("执法证有效期止")),
            "active": reader.flag("active") if not creating else True}
    if creating:
        data["username"] = reader.text("username")
    if data["organisation_id"] is None and "organisation_id" not in reader.errors:
        reader.errors["organisation_id"] = _("请选择所属单位")
    return data, reader


def _user_form(user_id=None):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        raise NotFound(_("用户不存在"))
    if user is not None:
        values = {"username": user.username, "name": user.name, "organisation_id": str(user.organisation_id),
                  "roles": sorted(r.role for r in user.role_rows), "credential_no": user.credential_no or "",
                  "credential_valid_from": fmt_date(user.credential_valid_from),
                  "credential_valid_until": fmt_date(user.credential_valid_until), "active": user.active}
    else:
        values = {"roles": [], "active": True}
    errors, message, status = {}, "", 200
    if request.method == "POST":
        values = {**request.form.to_dict(), "roles": request.form.getlist("roles"),
                  "active": "true" in request.form.getlist("active") or user is None}
        if user is not None:
            values["username"] = user.username
        data, reader = _read_user(request.form, creating=user is None)
        try:
            reader.raise_if_errors(_("用户信息填写有误"))
            saved = auth.create_user(current_user, data) if user is None else auth.update_user(current_user, user.id, data)
        except (ValidationFailed, Conflict) as exc:
            errors, message, status = exc.details, exc.message, exc.status
        else:
            flash(_("用户「%(name)s」已保存", name=saved.name), "success")
            return redirect(url_for("web.admin_users"), 303)
    return render_template("admin/user_form.html", values=values, errors=errors, message=message,
                           organisations=_org_choices(), roles=ROLE_LABELS, editing=user is not None,
                           user_id=user_id), status


@web_bp.route("/admin/users/new", methods=["GET", "POST"])
@require_roles(ADMIN)
def admin_user_new():
    return _user_form()


@web_bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@require_roles(ADMIN)
def admin_user_edit(user_id):
    return _user_form(user_id)


@web_bp.post("/admin/users/<int:user_id>/deactivate")
@require_roles(ADMIN)
def admin_user_deactivate(user_id):
    """Deactivate a user (never delete: their acts stay attributable), with the reason audited."""
    reason = (request.form.get("reason") or "").strip() or _("系统管理员停用账号")
    try:
        user = auth.deactivate_user(current_user, user_id, reason)
    except (ValidationFailed, Conflict) as exc:
        flash(exc.message, "error")
    else:
        flash(_("用户「%(name)s」已停用", name=user.name), "success")
    return redirect(url_for("web.admin_users"), 303)


@web_bp.route("/admin/calendar", methods=["GET", "POST"])
@require_roles(ADMIN)
def admin_calendar():
    values, errors, message, status = {"is_working_day": "false"}, {}, "", 200
    if request.method == "POST":
        values = request.form.to_dict()
        reader = FormReader(request.form)
        day = reader.date("day", _("日期"))
        if day is None and "day" not in reader.errors:
            reader.errors["day"] = _("请填写日期")
        kind = reader.text("is_working_day")
        if kind not in ("true", "false"):
            reader.errors["is_working_day"] = _("请选择工作日或休息日")
        try:
            reader.raise_if_errors(_("节假日安排填写有误"))
            deadlines.set_calendar_day(current_user, day, kind == "true", reader.text("note"))
        except ValidationFailed as exc:
            errors, message, status = exc.details, exc.message, exc.status
        else:
            flash(_("已录入 %(day)s", day=day.isoformat()), "success")
            return redirect(url_for("web.admin_calendar"), 303)
    days = [{"day": fmt_date(d.day), "weekday": "一二三四五六日"[d.day.weekday()], "is_working_day": d.is_working_day,
             "note": d.note} for d in lookups.calendar_days()]
    return render_template("admin/calendar.html", days=days, values=values, errors=errors, message=message), status
