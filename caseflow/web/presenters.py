"""Plain data for templates, built from the models (templates never receive ORM objects).

The reporter's identity is never read here: it is shown only by the audited reporter page.
"""
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _

from caseflow.auth.roles import ROLE_LABELS
from caseflow.cases.access import can_act_on, can_see_reporter, is_assigned
from caseflow.cases.models import APPROVAL_DECISIONS
from caseflow.deadlines.models import DEADLINE_STATUSES
from caseflow.deadlines.services import days_left, effective_status
from caseflow.parties.services import can_see_full_id
from caseflow.parties.validators import mask_id_number
from caseflow.workflow.engine import definition_for, definitions

STATUS_LABELS = {**DEADLINE_STATUSES, "paused": "暂停计算"}

# Flags written by `set_facts` effects.
EXTRA_FACT_LABELS = {
    "legal_review_passed": "法制审核已通过",
    "notice_served": "事先告知书已送达",
    "hearing_held": "已举行听证",
    "collective_discussion_done": "已完成集体讨论",
    # set by the 裁量测算 (assess_case) when the investigation is concluded
    "hearing_right_required": "应当告知听证权利",
    "criminal_referral_required": "须进行涉嫌犯罪移送评估",
    "time_barred": "已超过追责时效",
}
SERVICE_EFFECTIVE_LABEL = "送达生效日期"
# Facts written by services outside the transitions (key -> (label, group)).
REGISTRATION_FACTS = {"onsite_summary": ("现场发现的情况", "登记现场案件")}
FLAGS_GROUP = "办理进度"
# Facts shown in panels of their own, never in the generic list (the 裁量测算 is a nested dict).
PANEL_FACTS = {"assessment"}
ENTRY_META = {"recorded_by": "记录人", "recorded_at": "记录时间"}


def fmt_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def role_labels(roles) -> list[str]:
    return [ROLE_LABELS[r] for r in sorted(roles, key=list(ROLE_LABELS).index)]


# ---- facts: what transitions recorded, with the labels of the forms that recorded them ----

def fact_catalogue(defn) -> dict:
    """key -> {"label", "field" (FieldDef or None), "group" (the producing action), "entry_fields"}.

    Derived from the definition: each `store_facts`, `record_service`, `append_fact`, `copy_facts` and
    `set_facts` effect says which keys a transition writes; the first form field recording a key names it,
    and flags the engine sets are grouped apart. New effects that write facts belong here too.
    """
    cache = current_app.extensions.setdefault("caseflow_web_fact_catalogues", {})
    if defn.name in cache:
        return cache[defn.name]
    catalogue = {}

    def add(name, label, fd, group, entry_fields=None):
        catalogue.setdefault(name, {"label": label, "field": fd, "group": group, "entry_fields": entry_fields})

    def effects(*names):
        for t in defn.transitions:
            for effect, args in t.effects:
                if effect in names:
                    yield t, effect, dict(args)

    for name, (label, group) in REGISTRATION_FACTS.items():
        add(name, label, None, group)
    # what the forms recorded first (their labels win), then copies of them, then flags set by the engine
    for t, effect, args in effects("store_facts", "record_service", "append_fact"):
        if effect == "store_facts":
            prefix, only = args.get("prefix", ""), args.get("fields")
            for fd in t.fields:
                if only is None or fd.name in only:
                    add(prefix + fd.name, fd.label, fd, t.label)
        elif effect == "record_service":
            for fd in t.fields:
                add(f"{args['prefix']}_{fd.name}", fd.label, fd, t.label)
            add(f"{args['prefix']}_effective_on", SERVICE_EFFECTIVE_LABEL, None, t.label)
        else:
            add(args["key"], t.label, None, t.label, entry_fields={fd.name: fd for fd in t.fields})
    for t, _effect, args in effects("copy_facts"):
        for name in args["keys"]:
            source = catalogue.get(name, {"label": name, "field": None})
            add(args["prefix"] + name, source["label"], source["field"], t.label)
    for t, _effect, args in effects("set_facts"):
        for name in dict(args["values"]):
            add(name, EXTRA_FACT_LABELS.get(name, name), None, FLAGS_GROUP)
    for name, label in EXTRA_FACT_LABELS.items():
        add(name, label, None, FLAGS_GROUP)
    cache[defn.name] = catalogue
    return catalogue


