"""The workflow engine: which transitions a user may fire now, and firing one.

It names no state: everything comes from the definitions. Firing is one transaction: lock the case
row, compare the version the user saw, check role, form and guards (collecting every failing reason),
let `transitions` move the state, run the effects, write the audit event, commit.
"""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine

from caseflow.audit import services as audit
from caseflow.auth.roles import ROLE_LABELS
from caseflow.cases.models import Case
from caseflow.db import unit_of_work
from caseflow.errors import Conflict, Forbidden, NotFound, TransitionRefused
from caseflow.extensions import db
from caseflow.search import indexing as search_index
from caseflow.timeutil import now_local
from caseflow.workflow.forms import validate_data
from caseflow.workflow.registry import EFFECTS, GUARDS, Context


def definitions() -> dict:
    return current_app.extensions["caseflow_workflows"]


def definition_for(case):
    return definitions()[case.workflow]


class _Token:
    """The model `transitions` moves; kept apart from the ORM object so the library never touches it."""

    def __init__(self, state):
        self.state = state


def _machine(defn, state) -> tuple[Machine, _Token]:
    token = _Token(state)
    specs = [{"trigger": t.trigger, "source": list(t.sources), "dest": t.dest, "after": "_run_effects"}
             for t in defn.transitions]
    token._run_effects = _run_effects
    machine = Machine(model=token, states=list(defn.states), transitions=specs, initial=state,
                      auto_transitions=False, send_event=True, ignore_invalid_triggers=False)
    return machine, token


def _run_effects(event):
    ctx = event.kwargs["ctx"]
    for name, args in ctx.transition.effects:
        EFFECTS[name](ctx, **dict(args))


def role_used(actor, transition) -> str | None:
    """The first of the transition's roles the actor holds (recorded on approvals and in the audit)."""
    return next((r for r in transition.roles if r in actor.roles), None)


def check_guards(ctx, with_data: bool) -> list[str]:
    reasons = []
    for name, args in ctx.transition.guards:
        g = GUARDS[name]
        if g.needs_data and not with_data:
            continue
        reason = g.fn(ctx, **dict(args))
        if reason:
            reasons.extend(reason if isinstance(reason, list) else [reason])
    return reasons


def available(case, actor, today=None) -> list[dict]:
    """The transitions `actor` may fire on `case` now, each with its definition; and the refused ones
    with their reasons (shown greyed, so a user knows what is missing)."""
    from caseflow.cases.access import can_act_on
    defn = definition_for(case)
    result = []
    if not can_act_on(actor, case):
        return result
    now = now_local()
    for t in defn.transitions_from(case.state):
        if not role_used(actor, t):
            continue
        ctx = Context(case, actor, {}, t, defn, today or now.date(), now)
        reasons = check_guards(ctx, with_data=False)
        result.append({"transition": t, "allowed": not reasons, "reasons": reasons})
    return result


def lock_case(case_id: int) -> Case:
    stmt = select(Case).where(Case.id == case_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    case = db.session.execute(stmt).scalar_one_or_none()
    if case is None:
        raise NotFound("案件不存在")
    return case


def snapshot(case) -> dict:
    return {"state": case.state, "version": case.version, "case_number": case.case_number,
            "facts": dict(case.facts or {})}


@unit_of_work
def fire(case_id: int, trigger: str, version, data: dict | None, actor, today=None) -> Case:
    """Fire `trigger` on the case as `actor`; raise a DomainError (nothing written) when refused."""
    from caseflow.cases.access import can_act_on, can_view
    case = lock_case(case_id)
    if not can_view(actor, case):
        raise NotFound("案件不存在")
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise Conflict("缺少或无效的版本号：请刷新页面后重试", {"version": "required"})
    if version != case.version:
        raise Conflict(f"该案件已被他人更新（您看到的是第 {version} 版，当前为第 {case.version} 版），请刷新后重试",
                       {"current_version": case.version, "your_version": version})
    defn = definition_for(case)
    transition = defn.find(case.state, trigger)
    if transition is None:
        if not defn.knows_trigger(trigger):
            raise NotFound(f"未知的操作：{trigger}", {"trigger": trigger})
        raise TransitionRefused([f"案件当前处于「{defn.state_label(case.state)}」，不能执行该操作"],
                                {"trigger": trigger, "state": case.state})
    role = role_used(actor, transition)
    if role is None:
        needed = "、".join(ROLE_LABELS[r] for r in transition.roles)
        raise Forbidden(f"您没有执行「{transition.label}」的权限（需要：{needed}）",
                        {"trigger": trigger, "roles": list(transition.roles)})
    if not can_act_on(actor, case):
        raise Forbidden("您不能办理本单位以外的案件")
    clean = validate_data(transition, data)
    now = now_local()
    ctx = Context(case, actor, clean, transition, defn, today or now.date(), now)
    reasons = check_guards(ctx, with_data=True)
    if reasons:
        raise TransitionRefused(reasons, {"trigger": trigger})
    before = snapshot(case)
    _, token = _machine(defn, case.state)
    try:  # effects flush too: without a row lock (SQLite) another writer is noticed at the first one
        case.version = version + 1  # one act, one version (internal transitions too)
        case.updated_at = now.replace(tzinfo=None)
        token.trigger(trigger, ctx=ctx)
        case.state = token.state
        db.session.flush()
    except StaleDataError:
        raise Conflict("该案件已被他人更新，请刷新后重试", {"your_version": version})
    search_index.refresh_case(case)  # state, facts and officers reach the search index in this transaction
    after = snapshot(case)
    summary = f"{actor.name}（{ROLE_LABELS[role]}）执行「{transition.label}」"
    if not transition.internal:
        summary += f"：{defn.state_label(before['state'])} → {defn.state_label(case.state)}"
    audit.record(trigger.upper(), summary, actor=actor, case=case, before=before,
                 after={**after, "data": clean, "role": role, "notes": ctx.notes},
                 reason=clean.get("opinion") or clean.get("reason"))
    return case
