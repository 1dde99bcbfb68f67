"""Case pages: the list, the case page with its actions, recusals and officers, approval forms, the
reporter's identity (audited), and the approval and legal-review queues."""
from dataclasses import dataclass, field

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow.auth.roles import HEAD, LEGAL_REVIEWER, OFFICER, PRINCIPAL_HEAD
from caseflow.cases import queries
from caseflow.cases import services as cases
from caseflow.cases.access import is_assigned
from caseflow.cases.models import Approval
from caseflow.deadlines.warnings import warnings
from caseflow.errors import Conflict, NotFound, TransitionRefused, ValidationFailed
from caseflow.extensions import db
from caseflow.timeutil import today
from caseflow.web import lookups, presenters, web_bp
from caseflow.web.forms import FormReader, explain_rows, field_widgets, safe_next, transition_data
from caseflow.web.views import CASE_ROLES, require_roles
from caseflow.workflow import engine

REVIEW_STATES = ("under_legal_review", "under_final_review")
REPORT_FACTS = ("findings", "evidence_summary", "characterisation", "proposed_handling", "violations", "circumstances",
                "proposed_penalty", "legal_review_required", "collective_discussion_required")
APPROVER_ROLES = {HEAD, PRINCIPAL_HEAD}
CONFLICT_MESSAGE = "该案件已被他人更新，请刷新后重试"


@dataclass
class Submitted:
    """A form the user sent that was not accepted: shown again with their input and the reasons."""
    form: str                      # a trigger, or "recusal", "assign_officer", "decide_<id>"
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    reasons: list = field(default_factory=list)
    message: str = ""


# ---- the case list ----

LIST_DATES = (("received_from", "收到日期（起）"), ("received_to", "收到日期（止）"),
              ("filed_from", "立案日期（起）"), ("filed_to", "立案日期（止）"))


@web_bp.get("/cases")
@require_roles(*CASE_ROLES)
def case_list():
    reader = FormReader(request.args)
    filters = queries.CaseFilters(
        state=reader.text("state") or None, workflow=reader.text("workflow") or None,
        officer_id=reader.integer("officer", _("承办人员")), party=reader.text("party") or None,
        number=reader.text("number") or None,
        **{name: reader.date(name, _(label)) for name, label in LIST_DATES})
    page = reader.integer("page", _("页码")) or 1
    if filters.state and filters.state not in presenters.all_states():
        reader.errors["state"] = _("案件状态无效")
    if filters.workflow and filters.workflow not in engine.definitions():
        reader.errors["workflow"] = _("程序类型无效")
    for start, end, label in (("received_from", "received_to", _("收到日期")), ("filed_from", "filed_to", _("立案日期"))):
        if getattr(filters, start) and getattr(filters, end) and getattr(filters, start) > getattr(filters, end):
            reader.errors[end] = _("%(label)s的截止日不能早于起始日", label=label)
    if page < 1:
        reader.errors["page"] = _("页码无效")
    result, rows, status = None, [], 200
    if reader.errors:
        status = 422
    else:
        result = queries.list_cases(current_user, filters, page, current_app.config.get("PAGE_SIZE", 20))
        day = today()
        rows = [presenters.case_row(c, day) for c in result.items]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    pages = None
    if result is not None:
        pages = {"page": result.page, "pages": result.pages, "total": result.total,
                 "prev": url_for("web.case_list", **args, page=result.page - 1) if result.page > 1 else None,
                 "next": url_for("web.case_list", **args, page=result.page + 1) if result.page < result.pages else None}
    officers = [{"id": u.id, "label": f"{u.name}（{u.organisation.short_name}）"}
                for u in lookups.officers_in_scope(current_user)]
    return render_template("cases/list.html", rows=rows, pages=pages, errors=reader.errors, args=request.args,
                           workflows=presenters.workflow_choices(), officers=officers), status


# ---- the case page ----

