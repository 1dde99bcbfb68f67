"""Guards named by the workflow definitions. Each returns None when it holds, else a Chinese reason
that cites the rule it enforces."""
from datetime import date

from sqlalchemy import select

from caseflow.auth.models import User
from caseflow.auth.roles import OFFICER
from caseflow.deadlines import services as deadlines
from caseflow.extensions import db
from caseflow.workflow.registry import guard

MIN_OFFICERS = 2  # 行政处罚法 第四十二条; 《医疗保障基金使用监督管理条例》第二十九条


def _fact(ctx, key, default=None):
    return (ctx.case.facts or {}).get(key, default)


def _recused_ids(case) -> set[int]:
    return {r.officer_id for r in case.recusals if r.status == "granted"}


def qualified_officers(case, on: date) -> list:
    """Assigned officers who may act on `on`: active on the case, not recused, holding a valid credential."""
    recused = _recused_ids(case)
    return [o for o in case.active_officers()
            if o.user_id not in recused and o.user.active and o.user.credential_valid_on(on)]


@guard("officers_available")
def officers_available(ctx):
    count = len(qualified_officers(ctx.case, ctx.today))
    if count < MIN_OFFICERS:
        return (f"本案可执法的承办人员仅 {count} 名（须至少两名持有效执法证且未回避的人员，"
                "《行政处罚法》第四十二条），请先由负责人增派承办人员")
    return None


@guard("actor_is_assigned_officer")
def actor_is_assigned_officer(ctx):
    if not ctx.case.officers:
        return None  # before filing, any officer of the handling organisation may act on the clue
    if ctx.actor.id in _recused_ids(ctx.case):
        return "您已回避本案，不能再办理本案（《行政处罚法》第四十三条）"
    if not any(o.user_id == ctx.actor.id and o.active for o in ctx.case.officers):
        return "只有本案承办人员才能执行该操作"
    if not ctx.actor.credential_valid_on(ctx.today):
        return "您的执法证在今天无效，不能执行执法行为（《行政处罚法》第四十二条）"
    return None


@guard("proposed_officers_qualified", needs_data=True)
def proposed_officers_qualified(ctx):
    ids = list(dict.fromkeys(ctx.data.get("officers") or []))
    if len(ids) < MIN_OFFICERS:
        return "须指定至少两名不同的承办执法人员（《行政处罚法》第四十二条）"
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}
    problems = []
    recused = _recused_ids(ctx.case)
    for uid in ids:
        user = users.get(uid)
        if user is None or user.organisation_id != ctx.case.organisation_id:
            problems.append(f"人员编号 {uid} 不是本单位人员")
        elif not user.active or not user.has_role(OFFICER):
            problems.append(f"{user.name} 不是在岗执法人员")
        elif not user.credential_valid_on(ctx.today):
            problems.append(f"{user.name} 的执法证在 {ctx.today.isoformat()} 无效")
        elif uid in recused:
            problems.append(f"{user.name} 已回避本案")
    return problems or None


@guard("filing_officers_still_qualified")
def filing_officers_still_qualified(ctx):
    if len(qualified_officers(ctx.case, ctx.today)) < MIN_OFFICERS:
        return "拟定的承办人员中持有效执法证且未回避的不足两名，请退回重新指定"
    return None


@guard("not_time_barred", needs_data=True)
def not_time_barred(ctx):
    """行政处罚法 第三十六条: not discovered within two years (five where citizens' life or health
    safety is concerned and harm resulted) → no penalty."""
    ended = ctx.data.get("conduct_ended_on")
    if not ended:
        return None
    discovered = ctx.case.clue.received_on if ctx.case.clue else ctx.today
    years = 5 if ctx.data.get("life_health_harm") else 2
    try:
        last_day = ended.replace(year=ended.year + years)
    except ValueError:  # 29 February
        last_day = ended.replace(year=ended.year + years, day=28)
    if discovered > last_day:
        return (f"违法行为终了于 {ended.isoformat()}，至 {discovered.isoformat()} 发现已超过 {years} 年追责时效，"
                "依法不再给予行政处罚（《行政处罚法》第三十六条），应作不予立案处理")
    return None


@guard("deadline_extension_unused")
def deadline_extension_unused(ctx, code, kind):
    deadline = deadlines.current(ctx.case, code)
    if deadline is None:
        return "该期限尚未开始计算"
    if any(e.kind == kind for e in deadline.extensions):
        return "该期限已经批准过此类延期，不能再次延长"
    return None