def fact_value(value, fd, users: dict) -> str:
    """A recorded value as a user reads it: choices by their label, flags as 是/否, people by name."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value is None:
        return ""
    if fd is not None:
        if fd.type == "violations" and isinstance(value, list):
            return "；".join(violation_text(v) for v in value if isinstance(v, dict))
        if fd.type == "circumstances" and isinstance(value, list):
            from caseflow.rules.catalogue import CIRCUMSTANCES
            return "、".join(CIRCUMSTANCES.get(v, str(v)) for v in value)
        if fd.type == "choice":
            return dict(fd.choices).get(value, str(value))
        if fd.type == "user":
            user = users.get(value)
            return user.name if user else str(value)
        if fd.type == "officers" and isinstance(value, list):
            return "、".join(users[v].name if v in users else str(v) for v in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def violation_text(item: dict) -> str:
    """One violation item as read: the article's title and citation, the amount, a proven fraud purpose."""
    from caseflow.rules.catalogue import catalogue
    violation = catalogue().violations.get(item.get("article"))
    name = f"{violation.title}（{violation.citation.text}）" if violation else str(item.get("article"))
    text = _("%(name)s，金额 %(amount)s 元", name=name, amount=item.get("amount"))
    return text + (_("，以骗取基金为目的") if item.get("fraud_purpose") else "")


def referenced_user_ids(facts: dict, catalogue: dict) -> set:
    ids = set()
    for name, value in (facts or {}).items():
        fd = catalogue.get(name, {}).get("field")
        if fd is not None and fd.type == "user" and isinstance(value, int):
            ids.add(value)
        elif fd is not None and fd.type == "officers" and isinstance(value, list):
            ids |= {v for v in value if isinstance(v, int)}
    return ids


def fact_groups(defn, facts: dict, users: dict) -> list[dict]:
    """The case facts grouped by the action that recorded them, in procedure order."""
    catalogue = fact_catalogue(defn)
    groups: dict[str, list] = {}
    present = {k for k, v in (facts or {}).items() if v is not None and v != "" and k not in PANEL_FACTS}
    known = [k for k in catalogue if k in present]
    unknown = [k for k in (facts or {}) if k in present and k not in catalogue]
    for name in known + unknown:
        spec = catalogue.get(name, {"label": name, "field": None, "group": _("其他记录"), "entry_fields": None})
        value = facts[name]
        item = {"key": name, "label": spec["label"]}
        if spec["entry_fields"] is not None and isinstance(value, list):
            item["entries"] = [[{"label": (spec["entry_fields"][k].label if k in spec["entry_fields"]
                                           else ENTRY_META.get(k, k)),
                                 "value": fact_value(v, spec["entry_fields"].get(k), users)}
                                for k, v in entry.items()] for entry in value if isinstance(entry, dict)]
        else:
            item["value"] = fact_value(value, spec["field"], users)
        groups.setdefault(spec["group"], []).append(item)
    return [{"title": title, "items": items} for title, items in groups.items()]


def selected_facts(defn, facts: dict, names, users=None) -> list[dict]:
    """Chosen facts (e.g. the investigation report shown to legal reviewers), labelled, in that order."""
    catalogue = fact_catalogue(defn)
    result = []
    for name in names:
        if name in (facts or {}):
            spec = catalogue.get(name, {"label": name, "field": None})
            result.append({"key": name, "label": spec["label"],
                           "value": fact_value(facts[name], spec["field"], users or {})})
    return result


# ---- cases ----

