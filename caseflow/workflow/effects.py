"""Effects named by the workflow definitions. They change the locked case inside the transition's
transaction; anything they raise rolls the whole transition back."""
from datetime import date

from sqlalchemy import select

from caseflow.auth.models import User
from caseflow.cases.models import Approval, CaseOfficer
from caseflow.cases.numbering import next_number
from caseflow.clues.models import ReporterIdentity
from caseflow.deadlines import services as deadlines
from caseflow.documents.services import effective_service_date
from caseflow.extensions import db
from caseflow.schemas import jsonable
from caseflow.workflow.engine import role_used
from caseflow.workflow.registry import effect



def _update_facts(case, values: dict):
    case.facts = {**(case.facts or {}), **{k: jsonable(v) for k, v in values.items()}}


def _date_arg(ctx, source: str | None) -> date:
    """A date named by an effect: a form field, a fact, a case column, or today."""
    if not source or source == "today":
        return ctx.today
    if source in ctx.data:
        return ctx.data[source]
    fact = (ctx.case.facts or {}).get(source)
    if fact:
        return date.fromisoformat(fact)
    value = getattr(ctx.case, source, None)
    if isinstance(value, date):
        return value
    raise KeyError(f"no date named {source}")


@effect("store_facts")
def store_facts(ctx, fields=None, prefix="", clear_missing=False):
    """Store the form's values as facts. With `clear_missing`, a listed field left empty clears the fact
    instead of keeping the value of an earlier submission (a new proposal replaces the old one whole)."""
    chosen = {k: v for k, v in ctx.data.items() if fields is None or k in fields}
    if clear_missing:
        chosen = {**{k: None for k in fields or ()}, **chosen}
    _update_facts(ctx.case, {f"{prefix}{k}": v for k, v in chosen.items()})


@effect("copy_facts")
def copy_facts(ctx, keys, prefix):
    """Keep the current value of facts under `prefix` (e.g. the terms of the prior notice actually served,
    which a later, unserved draft must not change)."""
    facts = ctx.case.facts or {}
    _update_facts(ctx.case, {f"{prefix}{k}": facts.get(k) for k in keys})


@effect("set_facts")
def set_facts(ctx, values):
    _update_facts(ctx.case, values)


@effect("append_fact")
def append_fact(ctx, key):
    entries = list((ctx.case.facts or {}).get(key, []))
    entries.append({**{k: jsonable(v) for k, v in ctx.data.items()}, "recorded_by": ctx.actor.name,
                    "recorded_at": ctx.now.isoformat(timespec="seconds")})
    _update_facts(ctx.case, {key: entries})


@effect("set_cause")
def set_cause(ctx):
    """Case name: party + 涉嫌 + cause + 案 while under investigation (spec §7.3 naming practice ⚠)."""
    cause = ctx.data["cause"]
    ctx.case.cause = cause
    ctx.case.title = f"{ctx.case.party.name}涉嫌{cause}案"


@effect("assign_officers")
def assign_officers(ctx):
    ids = list(dict.fromkeys(ctx.data["officers"]))
    existing = {o.user_id: o for o in ctx.case.officers}
    for o in existing.values():
        if o.user_id not in ids and o.active:
            o.active, o.removed_on, o.removed_reason = False, ctx.today, "重新指定承办人员"
    for position, uid in enumerate(ids):
        if uid in existing:
            existing[uid].active, existing[uid].lead = True, position == 0
        else:
            ctx.case.officers.append(CaseOfficer(user_id=uid, lead=position == 0, assigned_on=ctx.today,
                                                 user=db.session.get(User, uid)))


@effect("record_approval")
def record_approval(ctx, kind, form, decision="agree"):
    """Leave the approval form (审批表) on the case, signed by the logged-in approver in the role used."""
    opinion = ctx.data.get("opinion") or {"agree": "同意", "return": "退回", "disagree": "不同意"}[decision]
    approval = Approval(
        case_id=ctx.case.id, kind=kind, form_title=form, approver_id=ctx.actor.id,
        role=role_used(ctx.actor, ctx.transition), decision=decision, opinion=opinion,
        decided_at=ctx.now.replace(tzinfo=None),
        form={"case_title": ctx.case.title, "case_number": ctx.case.case_number, "state": ctx.case.state,
              "action": ctx.transition.label, "approver": ctx.actor.name,
              "data": {k: jsonable(v) for k, v in ctx.data.items()},
              "facts": {k: v for k, v in (ctx.case.facts or {}).items()}})
    db.session.add(approval)
    db.session.flush()
    ctx.approval = approval