def _actions(case, users, day, submitted: Submitted | None, open_action: str | None) -> list[dict]:
    result = []
    for item in engine.available(case, current_user, day):
        t = item["transition"]
        mine = submitted is not None and submitted.form == t.trigger
        result.append({
            "trigger": t.trigger, "label": t.label, "description": t.description, "style": t.style,
            "allowed": item["allowed"], "reasons": item["reasons"],
            "approval": bool(set(t.roles) & APPROVER_ROLES),
            "fields": field_widgets(t, case, users, day, submitted.values if mine else None,
                                    submitted.errors if mine else None) if item["allowed"] else [],
            "open": mine or open_action == t.trigger,
            "submitted": submitted if mine else None,
        })
    return result


def _recusal_forms(case, detail, users, submitted: Submitted | None) -> dict:
    """Which recusal and staffing forms this user may use now (the services check again)."""
    if not detail["can_act"] or detail["terminal"]:
        return {}
    me = current_user
    active = [o for o in detail["officers"] if o["active"]]
    pending = {r["officer_id"] for r in detail["recusals"] if r["status"] == "pending"}
    forms = {}
    if me.has_role(OFFICER) and is_assigned(me, case) and me.id not in pending:
        forms["declare"] = True
    if active and (me.has_role(HEAD) or (me.has_role(OFFICER) and is_assigned(me, case))):
        forms["record"] = {"officers": [{"id": o["user_id"], "name": o["name"]} for o in active
                                        if o["user_id"] not in pending],
                           "can_order": me.has_role(HEAD)}
    if me.has_role(HEAD) and case.officers:
        on_case = {o["user_id"] for o in active}
        recused = {r["officer_id"] for r in detail["recusals"] if r["status"] == "granted"}
        forms["assign"] = [{"id": u.id, "name": u.name, "credential": u.credential_no or "—"} for u in users
                           if u.has_role(OFFICER) and u.organisation_id == case.organisation_id
                           and u.id not in on_case and u.id not in recused]
    return forms


def render_case(case_id: int, status: int = 200, submitted: Submitted | None = None, conflict: str = ""):
    """The case page; after a refused form, with the user's input, the messages and the right status."""
    case = cases.get_case(current_user, case_id)
    day = today()
    events = lookups.case_audit_events(case.id)
    defn = engine.definition_for(case)
    catalogue = presenters.fact_catalogue(defn)
    users_on_page = lookups.users_by_id(presenters.referenced_user_ids(case.facts or {}, catalogue))
    detail = presenters.case_detail(case, current_user, day, lookups.case_deadlines(case.id), events, users_on_page)
    org_users = lookups.organisation_users({case.organisation_id})
    actions = _actions(case, org_users, day, submitted, request.args.get("action"))
    from caseflow.web.documents import panel
    from caseflow.web.evidence import panel as evidence_panel
    return render_template("cases/detail.html", case=detail, actions=actions, documents_panel=panel(case),
                           evidence_panel=evidence_panel(case),
                           recusal_forms=_recusal_forms(case, detail, org_users, submitted),
                           submitted=submitted, conflict=conflict), status


@web_bp.get("/cases/<int:case_id>")
def case_detail(case_id):
    return render_case(case_id)


def _is_stale(exc: Conflict) -> bool:
    """A conflict because the case changed since the page was shown (not e.g. a duplicate request)."""
    return "current_version" in exc.details or "version" in exc.details or "已被他人更新" in exc.message


def _refused(case_id, exc, form_name, values):
    """Re-render the case page after a service refused a form (422 / 409 with the user's input kept)."""
    if isinstance(exc, Conflict) and _is_stale(exc):
        return render_case(case_id, exc.status, Submitted(form_name, values, message=exc.message),
                           conflict=_(CONFLICT_MESSAGE))
    if isinstance(exc, TransitionRefused):
        return render_case(case_id, exc.status, Submitted(form_name, values, reasons=exc.reasons, message=exc.message))
    return render_case(case_id, exc.status, Submitted(form_name, values, errors=exc.details, message=exc.message))