def case_row(case, today: date) -> dict:
    """One case in a list (no personal identifiers beyond the party's name)."""
    defn = definition_for(case)
    return {
        "id": case.id, "number": case.case_number or "", "title": case.title, "cause": case.cause,
        "party": case.party.name, "workflow_label": defn.label, "state": case.state,
        "state_label": defn.state_label(case.state), "terminal": case.state in defn.terminal,
        "officers": [o.user.name for o in case.active_officers()],
        "received_on": fmt_date(case.clue.received_on) if case.clue else "",
        "filed_on": fmt_date(case.filed_on),
        "organisation": case.organisation.short_name,
    }


def due_info(due_on: date | None, today: date) -> dict:
    if due_on is None:
        return {"due_on": "", "days_left": None, "overdue": False, "text": "—"}
    left = (due_on - today).days
    if left < 0:
        text = _("已超期 %(n)s 天", n=-left)
    elif left == 0:
        text = _("今天到期")
    else:
        text = _("剩余 %(n)s 天", n=left)
    return {"due_on": fmt_date(due_on), "days_left": left, "overdue": left < 0, "text": text}


def action_link(item) -> dict:
    t = item["transition"]
    return {"trigger": t.trigger, "label": t.label, "style": t.style, "internal": t.internal}


def todo_rows(rows, today: date) -> list[dict]:
    return [{**case_row(r["case"], today), "actions": [action_link(a) for a in r["actions"]],
             "due": due_info(r["next_due"], today),
             "warnings": [warning_badge(w) for w in r.get("warnings") or []]} for r in rows]


def warning_badge(warning) -> dict:
    """One 超期预警 (caseflow.deadlines.warnings.Warning) as a badge: 超期 / 临期, the deadline and how late."""
    d = warning.deadline
    if warning.level == "overdue":
        text = _("已超期 %(n)s 天", n=-warning.days_left) if warning.days_left < 0 else _("今天到期")
    elif warning.working_days_left <= 0:
        text = _("今天到期")
    else:
        text = _("剩余 %(n)s 个工作日", n=warning.working_days_left)
    return {"level": warning.level, "level_label": warning.level_label,
            "short": _("超期") if warning.level == "overdue" else _("临期"),
            "kind": d.kind, "legal_basis": d.legal_basis, "due_on": fmt_date(d.due_on), "text": text,
            "days_left": warning.days_left, "working_days_left": warning.working_days_left}


def warning_rows(warnings, today: date) -> list[dict]:
    return [{**case_row(w.case, today), **warning_badge(w)} for w in warnings]


def party_block(party, full_id: bool) -> dict:
    id_number = party.id_number or ""
    return {
        "id": party.id, "name": party.name, "kind_label": party.kind_label, "credit_code": party.credit_code or "",
        "id_number": id_number if full_id else mask_id_number(id_number), "id_masked": bool(id_number) and not full_id,
        "legal_representative": party.legal_representative or "", "address": party.address or "",
        "phone": party.phone or "",
    }


def party_choice(party) -> dict:
    """A party in a select: organisations by credit code, persons by a masked ID number."""
    ident = party.credit_code or mask_id_number(party.id_number)
    return {"id": party.id, "label": f"{party.name}（{party.kind_label}，{ident}）"}


def officer_rows(case, today: date) -> list[dict]:
    rows = []
    for o in case.officers:
        u = o.user
        valid = u.credential_valid_on(today)
        rows.append({
            "name": u.name, "lead": o.lead, "active": o.active, "credential_no": u.credential_no or "—",
            "valid_from": fmt_date(u.credential_valid_from), "valid_until": fmt_date(u.credential_valid_until),
            "credential_valid": valid, "assigned_on": fmt_date(o.assigned_on), "removed_on": fmt_date(o.removed_on),
            "removed_reason": o.removed_reason or "", "user_id": u.id,
        })
    return rows