@guard("deadline_extension_used")
def deadline_extension_used(ctx, code, kind):
    deadline = deadlines.current(ctx.case, code)
    if deadline is None or not any(e.kind == kind for e in deadline.extensions):
        return "须先经负责人批准延长三十日，仍需延长的方可经集体讨论决定（《医疗保障行政处罚程序暂行规定》第四十五条，待核实）"
    return None


@guard("actor_not_investigator")
def actor_not_investigator(ctx):
    if any(o.user_id == ctx.actor.id for o in ctx.case.officers):
        return "本案调查人员不得担任本案法制审核人员（《医疗保障行政处罚程序暂行规定》，待核实）"
    return None


@guard("presider_not_investigator", needs_data=True)
def presider_not_investigator(ctx):
    presider_id = ctx.data.get("presider_id")
    presider = db.session.get(User, presider_id) if presider_id else None
    if presider is None or presider.organisation_id != ctx.case.organisation_id or not presider.active:
        return "听证主持人须为本单位在岗人员"
    if any(o.user_id == presider_id for o in ctx.case.officers):
        return "听证主持人不得由本案调查人员担任（《行政处罚法》第六十四条第（四）项）"
    return None


@guard("actor_is_presider")
def actor_is_presider(ctx):
    if _fact(ctx, "presider_id") != ctx.actor.id:
        return "只有指定的听证主持人才能记录听证结果"
    return None


@guard("legal_review_passed_if_required")
def legal_review_passed_if_required(ctx):
    # 行政处罚法 第五十八条第一款第（二）项: a case that went through a hearing is always reviewed, whatever a
    # later (re-)concluded investigation report says about legal_review_required.
    required = _fact(ctx, "legal_review_required") or _fact(ctx, "hearing_held")
    if required and not _fact(ctx, "legal_review_passed"):
        reason = "本案须经法制审核且审核通过后方可作出决定（《行政处罚法》第五十八条）"
        if _fact(ctx, "hearing_held"):
            reason += "；本案已经听证，须在听证后重新进行法制审核"
        return reason
    return None


@guard("collective_discussion_done_if_required")
def collective_discussion_done_if_required(ctx):
    if _fact(ctx, "collective_discussion_required") and not _fact(ctx, "collective_discussion_done"):
        return "本案属情节复杂或重大违法行为，须经负责人集体讨论决定（《行政处罚法》第五十七条第二款）"
    return None


@guard("collective_discussion_done_for_penalty", needs_data=True)
def collective_discussion_done_for_penalty(ctx):
    """Art. 57(2) concerns penalties; a transfer or a no-penalty decision does not wait for the discussion."""
    if ctx.data.get("decision_kind") != "penalty":
        return None
    return collective_discussion_done_if_required(ctx)


@guard("prior_notice_served_for_penalty", needs_data=True)
def prior_notice_served_for_penalty(ctx):
    if ctx.data.get("decision_kind") == "penalty" and not _fact(ctx, "notice_served_on"):
        return "未经事先告知不得作出行政处罚决定（《行政处罚法》第六十二条）"
    return None


@guard("decision_within_notice", needs_data=True)
def decision_within_notice(ctx):
    """The decision may not exceed the notified penalty (行政处罚法 第四十五条: no heavier penalty
    because the party defended itself; a heavier one needs a new prior notice — spec S30)."""
    if ctx.data.get("decision_kind") != "penalty" or not _fact(ctx, "notice_served_on"):
        return None
    facts = ctx.case.facts or {}
    # the notice actually served, not a later draft that was returned before service
    notified = facts["served_notice_fine_amount"] if "served_notice_fine_amount" in facts \
        else facts.get("notice_fine_amount")
    proposed = ctx.data.get("fine_amount")
    if not proposed:
        return None
    if notified is None:
        return (f"事先告知书未告知罚款，不得决定罚款 {proposed:.2f} 元："
                "须就拟作出的罚款重新事先告知（《行政处罚法》第四十四条、第四十五条）")
    if proposed > _decimal(notified):
        return (f"拟决定罚款 {proposed:.2f} 元高于事先告知的 {_decimal(notified):.2f} 元："
                "不得因当事人陈述申辩而加重处罚，确有新的事实证据的须重新事先告知（《行政处罚法》第四十五条）")
    return None


def _decimal(value):
    from decimal import Decimal
    return Decimal(str(value))


@guard("proposed_decision_is")
def proposed_decision_is(ctx, kind):
    if _fact(ctx, "proposed_decision_kind") != kind:
        return "该审批操作与承办人员拟定的处理决定类型不符"
    return None


