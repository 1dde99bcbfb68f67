"""Documents in the workflow: the guard and effect the `documents:` block of a transition becomes
(documents_ready, prepare_documents), service of a document by a transition (record_service with
`document:`), and the pre-numbered on-the-spot decision form of the simplified procedure."""
from datetime import datetime

from flask import current_app

from caseflow.documents import services as documents
from caseflow.workflow.registry import effect, guard



def act_time(ctx) -> datetime:
    """When the act happened: the transition's date (past dates when records are entered late) with
    the clock time now."""
    return datetime.combine(ctx.today, ctx.now.time().replace(microsecond=0))


def served_by_transition(case, key) -> str | None:
    """The label of the case's workflow step that records the service of `key`, if one does."""
    defn = current_app.extensions["caseflow_workflows"][case.workflow]
    for t in defn.transitions:
        for name, args in t.effects:
            if name == "record_service" and dict(args).get("document") == key:
                return t.label
    return None


@guard("documents_ready")
def documents_ready(ctx, requires):
    """A transition that needs a document issued or served is refused until it is (issue 4 §5)."""
    reasons = []
    for key, status in requires:
        doc = documents.effective(ctx.case.id, key)
        title = documents.catalogue()[key].title
        if doc is None:
            reasons.append(f"「{title}」尚未签发：请先在「文书」栏完成并签发")
        elif status == "served" and doc.status != "served":
            reasons.append(f"「{title}」{doc.number or ''}尚未送达：请先登记送达（送达回证）")
    return reasons or None


def _condition_holds(ctx, when) -> bool:
    facts = ctx.case.facts or {}
    return all((ctx.data[f] if f in ctx.data else facts.get(f)) == value for f, value in when)


@effect("prepare_documents")
def prepare_documents(ctx, drafts=(), issues=()):
    """Entering a step creates the drafts it needs; an approval or a recorded act issues its form
    (frozen with the approver's opinion, name and date)."""
    trigger = ctx.transition.trigger
    for key, when in drafts:
        if not _condition_holds(ctx, when):
            continue
        if documents.open_draft(ctx.case.id, key) is None:
            doc = documents.create_draft_in_transaction(ctx.case, key, ctx.actor, trigger=trigger,
                                                         approval=ctx.approval, quiet=True)
            ctx.notes.append(f"已生成「{doc.title}」草稿")
    for key in issues:
        doc = documents.open_draft(ctx.case.id, key)
        if doc is None:
            doc = documents.create_draft_in_transaction(ctx.case, key, ctx.actor, trigger=trigger,
                                                         approval=ctx.approval, data=dict(ctx.data), quiet=True)
        else:
            refresh = {k: v for k, v in ctx.data.items() if documents.catalogue()[key].field(k)}
            if refresh:
                doc.data = {**(doc.data or {}), **documents.jsonable(refresh)}
            if ctx.approval is not None:
                doc.approval_id = ctx.approval.id
        documents.issue_in_transaction(doc, ctx.actor, strict=False, at=act_time(ctx), quiet=True)
        ctx.notes.append(f"已签发「{doc.title}」{doc.number or ''}")


def serve_document(ctx, key):
    """record_service with `document:` — the transition's service fields are the document's 送达回证."""
    doc = documents.effective(ctx.case.id, key)
    documents.serve_in_transaction(doc, {
        "method": ctx.data["method"], "served_on": ctx.data["served_on"], "recipient": ctx.data["recipient"],
        "witness": ctx.data.get("witness"), "public_notice_reason": ctx.data.get("public_notice_reason"),
    }, ctx.actor, at=act_time(ctx), quiet=True)
    ctx.notes.append(f"已登记「{doc.title}」{doc.number or ''}送达并生成送达回证")


@guard("onsite_form_available", needs_data=True)
def onsite_form_available(ctx):
    """The number written on the on-the-spot decision must be one of the organisation's registered,
    unused pre-printed forms (行政处罚法 第五十二条: 预定格式、编有号码)."""
    number = (ctx.data.get("form_number") or "").strip()
    form = documents.available_onsite_form(ctx.case.organisation_id, number)
    if form is None:
        return f"决定书编号 {number} 未登记为本单位的预定格式决定书"
    if form.status != "available":
        return f"决定书编号 {number} {form.status_label}，不能再次使用"
    return None


@effect("use_onsite_form")
def use_onsite_form(ctx):
    """Mark the pre-printed form used by this case and issue the on-the-spot decision under its number."""
    from caseflow.timeutil import local_now
    form = documents.available_onsite_form(ctx.case.organisation_id, ctx.data["form_number"].strip())
    form.status, form.case_id, form.used_at = "issued", ctx.case.id, local_now()
    doc = documents.create_draft_in_transaction(ctx.case, "onsite_decision", ctx.actor,
                                                 trigger=ctx.transition.trigger, data=dict(ctx.data), quiet=True)
    documents.issue_in_transaction(doc, ctx.actor, strict=False, number=form.number, at=act_time(ctx), quiet=True)
    ctx.notes.append(f"已签发「{doc.title}」{form.number}")


@effect("serve_onsite_decision")
def serve_onsite_decision(ctx):
    """The on-the-spot decision is handed over on the spot (行政处罚法 第五十二条); a refusal is noted."""
    doc = documents.effective(ctx.case.id, "onsite_decision")
    refused = ctx.data.get("signature") == "refused"
    documents.serve_in_transaction(doc, {
        "method": "direct", "served_on": ctx.data["handed_on"], "recipient": ctx.case.party.name,
        "note": "当事人拒绝签收，执法人员已在决定书上注明" if refused else "当场交付，当事人签收",
    }, ctx.actor, at=act_time(ctx), quiet=True)
    ctx.notes.append(f"已登记「{doc.title}」{doc.number or ''}送达并生成送达回证")


ROLE_OF_STEP = {"drafts": "生成草稿", "issues": "签发", "issued": "须已签发", "served": "须已送达", "serves": "登记送达"}


def steps_for(key: str) -> list[dict]:
    """The workflow steps that draft, issue, require or serve documents of `key` (the catalogue's
    "steps" column, derived from the workflow definitions so the two never disagree)."""
    steps = []
    for defn in current_app.extensions["caseflow_workflows"].values():
        for t in defn.transitions:
            roles = []
            if any(k == key for k, _ in t.documents.drafts):
                roles.append("drafts")
            if key in t.documents.issues:
                roles.append("issues")
            roles += [status for k, status in t.documents.requires if k == key]
            if any(name == "record_service" and dict(args).get("document") == key for name, args in t.effects):
                roles.append("serves")
            if any(name == "use_onsite_form" for name, _ in t.effects) and key == "onsite_decision":
                roles.append("issues")
            if any(name == "serve_onsite_decision" for name, _ in t.effects) and key == "onsite_decision":
                roles.append("serves")
            for r in dict.fromkeys(roles):
                steps.append({"workflow": defn.name, "workflow_label": defn.label, "trigger": t.trigger,
                              "label": t.label, "role": ROLE_OF_STEP[r], "kind": r})
    return steps