def approval_rows(case) -> list[dict]:
    return [{"id": a.id, "form_title": a.form_title, "approver": a.approver.name, "role_label": ROLE_LABELS.get(a.role, a.role),
             "decision": a.decision, "decision_label": a.decision_label, "opinion": a.opinion,
             "decided_at": fmt_date(a.decided_at)} for a in case.approvals]


def deadline_rows(deadlines, today: date) -> list[dict]:
    rows = []
    for d in deadlines:
        status = effective_status(d, today)
        running = status in ("open", "overdue")
        left = days_left(d, today) if running else None
        rows.append({
            "code": d.code, "kind": d.kind, "legal_basis": d.legal_basis, "start_on": fmt_date(d.start_on),
            "due_on": fmt_date(d.due_on), "period": f"{d.days}{d.unit_label}", "unit_label": d.unit_label,
            "status": status, "status_label": STATUS_LABELS[status],
            "days_left": left, "due": due_info(d.due_on, today) if running else None,
            "met_on": fmt_date(d.met_on), "waived_reason": d.waived_reason or "",
            "calendar_warning": d.calendar_warning or "",
            "extensions": [{"days": e.days, "new_due_on": fmt_date(e.new_due_on), "reason": e.reason}
                           for e in d.extensions],
            "exclusions": [{"start_on": fmt_date(e.start_on), "end_on": fmt_date(e.end_on), "reason": e.reason}
                           for e in d.exclusions],
        })
    return rows


def recusal_rows(case, user) -> list[dict]:
    rows = []
    for r in case.recusals:
        rows.append({
            "id": r.id, "kind_label": r.kind_label, "officer": r.officer.name, "officer_id": r.officer_id,
            "applicant": r.applicant, "reason": r.reason, "status": r.status, "status_label": r.status_label,
            "recorded_at": fmt_date(r.recorded_at), "decided_by": r.decided_by.name if r.decided_by else "",
            "decided_at": fmt_date(r.decided_at), "decision_opinion": r.decision_opinion or "",
            "can_decide": r.status == "pending" and user.has_role("head") and can_act_on(user, case)
            and r.officer_id != user.id,
        })
    return rows


def audit_rows(events) -> list[dict]:
    return [{"seq": e.seq, "at": fmt_date(e.occurred_at), "actor": e.actor_name or _("系统"), "summary": e.summary,
             "reason": e.reason or ""} for e in events]


def state_history(events) -> list[str]:
    return [e.after["state"] for e in events if isinstance(e.after, dict) and e.after.get("state")]


def timeline(defn, state: str, history: list[str]) -> list[dict]:
    """The procedure's main line with done / current / future marks. A state off the main line (a
    suspension, a hearing request, a refusal to file …) is inserted, marked current, after the last
    main-line state the case passed through."""
    line = list(defn.timeline)
    later = "skipped" if state in defn.terminal else "future"
    if state in line:
        here = line.index(state)
        return [{"state": s, "label": defn.state_label(s),
                 "status": "done" if i < here else "current" if i == here else "future"}
                for i, s in enumerate(line)]
    last = -1
    for s in history:
        if s in line:
            last = line.index(s)
    items = [{"state": s, "label": defn.state_label(s), "status": "done" if i <= last else later}
             for i, s in enumerate(line)]
    items.insert(last + 1, {"state": state, "label": defn.state_label(state), "status": "current", "off_line": True})
    return items


def case_header(case) -> dict:
    defn = definition_for(case)
    return {
        "id": case.id, "title": case.title, "number": case.case_number or "", "cause": case.cause,
        "state": case.state, "state_label": defn.state_label(case.state), "workflow": case.workflow,
        "workflow_label": defn.label, "version": case.version, "terminal": case.state in defn.terminal,
        "organisation": case.organisation.name, "filed_on": fmt_date(case.filed_on),
        "decided_on": fmt_date(case.decided_on), "closed_on": fmt_date(case.closed_on),
    }