@effect("allocate_case_number")
def allocate_case_number(ctx, series="case", date_field=None):
    case, org = ctx.case, ctx.case.organisation
    year = _date_arg(ctx, date_field).year
    n = next_number(org.id, series, year)
    pattern = org.case_number_pattern if series == "case" else org.simplified_number_pattern
    case.case_number = pattern.format(prefix=org.doc_prefix, year=year, n=n)
    case.number_series, case.case_year, case.case_seq = series, year, n


@effect("set_date")
def set_date(ctx, column, source=None):
    setattr(ctx.case, column, _date_arg(ctx, source))


@effect("schedule_deadline")
def schedule_deadline(ctx, code, source=None, when=None):
    if when and not (ctx.data.get(when) or (ctx.case.facts or {}).get(when)):
        return
    deadlines.schedule(ctx.case, code, _date_arg(ctx, source))


@effect("meet_deadline")
def meet_deadline(ctx, code, source=None):
    deadlines.meet(ctx.case, code, _date_arg(ctx, source))


@effect("waive_deadline")
def waive_deadline(ctx, code, reason):
    deadlines.waive(ctx.case, code, reason)


@effect("extend_deadline")
def extend_deadline(ctx, code, kind, days=None, days_field=None):
    deadlines.extend(ctx.case, code, int(days or ctx.data[days_field]), kind, ctx.approval,
                     ctx.data.get("reason") or ctx.transition.label)


@effect("pause_deadline")
def pause_deadline(ctx, code, reason, source=None):
    deadlines.pause(ctx.case, code, _date_arg(ctx, source), reason)


@effect("resume_deadline")
def resume_deadline(ctx, code, source=None):
    deadlines.resume(ctx.case, code, _date_arg(ctx, source))


@effect("record_service")
def record_service(ctx, prefix, document=None):
    """Record how a document was served and when service takes effect (民事诉讼法 第八十七至九十五条):
    the receipt date, or thirty days after a public notice (spec S22). With `document`, the case's issued
    document of that key is marked served and its 送达回证 issued."""
    if document:
        from caseflow.documents.workflow_wiring import serve_document
        serve_document(ctx, document)
    served = ctx.data["served_on"]
    effective = effective_service_date(ctx.data.get("method"), served)
    values = {f"{prefix}_{k}": v for k, v in ctx.data.items()}
    values[f"{prefix}_effective_on"] = effective
    _update_facts(ctx.case, values)
    if effective != served:
        ctx.notes.append(f"公告送达，视为于 {effective.isoformat()} 送达")


@effect("schedule_reporter_notice")
def schedule_reporter_notice(ctx):
    """A real-name reporter is told the filing decision within five working days (Order 5, spec T2)."""
    if ctx.case.clue_id is None:
        return
    reporter = db.session.execute(
        select(ReporterIdentity).where(ReporterIdentity.clue_id == ctx.case.clue_id)).scalar_one_or_none()
    if reporter is not None and reporter.real_name:
        deadlines.schedule(ctx.case, "T2", ctx.today)


@effect("assess_case")
def assess_case(ctx):
    """Store the rules assessment with the case (issue 3; spec §6) and let it set what the law then
    requires: legal review (行政处罚法 Art. 58 and the profile's amount triggers), collective discussion
    (Art. 57(2)), the hearing right (Arts. 63–64) and the criminal-referral assessment (Order 310 Art. 3).
    The officer's own flags can add a requirement, never remove one the rules set."""
    from caseflow.rules.case_assessment import assess_case as run
    result = run(ctx.case, ctx.data["violations"], ctx.data.get("circumstances"), ctx.data["conduct_ended_on"])
    facts = ctx.case.facts or {}
    _update_facts(ctx.case, {
        "assessment": result,
        "legal_review_required": bool(facts.get("legal_review_required")) or result["legal_review_required"],
        "collective_discussion_required": bool(facts.get("collective_discussion_required"))
        or result["collective_discussion_required"],
        "hearing_right_required": result["hearing_right"],
        "criminal_referral_required": result["criminal_referral_check"],
        "time_barred": result["time_barred"],
    })
    if result["time_barred"]:
        ctx.notes.append("已超过追责时效，依法不得给予行政处罚，仍应责令退回")