@web_bp.post("/cases/<int:case_id>/transitions/<trigger>")
def fire_transition(case_id, trigger):
    case = cases.get_case(current_user, case_id)
    defn = engine.definition_for(case)
    transition = defn.find(case.state, trigger) or next((t for t in defn.transitions if t.trigger == trigger), None)
    if transition is None:
        raise NotFound(_("未知的操作：%(trigger)s", trigger=trigger))
    values = transition_data(transition, request.form)
    try:
        engine.fire(case_id, trigger, request.form.get("version"), values, current_user)
    except ValidationFailed as exc:
        return _refused(case_id, explain_rows(transition, values, exc), trigger, values)
    except (TransitionRefused, Conflict) as exc:
        return _refused(case_id, exc, trigger, values)
    flash(_("已完成「%(label)s」", label=transition.label), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("web.case_detail", case_id=case_id), 303)


@web_bp.post("/cases/<int:case_id>/recusals")
def file_recusal(case_id):
    reader = FormReader(request.form)
    values = {k: request.form.get(k, "") for k in ("kind", "officer_id", "applicant", "reason")}
    kind = reader.text("kind")
    officer_id = current_user.id if kind == "declaration" else reader.integer("officer_id", _("回避人员"))
    try:
        reader.raise_if_errors(_("回避申请填写有误"))
        cases.file_recusal(current_user, case_id, officer_id=officer_id, kind=kind, reason=reader.text("reason"),
                           applicant=reader.text("applicant") or None, version=request.form.get("version"))
    except (ValidationFailed, Conflict) as exc:
        return _refused(case_id, exc, "declare" if kind == "declaration" else "recusal", values)
    flash(_("回避申请已登记，待负责人决定；调查不因此停止"), "success")
    return redirect(url_for("web.case_detail", case_id=case_id, _anchor="recusals"), 303)


@web_bp.post("/cases/<int:case_id>/recusals/<int:recusal_id>/decision")
def decide_recusal(case_id, recusal_id):
    decision = request.form.get("decision")
    values = {"opinion": request.form.get("opinion", ""), "decision": decision}
    try:
        if decision not in ("grant", "reject"):
            raise ValidationFailed(_("请选择准予回避或驳回申请"), {"decision": _("请选择决定")})
        cases.decide_recusal(current_user, recusal_id, granted=decision == "grant",
                             opinion=request.form.get("opinion", ""), version=request.form.get("version"))
    except (ValidationFailed, Conflict) as exc:
        return _refused(case_id, exc, f"decide_{recusal_id}", values)
    flash(_("回避决定已作出"), "success")
    return redirect(url_for("web.case_detail", case_id=case_id, _anchor="recusals"), 303)


@web_bp.post("/cases/<int:case_id>/officers")
def assign_officer(case_id):
    reader = FormReader(request.form)
    user_id = reader.integer("user_id", _("承办人员"))
    try:
        if user_id is None and "user_id" not in reader.errors:
            reader.errors["user_id"] = _("请选择要增派的执法人员")
        reader.raise_if_errors(_("增派承办人员填写有误"))
        cases.assign_officer(current_user, case_id, user_id=user_id, version=request.form.get("version"))
    except (ValidationFailed, Conflict) as exc:
        return _refused(case_id, exc, "assign_officer", {"user_id": request.form.get("user_id", "")})
    flash(_("已增派承办人员"), "success")
    return redirect(url_for("web.case_detail", case_id=case_id, _anchor="officers"), 303)


@web_bp.post("/cases/<int:case_id>/reporter")
def view_reporter(case_id):
    """The reporter's identity, to heads and the case's officers only; the service audits every view."""
    reporter = cases.view_reporter(current_user, case_id)
    case = cases.get_case(current_user, case_id)
    identity = None
    if reporter is not None:
        identity = {"name": reporter.name, "phone": reporter.phone or "", "id_number": reporter.id_number or "",
                    "address": reporter.address or "", "real_name": reporter.real_name,
                    "statement": reporter.statement or ""}
    return render_template("cases/reporter.html", case=presenters.case_header(case), reporter=identity)