@guard("hearing_request_in_time", needs_data=True)
def hearing_request_in_time(ctx):
    """行政处罚法 第六十四条第（一）项: the party asks within five working days of the notice."""
    if not _fact(ctx, "notice_hearing_right"):
        return "事先告知书未告知听证权利，本案拟作出的处罚不属于听证范围"
    deadline = deadlines.current(ctx.case, "T11")
    requested = ctx.data.get("requested_on")
    if deadline and requested and requested > deadline.due_on and not ctx.data.get("late_reason"):
        return (f"听证申请期限已于 {deadline.due_on.isoformat()} 届满（《行政处罚法》第六十四条），"
                "逾期申请视为放弃，确有正当理由的请填写逾期理由")
    return None


@guard("statement_period_over", needs_data=True)
def statement_period_over(ctx):
    if ctx.data.get("outcome") == "waived":
        return None
    for code in ("T10", "T11"):
        deadline = deadlines.current(ctx.case, code)
        if deadline and deadline.status == "open" and ctx.today <= deadline.due_on:
            return (f"{deadline.kind}至 {deadline.due_on.isoformat()} 届满，期满前只有当事人明确放弃方可结束"
                    f"（{deadline.legal_basis}）")
    return None


@guard("hearing_notice_in_time", needs_data=True)
def hearing_notice_in_time(ctx):
    """行政处罚法 第六十四条第（二）项: notify at least seven (working) days before the hearing (spec S15)."""
    from caseflow.deadlines.services import working_calendar
    served, hearing = ctx.data.get("hearing_notice_served_on"), ctx.data.get("hearing_date")
    if not served or not hearing:
        return None
    days, _ = working_calendar().working_days_between(served, hearing)
    if days < 7:
        return (f"听证通知书于 {served.isoformat()} 送达，距听证日 {hearing.isoformat()} 仅 {days} 个工作日，"
                "须至少提前七个工作日送达（《行政处罚法》第六十四条第（二）项、第八十五条），请改期")
    return None


@guard("electronic_service_consented", needs_data=True)
def electronic_service_consented(ctx):
    if ctx.data.get("method") == "electronic":
        from caseflow.documents.services import consent_document
        if not ctx.data.get("electronic_consent") or consent_document(ctx.case.id) is None:
            return "当事人未签署电子送达确认书，不得采用电子送达（《行政处罚法》第六十一条）：请先签发电子送达确认书"
    if ctx.data.get("method") == "left_behind" and not ctx.data.get("witness"):
        return "留置送达须记明见证人或以拍照、录像方式记录（《民事诉讼法》第八十九条）"
    if ctx.data.get("method") == "public_notice" and not ctx.data.get("public_notice_reason"):
        return "公告送达仅适用于受送达人下落不明或以其他方式无法送达的情形，须在案卷中记明原因和经过（《民事诉讼法》第九十五条）"
    return None


@guard("dates_not_in_future", needs_data=True)
def dates_not_in_future(ctx, allow=()):
    bad = [fd.label for fd in ctx.transition.fields
           if fd.type == "date" and fd.name not in allow and ctx.data.get(fd.name) and ctx.data[fd.name] > ctx.today]
    return [f"{label}不能晚于今天" for label in bad] or None


@guard("payment_deadline_passed")
def payment_deadline_passed(ctx):
    deadline = deadlines.current(ctx.case, "T17")
    served = ctx.data.get("served_on") or ctx.today  # the reminder's own date, even when recorded later
    if deadline and served <= deadline.due_on:
        return f"缴款期限至 {deadline.due_on.isoformat()} 届满，期满未履行的方可催告（《行政强制法》第五十四条）"
    return None


@guard("reminder_period_elapsed")
def reminder_period_elapsed(ctx):
    deadline = deadlines.current(ctx.case, "T20")
    if deadline is None or ctx.today <= deadline.due_on:
        due = deadline.due_on.isoformat() if deadline else "—"
        return f"催告书送达后满十个工作日（{due}）当事人仍未履行的，方可申请法院强制执行（《行政强制法》第五十四条）"
    return None


@guard("litigation_period_expired")
def litigation_period_expired(ctx):
    """行政强制法 第五十三条: an agency without enforcement power applies to the court only after the party's
    periods for reconsideration and litigation (行政诉讼法 第四十六条: six months) ran out unused."""
    deadline = deadlines.current(ctx.case, "T24")
    if deadline is None or ctx.today <= deadline.due_on:
        due = deadline.due_on.isoformat() if deadline else "—"
        return (f"当事人申请行政复议、提起行政诉讼的法定期限（至 {due}）届满前，不得申请人民法院强制执行"
                "（《行政强制法》第五十三条）")
    return None