def clue_block(case) -> dict | None:
    clue = case.clue
    if clue is None:
        return None
    return {"source_label": clue.source_label, "received_on": fmt_date(clue.received_on), "summary": clue.summary,
            "registered_by": clue.registered_by.name}


def case_detail(case, user, today: date, deadlines, events, users: dict) -> dict:
    defn = definition_for(case)
    assigned = is_assigned(user, case)
    return {
        **case_header(case),
        "timeline": timeline(defn, case.state, state_history(events)),
        "party": party_block(case.party, can_see_full_id(user, case)),
        "clue": clue_block(case),
        "officers": officer_rows(case, today),
        "approvals": approval_rows(case),
        "deadlines": deadline_rows(deadlines, today),
        "recusals": recusal_rows(case, user),
        "facts": fact_groups(defn, case.facts or {}, users),
        "assessment": assessment_panel((case.facts or {}).get("assessment")),
        "audit": audit_rows(events),
        "can_see_reporter": bool(case.clue_id) and can_see_reporter(user, case),
        "viewer_assigned": assigned,
        "can_act": can_act_on(user, case),
    }


def approval_form(case, approval, users: dict) -> dict:
    """The approval form (审批表) as it was left on the case: the snapshot taken when it was signed."""
    defn = definition_for(case)
    form = approval.form or {}
    transition = next((t for t in defn.transitions if t.label == form.get("action")), None)
    fields = {fd.name: fd for fd in transition.fields} if transition else {}
    data = [{"label": fields[k].label if k in fields else k, "value": fact_value(v, fields.get(k), users)}
            for k, v in (form.get("data") or {}).items() if k != "opinion"]
    if approval.kind == "recusal":
        data = [{"label": _("回避人员"), "value": form.get("officer", "")},
                {"label": _("申请人"), "value": form.get("applicant", "")},
                {"label": _("回避事由"), "value": form.get("reason", "")},
                {"label": _("决定"), "value": _("准予回避") if form.get("granted") else _("驳回申请")}]
    return {
        "id": approval.id, "form_title": approval.form_title, "organisation": case.organisation.name,
        "case_title": form.get("case_title") or case.title, "case_number": form.get("case_number") or case.case_number or "",
        "party": case.party.name, "cause": case.cause, "action": form.get("action") or approval.form_title,
        "data": data, "facts": fact_groups(defn, form.get("facts") or {}, users),
        "approver": approval.approver.name, "role_label": ROLE_LABELS.get(approval.role, approval.role),
        "decision": approval.decision, "decision_label": APPROVAL_DECISIONS[approval.decision],
        "opinion": approval.opinion, "decided_at": fmt_date(approval.decided_at),
    }


def workflow_choices() -> list[dict]:
    return [{"name": d.name, "label": d.label,
             "states": [{"value": s, "label": st.label} for s, st in d.states.items()]}
            for d in definitions().values()]


def all_states() -> set[str]:
    return {s for d in definitions().values() for s in d.states}


# ---- the 裁量测算 (rules assessment stored when the investigation is concluded) ----

MITIGATION_LABELS = {"must": "应当从轻或者减轻处罚", "may": "可以从轻处罚"}
SUSPENSION_LABELS = {"mandatory": "应当责令暂停相关责任部门涉及医疗保障基金使用的医药服务",
                     "conditional": "符合条件的，可以责令暂停相关责任部门涉及医疗保障基金使用的医药服务"}
REQUIREMENTS = (("legal_review_required", "legal_review_reasons", "须经法制审核"),
                ("collective_discussion_required", "collective_discussion_reasons", "须经负责人集体讨论决定"),
                ("hearing_right", "hearing_reasons", "应当告知当事人有要求听证的权利"),
                ("criminal_referral_check", "criminal_referral_reasons", "须进行涉嫌犯罪移送评估"))