@web_bp.get("/cases/<int:case_id>/approvals/<int:approval_id>")
def approval_form(case_id, approval_id):
    case = cases.get_case(current_user, case_id)
    approval = db.session.get(Approval, approval_id)
    if approval is None or approval.case_id != case.id:
        raise NotFound(_("审批记录不存在"))
    facts = (approval.form or {}).get("facts") or {}
    catalogue = presenters.fact_catalogue(engine.definition_for(case))
    ids = presenters.referenced_user_ids(facts, catalogue) | \
        presenters.referenced_user_ids((approval.form or {}).get("data") or {}, catalogue)
    form = presenters.approval_form(case, approval, lookups.users_by_id(ids))
    return render_template("cases/approval_form.html", form=form, case=presenters.case_header(case))


# ---- queues ----

@web_bp.get("/approvals")
@require_roles(HEAD, PRINCIPAL_HEAD)
def approvals():
    """Cases waiting for this head's approval, grouped by what awaits approval; and the approvals a head
    may give at any time (extensions), listed apart."""
    day = today()
    groups: dict[str, list] = {}
    standing = []
    for row in queries.todo(current_user, day):
        mine = [a for a in row["actions"] if set(a["transition"].roles) & APPROVER_ROLES]
        pending = [a for a in mine if not a["transition"].internal]
        entry = {**presenters.case_row(row["case"], day), "due": presenters.due_info(row["next_due"], day)}
        if pending:
            groups.setdefault(entry["state_label"], []).append(
                {**entry, "actions": [presenters.action_link(a) for a in pending]})
        extra = [a for a in mine if a["transition"].internal]
        if extra:
            standing.append({**entry, "actions": [presenters.action_link(a) for a in extra]})
    return render_template("cases/approvals.html", groups=groups, standing=standing)


@web_bp.get("/reviews")
@require_roles(LEGAL_REVIEWER)
def reviews():
    """Cases in legal review this reviewer may decide, with the investigation report beside the form."""
    day = today()
    items = []
    org_users = None
    for row in queries.todo(current_user, day):
        case = row["case"]
        if case.state not in REVIEW_STATES:
            continue
        defn = engine.definition_for(case)
        if org_users is None:
            org_users = lookups.organisation_users({current_user.organisation_id})
        actions = []
        for a in row["actions"]:
            t = a["transition"]
            if LEGAL_REVIEWER in t.roles:
                actions.append({"trigger": t.trigger, "label": t.label, "style": t.style,
                                "fields": field_widgets(t, case, org_users, day)})
        facts = case.facts or {}
        items.append({
            **presenters.case_row(case, day), "version": case.version,
            "due": presenters.due_info(row["next_due"], day),
            "report": presenters.selected_facts(defn, facts, REPORT_FACTS),
            "materials": presenters.selected_facts(defn, facts, ("review_materials", "final_review_materials")),
            "actions": actions,
        })
    return render_template("cases/reviews.html", items=items)


# ---- 超期预警 ----

@web_bp.get("/deadlines")
@require_roles(OFFICER, HEAD, LEGAL_REVIEWER)
def deadline_warnings():
    """Overdue and soon-due deadlines of the cases I handle, of my unit, or (heads) of my unit and those below."""
    scopes = {"mine": _("我承办的"), "unit": _("本单位")}
    if current_user.has_role(HEAD):
        scopes["organisation"] = _("本单位及下级")
    default = "mine" if current_user.has_role(OFFICER) else "unit"
    scope = request.args.get("scope") or default
    day = today()
    rows, status, error = [], 200, ""
    if scope not in scopes:
        status = 422
        error = (_("仅负责人可查看本单位及下级单位的预警") if scope == "organisation"
                 else _("预警范围无效，请从“%(choices)s”中选择", choices="”“".join(scopes.values())))
    else:
        rows = presenters.warning_rows(warnings(current_user, scope, day), day)
    tabs = [{"scope": k, "label": v, "active": k == scope} for k, v in scopes.items()]
    return render_template("deadlines.html", rows=rows, tabs=tabs, error=error, today=day.isoformat(),
                           window=current_app.config.get("DUE_SOON_WORKING_DAYS", 3),
                           overdue=sum(1 for r in rows if r["level"] == "overdue")), status