@guard("simplified_procedure_limits", needs_data=True)
def simplified_procedure_limits(ctx):
    """行政处罚法 第五十一条: on-the-spot decisions only for a warning or a fine up to 200 yuan (citizens)
    or 3,000 yuan (organisations)."""
    from decimal import Decimal
    fine = ctx.data.get("fine_amount")
    limit = Decimal("200") if ctx.case.party.is_person else Decimal("3000")
    if fine is not None and fine > limit:
        who = "公民" if ctx.case.party.is_person else "法人或者其他组织"
        return f"对{who}当场处以罚款不得超过 {limit:.0f} 元（《行政处罚法》第五十一条），请改用一般程序"
    if ctx.case.party.kind == "insured":
        return "参保人员违法须暂停联网结算（《医疗保障基金使用监督管理条例》第四十一条），不适用简易程序"
    return None


@guard("preservation_approval_timely", needs_data=True)
def preservation_approval_timely(ctx):
    """行政处罚法 第五十六条: registration-preservation needs the head's approval beforehand; in an emergency
    the measure may come first and approval within twenty-four hours (spec T5, by analogy with
    行政强制法 第十九条 — ⚠ for Order 4)."""
    taken = ctx.data.get("taken_on")
    if taken is None or taken >= ctx.today:
        return None
    if not ctx.data.get("emergency"):
        return (f"先行登记保存须事先经负责人批准（《行政处罚法》第五十六条），采取日期 {taken.isoformat()} 早于批准日；"
                "情况紧急先行采取的，请勾选并在二十四小时内补办批准")
    if (ctx.today - taken).days > 1:
        return "情况紧急先行采取先行登记保存的，应当在二十四小时内报负责人补办批准手续（《行政强制法》第十九条，参照适用）"
    return None


@guard("preservation_open")
def preservation_open(ctx):
    deadline = deadlines.current(ctx.case, "T4")
    if deadline is None or deadline.status not in ("open", "overdue"):
        return "本案没有待作出处理决定的先行登记保存"
    return None



# ---- the decision against the rules assessment (issue 3; spec §3.6–3.10, §6) ----------------------------

def _form(ctx):
    return ctx.data


def _stored(ctx):
    """The proposal the officer submitted (facts `proposed_*`), for the approving head."""
    facts = ctx.case.facts or {}
    return {k[len("proposed_"):]: v for k, v in facts.items() if k.startswith("proposed_")}


def _assessment(ctx) -> dict | None:
    return (ctx.case.facts or {}).get("assessment")


@guard("penalty_available")
def penalty_available(ctx):
    """No prior notice of a penalty where the law forbids the penalty (行政处罚法 Arts. 30, 33, 36, 40)."""
    assessment = _assessment(ctx)
    if assessment and not assessment["punishable"]:
        return ["依法不得给予行政处罚，只能作不予处罚、撤销立案等处理（仍应责令退回）："
                + "；".join(assessment["not_punishable_reasons"])]
    return None


@guard("hearing_right_notified_when_due", needs_data=True)
def hearing_right_notified_when_due(ctx):
    """行政处罚法 第六十三条、第六十四条: where the intended penalty gives a hearing right, the notice says so."""
    assessment = _assessment(ctx)
    if assessment and assessment["hearing_right"] and not ctx.data.get("hearing_right"):
        return ("拟作出的处罚属于听证范围（" + "；".join(assessment["hearing_reasons"]) +
                "），事先告知书应当告知当事人有要求听证的权利（《行政处罚法》第六十三条、第六十四条）")
    return None


def _respects_assessment(ctx, proposal: dict):
    """A penalty only where the law allows one, and within the legal range: never above the maximum;
    below the minimum (减轻) only with a statutory mitigation ground and a passed legal review
    (行政处罚法 Arts. 30–33, 36, 58; spec §2.4 and §6.5)."""
    if proposal.get("decision_kind") != "penalty":
        return None
    assessment = _assessment(ctx)
    if assessment is None:
        return None
    if not assessment["punishable"]:
        return ["依法不得给予行政处罚：" + "；".join(assessment["not_punishable_reasons"])]
    from caseflow.rules.case_assessment import reassess
    fine = proposal.get("fine_amount")
    checked = reassess(ctx.case, {"fine": fine if fine is not None else "0.00",
                                  "service_suspension_months": proposal.get("service_suspension_months"),
                                  "settlement_suspension_months": proposal.get("settlement_suspension_months")})
    reasons = list(checked["proposed_check"]["problems"])
    if checked["proposed_check"].get("requires_legal_review") and not (ctx.case.facts or {}).get("legal_review_passed"):
        reasons.append("罚款低于法定最低额属减轻处罚，须经法制审核通过（《行政处罚法》第五十八条）")
    return reasons or None