def _months(value) -> str:
    if not value:
        return ""
    low, high = value[0], value[-1]
    return _("%(n)s 个月", n=low) if low == high else _("%(low)s 至 %(high)s 个月", low=low, high=high)


def _texts(values) -> list[str]:
    """Reasons, notes and referrals as lines (a referral may be a dict with its text and basis)."""
    out = []
    for v in values or []:
        if isinstance(v, dict):
            line = v.get("text") or v.get("to") or ""
            if v.get("basis"):
                basis = v["basis"] if isinstance(v["basis"], str) else "；".join(v["basis"])
                line = f"{line}（{basis}）"
            out.append(line)
        else:
            out.append(str(v))
    return out


def _benchmark_text(bench) -> str:
    if not isinstance(bench, dict):
        return ""
    if bench.get("manual_choice_required"):
        bands = "、".join(f"{c.get('band')}（{c.get('fine_min')} — {c.get('fine_max')} 元）" for c in bench.get("candidates") or [])
        return _("%(reason)s；可选档次：%(bands)s（%(citation)s）", reason=bench.get("reason", ""), bands=bands,
                 citation=bench.get("citation", ""))
    return _("%(band)s：罚款 %(low)s 至 %(high)s 元（%(citation)s）", band=bench.get("band") or "",
             low=bench.get("fine_min"), high=bench.get("fine_max"), citation=bench.get("citation", ""))


def assessment_panel(assessment) -> dict | None:
    """The stored 裁量测算 as a reader needs it: per item the basis, the refund to the fund apart from the fine
    range, measures and referrals; the totals; and what the rules require of the procedure."""
    if not isinstance(assessment, dict):
        return None
    items = []
    for item in assessment.get("items") or []:
        measures = []
        if item.get("service_suspension"):
            line = SUSPENSION_LABELS.get(item["service_suspension"], str(item["service_suspension"]))
            if item.get("service_suspension_months"):
                line += _("，期限 %(months)s", months=_months(item["service_suspension_months"]))
            if item.get("service_suspension_condition"):
                line += _("（条件：%(c)s）", c=item["service_suspension_condition"])
            measures.append(line)
        if item.get("settlement_suspension_months"):
            measures.append(_("暂停医疗费用联网结算 %(months)s", months=_months(item["settlement_suspension_months"])))
        if item.get("agreement_termination"):
            measures.append(_("可能由经办机构解除医疗保障服务协议"))
        items.append({
            "article": item.get("article", ""), "title": item.get("title", ""),
            "amount": item.get("amount"), "amount_base": item.get("amount_base") or _("金额"),
            "basis": _texts(item.get("basis")), "refund": item.get("refund"),
            "fine_min": item.get("fine_min"), "fine_max": item.get("fine_max"), "fine_rule": item.get("fine_rule") or "",
            "benchmark": _benchmark_text(item.get("benchmark")), "measures": measures,
            "corrective": _texts(item.get("corrective")), "referrals": _texts(item.get("referrals")),
            "notes": _texts(item.get("notes")),
        })
    total = assessment.get("total") or {}
    requirements = [{"label": _(label), "required": bool(assessment.get(flag)), "reasons": _texts(assessment.get(reasons))}
                    for flag, reasons, label in REQUIREMENTS]
    return {
        "profile": assessment.get("profile_name") or assessment.get("profile") or "",
        "items": items,
        "total": {"refund": total.get("refund"), "fine_min": total.get("fine_min"), "fine_max": total.get("fine_max")},
        "time_barred": bool(assessment.get("time_barred")),
        "punishable": assessment.get("punishable", True),
        "not_punishable_reasons": _texts(assessment.get("not_punishable_reasons")),
        "mitigation": MITIGATION_LABELS.get(assessment.get("mitigation"), ""),
        "mitigation_reasons": _texts(assessment.get("mitigation_reasons")),
        "aggravating": _texts(assessment.get("aggravating_factors")),
        "requirements": requirements,
        "notes": _texts(assessment.get("notes")),
    }