@guard("decision_respects_assessment", needs_data=True)
def decision_respects_assessment(ctx):
    return _respects_assessment(ctx, _form(ctx))


@guard("proposed_decision_respects_assessment")
def proposed_decision_respects_assessment(ctx):
    return _respects_assessment(ctx, _stored(ctx))


@guard("refund_as_assessed", needs_data=True)
def refund_as_assessed(ctx):
    """The fund's loss is ordered back whatever the decision (Order 735 Arts. 37–41; a refund is no penalty and
    survives the limitation bar — spec §6.4), except where the facts are not established or the case goes to
    another authority."""
    kind = ctx.data.get("decision_kind")
    assessment = _assessment(ctx)
    if assessment is None or kind not in ("penalty", "no_penalty"):
        return None
    from decimal import Decimal
    due = Decimal(assessment["total"]["refund"])
    ordered = ctx.data.get("refund_amount") or Decimal("0")
    if due > 0 and ordered != due:
        return (f"应责令退回医疗保障基金 {due:.2f} 元（{'、'.join(i['basis'][0] for i in assessment['items'])}），"
                f"拟定为 {ordered:.2f} 元；超过追责时效或不予处罚的，仍应责令退回")
    return None


def _criminal_referral_assessed(ctx, proposal: dict):
    """Fraud at or above the profile's 数额较大 figure: the principal head's referral assessment comes before
    any fine (spec §3.15; Order 310 Arts. 3, 5), and no fine replaces a criminal penalty (行政处罚法 Art. 82)."""
    if proposal.get("decision_kind") != "penalty" or not (ctx.case.facts or {}).get("criminal_referral_required"):
        return None
    conclusion = (ctx.case.facts or {}).get("criminal_referral_conclusion")
    if conclusion is None:
        return ("本案涉嫌骗取医保基金且金额达到“数额较大”标准，须先由主要负责人作出涉嫌犯罪移送评估决定，"
                "方可决定罚款（《行政执法机关移送涉嫌犯罪案件的规定》第三条、第五条）")
    if conclusion == "transfer":
        return "已决定移送公安机关，不得以行政处罚代替刑事处罚（《行政处罚法》第八十二条），请拟定移送决定"
    return None


@guard("criminal_referral_assessed", needs_data=True)
def criminal_referral_assessed(ctx):
    return _criminal_referral_assessed(ctx, _form(ctx))


@guard("proposed_criminal_referral_assessed")
def proposed_criminal_referral_assessed(ctx):
    return _criminal_referral_assessed(ctx, _stored(ctx))


@guard("statement_window_closed")
def statement_window_closed(ctx):
    """行政处罚法 第四十四条、第六十二条: no decision before the party was heard or waived the right."""
    facts = ctx.case.facts or {}
    if not facts.get("statements_outcome") and not facts.get("hearing_held"):
        return "陈述申辩期尚未届满且当事人未明确放弃，不得作出处罚决定（《行政处罚法》第六十二条）"
    return None


@guard("hearing_held_if_requested")
def hearing_held_if_requested(ctx):
    facts = ctx.case.facts or {}
    if facts.get("hearing_requested_on") and not facts.get("hearing_held"):
        return "当事人已依法要求听证，未经听证不得作出处罚决定（《行政处罚法》第六十三条、第六十五条）"
    return None


@guard("within_decision_time_limit")
def within_decision_time_limit(ctx):
    """行政处罚法 第六十条: decide within ninety days of filing unless the time limit was extended."""
    deadline = deadlines.current(ctx.case, "T8")
    if deadline is None or deadline.status not in ("open", "overdue"):
        return None
    if deadlines.effective_status(deadline, ctx.today) == "overdue":
        extended = "（已延长）" if deadline.extensions else ""
        return (f"办案期限已于 {deadline.due_on.isoformat()} 届满{extended}，须先经批准延长期限方可作出决定"
                "（《行政处罚法》第六十条；《医疗保障行政处罚程序暂行规定》第四十五条，待核实）")
    return None
