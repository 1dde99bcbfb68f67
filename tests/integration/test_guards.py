"""Each guard of caseflow/workflow/guards.py, holding and failing, with the reason a user reads. A refused
act changes nothing (refuse() compares every table before and after)."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from caseflow.cases import services as cases
from caseflow.errors import Forbidden, ValidationFailed
from caseflow.extensions import db
from caseflow.workflow.registry import GUARDS, Context
from tests.integration.procedure_helpers import (
    PHARMACY,
    act,
    approvals,
    concluded_case,
    deadline,
    decided_case,
    filed_case,
    make_user,
    noticed_case,
    open_clue,
    refuse,
    run,
)

TESTED = set()


def covers(*names):
    TESTED.update(names)
    return lambda fn: fn


# the document guards are tested in test_documents.py (a step refused until its document is issued or
# served; the on-the-spot decision needs a registered, unused pre-printed form)
covers("documents_ready", "onsite_form_available")


@pytest.fixture
def pharmacy(parties):
    return parties[PHARMACY]


def grant_recusal(people, case, username, on_behalf="head"):
    recusal = cases.file_recusal(people[username], case.id, officer_id=people[username].id, kind="declaration",
                                 reason="本人配偶系当事人法定代表人。")
    cases.decide_recusal(people[on_behalf], recusal.id, granted=True, opinion="准予回避。")
    db.session.expire_all()
    return db.session.get(type(case), case.id)


# ---- officers (行政处罚法 Arts. 42–43) ---------------------------------------------------------------------

@covers("officers_available")
def test_officers_available_holds_with_two_qualified_officers(people, pharmacy):
    case = filed_case(people, pharmacy)
    case = act(case, "conclude_investigation", date(2025, 2, 24), people)
    assert case.state == "investigation_concluded"


def test_officers_available_fails_after_a_granted_recusal(people, pharmacy):
    """Spec S20: an officer's spouse is the party's legal representative; the officer recuses."""
    case = grant_recusal(people, filed_case(people, pharmacy), "officer2")
    refuse(case, "conclude_investigation", date(2025, 2, 24), people, "仅 1 名", "须至少两名", "第四十二条",
           "请先由负责人增派承办人员")


def test_officers_available_counts_an_expired_credential_as_unqualified_on_the_act_date(people, pharmacy):
    make_user(people, "expiring", "赵晓东", ["officer"], credential="35010020230099", valid_until=date(2025, 3, 31))
    case = filed_case(people, pharmacy, officers=[people["officer"].id, people["expiring"].id])
    refuse(case, "conclude_investigation", date(2025, 4, 1), people, "仅 1 名", "第四十二条")
    case = act(case, "conclude_investigation", date(2025, 3, 31), people)
    assert case.state == "investigation_concluded"


@covers("actor_is_assigned_officer")
def test_any_officer_may_act_on_a_clue_but_only_assigned_officers_on_a_case(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    case = act(case, "propose_filing", date(2025, 2, 11), people, actor="officer3")
    case = act(case, "approve_filing", date(2025, 2, 12), people)
    refuse(case, "conclude_investigation", date(2025, 2, 24), people, "只有本案承办人员才能执行该操作", actor="officer3")
    case = act(case, "conclude_investigation", date(2025, 2, 24), people, actor="officer2")
    assert case.state == "investigation_concluded"


def test_a_recused_officer_cannot_act(people, pharmacy):
    case = grant_recusal(people, filed_case(people, pharmacy), "officer2")
    refuse(case, "conclude_investigation", date(2025, 2, 24), people, "您已回避本案", "第四十三条", actor="officer2")


def test_an_officer_whose_credential_expired_cannot_act(people, pharmacy):
    make_user(people, "expiring", "赵晓东", ["officer"], credential="35010020230099", valid_until=date(2025, 3, 31))
    case = filed_case(people, pharmacy, officers=[people["expiring"].id, people["officer"].id, people["officer2"].id])
    refuse(case, "conclude_investigation", date(2025, 4, 1), people, "您的执法证在今天无效", actor="expiring")
    case = act(case, "conclude_investigation", date(2025, 4, 1), people, actor="officer2")
    assert case.state == "investigation_concluded"


@covers("proposed_officers_qualified")
@pytest.mark.parametrize("who, reason", [
    (("officer", "officer"), "须指定至少两名不同的承办执法人员"),
    (("officer", "gl_officer"), "不是本单位人员"),
    (("officer", "reviewer"), "郑丽娟 不是在岗执法人员"),
    (("officer", "expired"), "的执法证在 2025-02-11 无效"),
])
def test_proposed_officers_must_be_two_qualified_officers_of_this_organisation(people, pharmacy, who, reason):
    make_user(people, "expired", "钱卫国", ["officer"], credential="35010020230098", valid_until=date(2024, 12, 31))
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    refuse(case, "propose_filing", date(2025, 2, 11), people, reason, officers=[people[u].id for u in who])


def test_a_single_proposed_officer_fails_validation(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    refuse(case, "propose_filing", date(2025, 2, 11), people, "至少需要两名执法人员", error=ValidationFailed,
           officers=[people["officer"].id])


def test_a_recused_officer_cannot_be_proposed_again(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    case = act(case, "propose_filing", date(2025, 2, 11), people)
    case = act(case, "return_filing", date(2025, 2, 12), people, opinion="请重新指定承办人员。")
    case = grant_recusal(people, case, "officer2")
    refuse(case, "propose_filing", date(2025, 2, 13), people, "陈晓梅 已回避本案")
    case = act(case, "propose_filing", date(2025, 2, 13), people,
               officers=[people["officer"].id, people["officer3"].id])
    assert case.state == "filing_proposed"


@covers("filing_officers_still_qualified")
def test_filing_refused_when_a_proposed_officer_lost_the_credential_before_approval(people, pharmacy):
    make_user(people, "expiring", "赵晓东", ["officer"], credential="35010020230099", valid_until=date(2025, 2, 11))
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    case = act(case, "propose_filing", date(2025, 2, 11), people,
               officers=[people["officer"].id, people["expiring"].id])
    refuse(case, "approve_filing", date(2025, 2, 12), people, "持有效执法证且未回避的不足两名")
    case = act(case, "approve_filing", date(2025, 2, 11), people)
    assert case.state == "investigating"


# ---- limitation (行政处罚法 Art. 36; spec S10, §6.4) -------------------------------------------------------

@covers("not_time_barred")
def test_time_barred_conduct_cannot_be_filed(people, pharmacy):
    """Spec S10: conduct ended 2022-03-31, first report 2024-05-10 — more than two years."""
    case = open_clue(people, pharmacy, date(2024, 5, 10))
    refuse(case, "propose_filing", date(2024, 5, 11), people, "2022-03-31", "2024-05-10", "超过 2 年追责时效",
           "《行政处罚法》第三十六条", "不予立案", conduct_ended_on=date(2022, 3, 31))
    case = act(case, "propose_filing", date(2024, 5, 11), people, conduct_ended_on=date(2022, 3, 31),
               life_health_harm=True)                  # five years where life or health was harmed
    assert case.state == "filing_proposed"


@pytest.mark.parametrize("ended, received, barred", [
    (date(2022, 5, 10), date(2024, 5, 10), False),    # exactly two years: still in time
    (date(2022, 5, 9), date(2024, 5, 10), True),
    (date(2024, 2, 29), date(2026, 2, 28), False),     # leap day: the period ends on 28 February
    (date(2024, 2, 29), date(2026, 3, 1), True),
])
def test_limitation_boundaries(people, pharmacy, ended, received, barred):
    case = open_clue(people, pharmacy, received)
    if barred:
        refuse(case, "propose_filing", received, people, "第三十六条", conduct_ended_on=ended)
    else:
        assert act(case, "propose_filing", received, people, conduct_ended_on=ended).state == "filing_proposed"


def test_limitation_is_counted_to_discovery_not_to_filing(people, pharmacy):
    """Spec §6.4: 'discovered' is the receipt of the clue, not the (later) proposal or filing date."""
    case = open_clue(people, pharmacy, date(2024, 3, 29))
    case = act(case, "propose_filing", date(2024, 5, 6), people, conduct_ended_on=date(2022, 3, 31))
    assert case.state == "filing_proposed"


# ---- extensions -----------------------------------------------------------------------------------------

@covers("deadline_extension_unused", "deadline_extension_used")
def test_verification_extended_once_by_the_head(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    assert deadline(case, "T1").due_on == date(2025, 3, 3)
    case = act(case, "extend_verification", date(2025, 2, 28), people)
    assert deadline(case, "T1").due_on == date(2025, 3, 24)          # +15 working days
    refuse(case, "extend_verification", date(2025, 3, 3), people, "该期限已经批准过此类延期，不能再次延长")


def test_collective_extension_needs_the_heads_first(people, pharmacy):
    case = filed_case(people, pharmacy)
    refuse(case, "extend_time_limit_collectively", date(2025, 4, 1), people, "须先经负责人批准延长三十日")
    case = act(case, "extend_time_limit", date(2025, 4, 1), people)
    case = act(case, "extend_time_limit_collectively", date(2025, 5, 1), people, days=20)
    assert deadline(case, "T8").due_on == date(2025, 7, 2)           # 02-12 + 90 + 30 + 20 days


def test_extension_guard_without_a_running_deadline(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    ctx = Context(case, people["head"], {}, None, None, date(2025, 2, 11), datetime(2025, 2, 11, 9))
    assert GUARDS["deadline_extension_unused"].fn(ctx, code="T8", kind="head_extension") == "该期限尚未开始计算"
    assert "须先经负责人批准" in GUARDS["deadline_extension_used"].fn(ctx, code="T8", kind="head_extension")


# ---- legal review, hearing roles (行政处罚法 Arts. 58, 64) --------------------------------------------------

@covers("actor_not_investigator")
def test_an_investigator_cannot_review_the_case(people, pharmacy):
    make_user(people, "dual", "孙丽华", ["officer", "legal_reviewer"], credential="35010020230097")
    case = filed_case(people, pharmacy, officers=[people["officer"].id, people["dual"].id])
    case = run(case, [("conclude_investigation", date(2025, 2, 24)), ("submit_legal_review", date(2025, 2, 25))],
               people)
    refuse(case, "pass_legal_review", date(2025, 2, 26), people, "本案调查人员不得担任本案法制审核人员", actor="dual")
    refuse(case, "return_legal_review", date(2025, 2, 26), people, "本案调查人员不得担任", actor="dual")
    case = act(case, "pass_legal_review", date(2025, 2, 26), people, actor="reviewer")
    assert case.state == "legal_review_passed"


def hearing_requested(people, pharmacy):
    case = noticed_case(people, pharmacy)
    return act(case, "request_hearing", date(2025, 3, 5), people, requested_on=date(2025, 3, 5))


@covers("presider_not_investigator")
def test_presider_must_be_a_non_investigator_of_this_organisation(people, pharmacy):
    case = hearing_requested(people, pharmacy)
    refuse(case, "schedule_hearing", date(2025, 3, 10), people, "不得由本案调查人员担任", "第六十四条第（四）项",
           presider_id=people["officer"].id)
    refuse(case, "schedule_hearing", date(2025, 3, 10), people, "听证主持人须为本单位在岗人员",
           presider_id=people["gl_head"].id)
    case = act(case, "schedule_hearing", date(2025, 3, 10), people, presider_id=people["reviewer"].id)
    assert case.state == "hearing_scheduled" and case.facts["presider_id"] == people["reviewer"].id


def test_a_recused_investigator_still_cannot_preside(people, pharmacy):
    case = hearing_requested(people, pharmacy)
    cases.assign_officer(people["head"], case.id, user_id=people["officer3"].id)
    case = grant_recusal(people, case, "officer2")
    refuse(case, "schedule_hearing", date(2025, 3, 10), people, "不得由本案调查人员担任",
           presider_id=people["officer2"].id)


@covers("actor_is_presider")
def test_only_the_presider_records_the_hearing(people, pharmacy):
    case = act(hearing_requested(people, pharmacy), "schedule_hearing", date(2025, 3, 10), people,
               hearing_date=date(2025, 3, 21))
    for username in ("officer", "head", "reviewer"):
        refuse(case, "hold_hearing", date(2025, 3, 21), people, "只有指定的听证主持人才能记录听证结果", actor=username,
               held_on=date(2025, 3, 21))
    case = act(case, "hold_hearing", date(2025, 3, 21), people, actor="officer3", held_on=date(2025, 3, 21))
    assert case.state == "hearing_held"


# ---- before the decision (行政处罚法 Arts. 44–45, 57–58, 62) -------------------------------------------------

@covers("legal_review_passed_if_required")
def test_no_decision_without_a_required_legal_review(people, pharmacy):
    case = concluded_case(people, pharmacy)                          # legal review required
    case = run(case, [("propose_prior_notice", date(2025, 2, 25)), ("approve_prior_notice", date(2025, 2, 26)),
                      ("serve_prior_notice", date(2025, 2, 27)),
                      ("conclude_statements", date(2025, 2, 28), {"outcome": "waived"})], people)
    refuse(case, "propose_decision", date(2025, 3, 3), people, "本案须经法制审核且审核通过后方可作出决定",
           "第五十八条")
    refuse(case, "submit_collective_discussion", date(2025, 3, 3), people, "第五十八条")
    case = run(case, [("submit_final_review", date(2025, 3, 3)), ("pass_final_review", date(2025, 3, 4)),
                      ("propose_decision", date(2025, 3, 5))], people)
    assert case.state == "decision_proposed"


def test_no_review_needed_when_not_required(people, pharmacy):
    case = concluded_case(people, pharmacy, legal_review_required=False)
    case = run(case, [("propose_prior_notice", date(2025, 2, 25)), ("approve_prior_notice", date(2025, 2, 26)),
                      ("serve_prior_notice", date(2025, 2, 27)),
                      ("conclude_statements", date(2025, 2, 28), {"outcome": "waived"}),
                      ("propose_decision", date(2025, 3, 3)), ("approve_penalty_decision", date(2025, 3, 4))], people)
    assert case.state == "penalty_decided"


def test_a_re_concluded_investigation_needs_a_new_review(people, pharmacy):
    """The review covered the old report; new findings after a reopened investigation need their own review."""
    case = noticed_case(people, pharmacy)                            # reviewed 02-26, notice served 03-03
    case = run(case, [("conclude_statements", date(2025, 3, 11)), ("propose_decision", date(2025, 3, 12)),
                      ("return_decision", date(2025, 3, 13)), ("reopen_investigation", date(2025, 3, 14)),
                      ("conclude_investigation", date(2025, 3, 17))], people)
    refuse(case, "propose_decision", date(2025, 3, 18), people, "第五十八条")


@covers("collective_discussion_done_if_required")
def test_serious_cases_are_decided_collectively(people, pharmacy):
    case = noticed_case(people, pharmacy, conclusion={"collective_discussion_required": True})
    case = act(case, "conclude_statements", date(2025, 3, 11), people)
    refuse(case, "propose_decision", date(2025, 3, 12), people, "须经负责人集体讨论决定", "第五十七条第二款")
    case = run(case, [("submit_collective_discussion", date(2025, 3, 12)),
                      ("record_collective_discussion", date(2025, 3, 13)), ("propose_decision", date(2025, 3, 14))],
               people)
    assert case.state == "decision_proposed"
    assert case.facts["collective_discussion_done"] is True


@covers("prior_notice_served_for_penalty")
def test_no_penalty_without_prior_notice(people, pharmacy):
    case = concluded_case(people, pharmacy, legal_review_required=False)
    refuse(case, "propose_decision", date(2025, 2, 25), people, "未经事先告知不得作出行政处罚决定", "第六十二条")
    case = act(case, "propose_decision", date(2025, 2, 25), people, decision_kind="not_established",
               fine_amount=None)
    assert case.state == "decision_proposed"


SIXTY = {"fine_amount": Decimal("60000.00"), "intended_penalty": "拟处罚款 60000.00 元。"}
NINETY = {"fine_amount": Decimal("90000.00"), "intended_penalty": "拟处罚款 90000.00 元。"}
# a loss of 50,000 under Order 735 Art. 38: fine 50,000–100,000, so both notified fines are lawful
S30_LOSS = {"violations": [{"article": "735-38", "amount": Decimal("50000.00"), "fraud_purpose": False}]}
REFUND = Decimal("50000.00")


@covers("decision_within_notice")
def test_decision_cannot_exceed_the_notified_fine(people, pharmacy):
    """Spec S30: the fine notified was 60,000; 90,000 needs a new prior notice (行政处罚法 Art. 45)."""
    case = act(noticed_case(people, pharmacy, notice=SIXTY, conclusion=S30_LOSS), "conclude_statements", date(2025, 3, 11), people)
    refuse(case, "propose_decision", date(2025, 3, 12), people, "90000.00", "60000.00", "重新事先告知",
           "第四十五条", fine_amount=Decimal("90000.00"), refund_amount=REFUND)
    case = act(case, "propose_decision", date(2025, 3, 12), people, fine_amount=Decimal("60000.00"), refund_amount=REFUND)
    assert case.state == "decision_proposed"


def test_a_new_notice_served_allows_the_higher_fine(people, pharmacy):
    case = act(noticed_case(people, pharmacy, notice=SIXTY, conclusion=S30_LOSS), "conclude_statements", date(2025, 3, 11), people)
    case = run(case, [("propose_decision", date(2025, 3, 12), {"fine_amount": Decimal("60000.00"), "refund_amount": REFUND}),
                      ("return_decision", date(2025, 3, 13), {"opinion": "发现新的证据，请重新告知。"}),
                      ("propose_prior_notice", date(2025, 3, 14), NINETY), ("approve_prior_notice", date(2025, 3, 17)),
                      ("serve_prior_notice", date(2025, 3, 18)),
                      ("conclude_statements", date(2025, 3, 26), {"outcome": "expired"}),
                      ("propose_decision", date(2025, 3, 27), {"fine_amount": Decimal("90000.00"), "refund_amount": REFUND})], people)
    assert case.state == "decision_proposed"


def test_an_unserved_new_notice_does_not_raise_the_ceiling(people, pharmacy):
    """A re-notification proposed with 90,000 and returned by the head was never served: 60,000 stays the limit."""
    case = act(noticed_case(people, pharmacy, notice=SIXTY, conclusion=S30_LOSS), "conclude_statements", date(2025, 3, 11), people)
    case = run(case, [("propose_decision", date(2025, 3, 12), {"fine_amount": Decimal("60000.00"), "refund_amount": REFUND}),
                      ("return_decision", date(2025, 3, 13)),
                      ("propose_prior_notice", date(2025, 3, 14), NINETY), ("return_prior_notice", date(2025, 3, 17))],
               people)
    assert case.state == "investigation_concluded"
    refuse(case, "propose_decision", date(2025, 3, 18), people, "高于事先告知的 60000.00 元",
           fine_amount=Decimal("90000.00"), refund_amount=REFUND)
    case = act(case, "propose_decision", date(2025, 3, 18), people, fine_amount=Decimal("60000.00"), refund_amount=REFUND)
    assert case.state == "decision_proposed"


def test_a_fine_not_in_the_notice_is_refused(people, pharmacy):
    case = noticed_case(people, pharmacy, notice={"fine_amount": None, "intended_penalty": "拟责令退回 38000.00 元。"})
    case = act(case, "conclude_statements", date(2025, 3, 11), people)
    refuse(case, "propose_decision", date(2025, 3, 12), people, "事先告知书未告知罚款", "第四十五条")
    # nor can the fine be dropped: Order 735 Art. 38 makes it part of the penalty, so a new notice is needed
    refuse(case, "propose_decision", date(2025, 3, 12), people, "低于法定最低罚款 38000.00 元", fine_amount=None)


@covers("proposed_decision_is")
def test_the_head_approves_the_kind_of_decision_proposed(people, pharmacy):
    case = act(noticed_case(people, pharmacy), "conclude_statements", date(2025, 3, 11), people)
    case = act(case, "propose_decision", date(2025, 3, 12), people)
    for trigger in ("approve_no_penalty_decision", "approve_not_established", "approve_authority_transfer"):
        refuse(case, trigger, date(2025, 3, 13), people, "该审批操作与承办人员拟定的处理决定类型不符")
    refuse(case, "approve_police_transfer", date(2025, 3, 13), people, "拟定的处理决定类型不符", actor="principal")
    assert act(case, "approve_penalty_decision", date(2025, 3, 13), people).state == "penalty_decided"


# ---- statements and hearing periods --------------------------------------------------------------------

@covers("hearing_request_in_time")
def test_hearing_request_within_five_working_days(people, pharmacy):
    case = noticed_case(people, pharmacy)                            # T11 due 03-10
    refuse(case, "request_hearing", date(2025, 3, 11), people, "听证申请期限已于 2025-03-10 届满", "第六十四条",
           requested_on=date(2025, 3, 11))
    case = act(case, "request_hearing", date(2025, 3, 11), people, requested_on=date(2025, 3, 10))
    assert case.state == "hearing_requested"


def test_hearing_request_not_possible_without_the_right(people, pharmacy):
    case = noticed_case(people, pharmacy, notice={"hearing_right": False})
    refuse(case, "request_hearing", date(2025, 3, 4), people, "事先告知书未告知听证权利", requested_on=date(2025, 3, 4))


@covers("statement_period_over")
def test_statements_concluded_only_after_the_period_or_an_express_waiver(people, pharmacy):
    case = noticed_case(people, pharmacy)
    refuse(case, "conclude_statements", date(2025, 3, 10), people, "陈述、申辩期限至 2025-03-10 届满",
           "期满前只有当事人明确放弃方可结束", "第四十一条", outcome="expired")
    assert act(case, "conclude_statements", date(2025, 3, 11), people, outcome="expired").state == \
        "statements_concluded"


@covers("hearing_notice_in_time")
@pytest.mark.parametrize("served, hearing, days", [
    (date(2025, 3, 18), date(2025, 3, 27), None),
    (date(2025, 3, 19), date(2025, 3, 27), 6),
    (date(2025, 9, 26), date(2025, 10, 13), None),    # 09-28 and 10-11 are make-up working days: 7 WD
    (date(2025, 9, 29), date(2025, 10, 13), 5),       # the National Day holiday does not count
])
def test_hearing_notice_seven_working_days(app, served, hearing, days):
    ctx = Context(None, None, {"hearing_notice_served_on": served, "hearing_date": hearing}, None, None,
                  served, datetime(2025, 1, 1))
    reason = GUARDS["hearing_notice_in_time"].fn(ctx)
    if days is None:
        assert reason is None
    else:
        assert f"仅 {days} 个工作日" in reason and "第六十四条第（二）项、第八十五条" in reason


# ---- service (行政处罚法 Art. 61; 民事诉讼法 Art. 89) ---------------------------------------------------------

@covers("electronic_service_consented")
@pytest.mark.parametrize("form, reason", [
    ({"method": "electronic"}, "当事人未签署电子送达确认书，不得采用电子送达（《行政处罚法》第六十一条）"),
    ({"method": "electronic", "electronic_consent": False}, "未签署电子送达确认书"),
    ({"method": "left_behind"}, "留置送达须记明见证人或以拍照、录像方式记录（《民事诉讼法》第八十九条）"),
    # the box ticked is not enough: the party's signed 电子送达确认书 must be on file (issue 4)
    ({"method": "electronic", "electronic_consent": True}, "请先签发电子送达确认书"),
    ({"method": "left_behind", "witness": "社区工作人员张某"}, None),
    ({"method": "public_notice"}, "公告送达仅适用于受送达人下落不明或以其他方式无法送达的情形，须在案卷中记明原因和经过（《民事诉讼法》第九十五条）"),
    ({"method": "public_notice", "public_notice_reason": "当事人下落不明。"}, None),
    ({"method": "post"}, None),
])
def test_service_methods(people, pharmacy, form, reason):
    case = concluded_case(people, pharmacy)
    case = run(case, [("propose_prior_notice", date(2025, 2, 25)), ("approve_prior_notice", date(2025, 2, 26))],
               people)
    if reason:
        refuse(case, "serve_prior_notice", date(2025, 2, 27), people, reason, **form)
    else:
        assert act(case, "serve_prior_notice", date(2025, 2, 27), people, **form).state == "statement_period"


@covers("dates_not_in_future")
def test_dates_cannot_be_in_the_future(people, pharmacy):
    case = concluded_case(people, pharmacy)
    case = run(case, [("propose_prior_notice", date(2025, 2, 25)), ("approve_prior_notice", date(2025, 2, 26))],
               people)
    refuse(case, "serve_prior_notice", date(2025, 2, 27), people, "送达日期不能晚于今天",
           served_on=date(2025, 2, 28))
    case = act(case, "serve_prior_notice", date(2025, 2, 27), people, served_on=date(2025, 2, 27))
    case = act(case, "request_hearing", date(2025, 2, 28), people, requested_on=date(2025, 2, 28))
    # the hearing itself is in the future; the service of its notice is not
    refuse(case, "schedule_hearing", date(2025, 3, 3), people, "听证通知书送达日期不能晚于今天",
           hearing_notice_served_on=date(2025, 3, 4), hearing_date=date(2025, 3, 20))
    case = act(case, "schedule_hearing", date(2025, 3, 3), people, hearing_notice_served_on=date(2025, 3, 3),
               hearing_date=date(2025, 3, 20))
    assert case.state == "hearing_scheduled"


# ---- execution (行政处罚法 Art. 67; 行政强制法 Arts. 54, 69) --------------------------------------------------

def served_decision(people, pharmacy):
    return act(decided_case(people, pharmacy), "serve_decision", date(2025, 3, 17), people)   # T17 due 04-01


@covers("payment_deadline_passed")
def test_reminder_only_after_the_payment_deadline(people, pharmacy):
    case = served_decision(people, pharmacy)
    refuse(case, "issue_reminder", date(2025, 4, 1), people, "缴款期限至 2025-04-01 届满", "第五十四条",
           served_on=date(2025, 4, 1))
    case = act(case, "issue_reminder", date(2025, 4, 2), people, served_on=date(2025, 4, 2))
    assert case.state == "reminder_served"


def test_a_reminder_served_before_the_deadline_is_refused_even_if_recorded_later(people, pharmacy):
    case = served_decision(people, pharmacy)
    refuse(case, "issue_reminder", date(2025, 4, 10), people, "缴款期限至 2025-04-01 届满",
           served_on=date(2025, 3, 28))


@covers("reminder_period_elapsed", "litigation_period_expired")
def test_court_enforcement_after_the_reminder_and_the_litigation_period(people, pharmacy):
    """行政强制法 Arts. 53–54: ten working days after the reminder, and only once the six months for
    reconsideration and litigation after service (2025-03-17 → 09-17) passed unused."""
    case = act(served_decision(people, pharmacy), "issue_reminder", date(2025, 4, 2), people,
               served_on=date(2025, 4, 2))
    assert deadline(case, "T20").due_on == date(2025, 4, 17)         # Qingming 04-04..06 not counted
    assert deadline(case, "T24").due_on == date(2025, 9, 17)
    refuse(case, "apply_court_enforcement", date(2025, 4, 17), people, "（2025-04-17）", "第五十四条",
           "（至 2025-09-17）", "第五十三条")
    error = refuse(case, "apply_court_enforcement", date(2025, 9, 17), people, "第五十三条")
    assert len(error.reasons) == 1
    refuse(case, "apply_court_enforcement", date(2025, 9, 18), people, actor="officer", error=Forbidden)
    case = act(case, "apply_court_enforcement", date(2025, 9, 18), people)
    assert case.state == "court_enforcement_applied"
    assert deadline(case, "T24").status == "met"


def test_payment_after_the_reminder_ends_enforcement(people, pharmacy):
    case = act(served_decision(people, pharmacy), "issue_reminder", date(2025, 4, 2), people,
               served_on=date(2025, 4, 2))
    case = act(case, "record_payment", date(2025, 4, 8), people)
    assert case.state == "awaiting_closing"
    assert deadline(case, "T17").status == "met" and deadline(case, "T20").status == "met"
    assert deadline(case, "T24") is None                             # waived: nothing left to enforce


# ---- simplified procedure (行政处罚法 Art. 51) -------------------------------------------------------------

@covers("simplified_procedure_limits")
@pytest.mark.parametrize("party, fine, reason", [
    (PHARMACY, "3000.00", None),
    (PHARMACY, "3001.00", "对法人或者其他组织当场处以罚款不得超过 3000 元（《行政处罚法》第五十一条）"),
    ("张三", "50.00", "参保人员违法须暂停联网结算（《医疗保障基金使用监督管理条例》第四十一条），不适用简易程序"),
])
def test_simplified_limits(people, parties, party, fine, reason):
    case = cases.register_onsite_case(people["officer"], party_id=parties[party].id, summary="现场发现。")
    if reason:
        refuse(case, "decide_on_spot", date(2025, 5, 6), people, reason, fine_amount=Decimal(fine))
    else:
        assert act(case, "decide_on_spot", date(2025, 5, 6), people, fine_amount=Decimal(fine)).state == \
            "decided_on_spot"


def test_every_guard_has_a_test():
    assert set(GUARDS) - TESTED == set()


# ---- registration-preservation of evidence (行政处罚法 Art. 56; spec T4, T5, S28) ---------------------------

@covers("preservation_approval_timely")
def test_preservation_needs_the_heads_approval_beforehand(people, pharmacy):
    case = filed_case(people, pharmacy)
    refuse(case, "approve_preservation", date(2025, 3, 4), people, "须事先经负责人批准", "第五十六条",
           taken_on=date(2025, 3, 3))
    case = act(case, "approve_preservation", date(2025, 3, 3), people, taken_on=date(2025, 3, 3))
    assert deadline(case, "T4").due_on == date(2025, 3, 12)


def test_emergency_preservation_is_approved_within_twenty_four_hours(people, pharmacy):
    case = filed_case(people, pharmacy)
    refuse(case, "approve_preservation", date(2025, 3, 5), people, "二十四小时内",
           taken_on=date(2025, 3, 3), emergency=True)
    case = act(case, "approve_preservation", date(2025, 3, 4), people, taken_on=date(2025, 3, 3), emergency=True)
    assert deadline(case, "T4").due_on == date(2025, 3, 12)
    assert approvals(case)[-1].form_title == "证据先行登记保存审批表"


@covers("preservation_open")
def test_a_preservation_decision_needs_an_open_preservation(people, pharmacy):
    case = filed_case(people, pharmacy)
    refuse(case, "record_preservation_decision", date(2025, 3, 5), people, "没有待作出处理决定的先行登记保存")
    case = act(case, "approve_preservation", date(2025, 3, 3), people, taken_on=date(2025, 3, 3))
    case = act(case, "record_preservation_decision", date(2025, 3, 10), people, decided_on=date(2025, 3, 10))
    t4 = deadline(case, "T4")
    assert (t4.status, t4.met_on) == ("met", date(2025, 3, 10))
    refuse(case, "record_preservation_decision", date(2025, 3, 11), people, "没有待作出处理决定的先行登记保存")


# ---- the decision against the rules assessment (issue 3 item 4) -------------------------------------------

FRAUD = {"violations": [{"article": "735-40", "amount": Decimal("38000.00"), "fraud_purpose": True}],
         "legal_review_required": False}
FRAUD_NOTICE = {"fine_amount": Decimal("76000.00"), "intended_penalty": "拟责令退回 38000.00 元，并处罚款 76000.00 元。"}
FRAUD_DECISION = {"fine_amount": Decimal("76000.00"), "refund_amount": Decimal("38000.00"), "service_suspension_months": 6}


def _ctx(case, actor, today=date(2025, 3, 20)):
    return Context(case, actor, {}, None, None, today, datetime(2025, 3, 20, 9))


def test_the_investigation_report_stores_the_assessment_and_its_requirements(people, pharmacy):
    case = concluded_case(people, pharmacy, **FRAUD)
    assessment = case.facts["assessment"]
    assert (assessment["total"]["fine_min"], assessment["total"]["fine_max"]) == ("76000.00", "190000.00")
    # the rules set what the officer did not tick: a fraud of 38,000 needs the criminal-referral assessment
    assert case.facts["criminal_referral_required"] is True
    assert case.facts["hearing_right_required"] is True


@covers("penalty_available", "refund_as_assessed")
def test_a_time_barred_case_offers_no_penalty_but_still_orders_the_refund(people, pharmacy):
    """Spec S10: conduct ended 2022-03-31, discovered 2025-02-10 → no penalty (行政处罚法 Art. 36); refund remains."""
    case = concluded_case(people, pharmacy, conduct_ended_on=date(2022, 3, 31), legal_review_required=False)
    assert case.facts["time_barred"] is True
    refuse(case, "propose_prior_notice", date(2025, 2, 25), people, "依法不得给予行政处罚", "第三十六条")
    refuse(case, "propose_decision", date(2025, 2, 25), people, "应责令退回医疗保障基金 38000.00 元",
           decision_kind="no_penalty", refund_amount=None)
    case = act(case, "propose_decision", date(2025, 2, 25), people, decision_kind="no_penalty",
               content="超过追责时效，不予行政处罚，责令退回。", refund_amount=Decimal("38000.00"))
    assert case.state == "decision_proposed"


@covers("hearing_right_notified_when_due")
def test_the_notice_must_offer_a_hearing_when_the_penalty_is_a_hearing_item(people, pharmacy):
    case = concluded_case(people, pharmacy, **FRAUD)
    refuse(case, "propose_prior_notice", date(2025, 2, 25), people, "事先告知书应当告知当事人有要求听证的权利",
           "第六十三条", hearing_right=False, **FRAUD_NOTICE)
    case = act(case, "propose_prior_notice", date(2025, 2, 25), people, hearing_right=True, **FRAUD_NOTICE)
    assert case.state == "prior_notice_proposed"


@covers("decision_respects_assessment")
def test_a_fine_outside_the_legal_range_is_refused(people, pharmacy):
    case = act(noticed_case(people, pharmacy), "conclude_statements", date(2025, 3, 11), people)
    refuse(case, "propose_decision", date(2025, 3, 12), people, "低于法定最低罚款 38000.00 元",
           fine_amount=Decimal("20000.00"))
    case = act(case, "propose_decision", date(2025, 3, 12), people, fine_amount=Decimal("38000.00"))
    assert case.state == "decision_proposed"


def test_mitigation_below_the_minimum_needs_a_statutory_ground_and_a_passed_review(people, pharmacy):
    """行政处罚法 Art. 32(2): coerced into the conduct → must be lighter or mitigated; 减轻 after legal review."""
    case = noticed_case(people, pharmacy, conclusion={"circumstances": ["coerced"]})
    case = act(case, "conclude_statements", date(2025, 3, 11), people)
    assert case.facts["legal_review_passed"] is True
    case = act(case, "propose_decision", date(2025, 3, 12), people, fine_amount=Decimal("20000.00"))
    assert case.state == "decision_proposed"


@covers("proposed_decision_respects_assessment", "proposed_criminal_referral_assessed")
def test_the_head_sees_the_stored_proposal_checked_against_the_assessment(people, pharmacy):
    case = act(noticed_case(people, pharmacy), "conclude_statements", date(2025, 3, 11), people)
    case = act(case, "propose_decision", date(2025, 3, 12), people)
    ctx = _ctx(case, people["head"])
    assert GUARDS["proposed_decision_respects_assessment"].fn(ctx) is None
    assert GUARDS["proposed_criminal_referral_assessed"].fn(ctx) is None
    case.facts = {**case.facts, "proposed_fine_amount": "99999.00", "criminal_referral_required": True}
    assert "超过法定最高罚款 76000.00 元" in "；".join(GUARDS["proposed_decision_respects_assessment"].fn(ctx))
    assert "涉嫌犯罪移送评估" in GUARDS["proposed_criminal_referral_assessed"].fn(ctx)
    db.session.rollback()


@covers("criminal_referral_assessed", "collective_discussion_done_for_penalty")
def test_fraud_above_the_criminal_figure_needs_the_referral_assessment_before_a_fine(people, pharmacy):
    """Spec S01 / §3.15: 38,000 defrauded ≥ the 数额较大 figure → the principal head decides on transfer first."""
    case = noticed_case(people, pharmacy, conclusion=FRAUD, notice=FRAUD_NOTICE)
    case = act(case, "conclude_statements", date(2025, 3, 11), people)
    refuse(case, "propose_decision", date(2025, 3, 12), people, "须先由主要负责人作出涉嫌犯罪移送评估决定", "第五条",
           **FRAUD_DECISION)
    refuse(case, "record_criminal_referral_assessment", date(2025, 3, 12), people, "主要负责人", actor="head",
           error=Forbidden)
    case = act(case, "record_criminal_referral_assessment", date(2025, 3, 12), people, actor="principal",
               group_members="林志远、陈晓梅", report="金额 38000 元，有伪造处方情节。", conclusion="transfer",
               decided_on=date(2025, 3, 12), opinion="涉嫌诈骗，移送公安机关。")
    refuse(case, "propose_decision", date(2025, 3, 13), people, "不得以行政处罚代替刑事处罚", "第八十二条",
           "须经负责人集体讨论决定", **FRAUD_DECISION)
    case = act(case, "propose_decision", date(2025, 3, 13), people, decision_kind="transfer_police",
               content="涉嫌诈骗犯罪，移送公安机关。", receiving_authority="福州市公安局")
    case = act(case, "approve_police_transfer", date(2025, 3, 13), people, actor="principal")
    # the police decline (Order 310 Arts. 9–10): the agency goes on with the administrative penalty
    case = act(case, "record_police_declined", date(2025, 3, 25), people, declined_on=date(2025, 3, 24),
               reconsideration="提请复议，维持不予立案决定。")
    assert case.state == "investigation_concluded"
    # a fraud with mandatory service suspension is a serious case: collective discussion first (Art. 57(2))
    refuse(case, "propose_decision", date(2025, 3, 26), people, "须经负责人集体讨论决定", **FRAUD_DECISION)
    case = run(case, [("submit_collective_discussion", date(2025, 3, 26)),
                      ("record_collective_discussion", date(2025, 3, 27)),
                      ("propose_decision", date(2025, 3, 28), FRAUD_DECISION)], people)
    assert case.state == "decision_proposed"
    assert "涉嫌犯罪案件移送审批表" in [a.form_title for a in approvals(case)]


@covers("statement_window_closed", "hearing_held_if_requested")
def test_no_penalty_decision_before_the_party_was_heard(people, pharmacy):
    case = act(noticed_case(people, pharmacy), "conclude_statements", date(2025, 3, 11), people)
    ctx = _ctx(case, people["head"])
    assert GUARDS["statement_window_closed"].fn(ctx) is None
    assert GUARDS["hearing_held_if_requested"].fn(ctx) is None
    case.facts = {**case.facts, "statements_outcome": None, "hearing_requested_on": "2025-03-05"}
    assert "第六十二条" in GUARDS["statement_window_closed"].fn(ctx)
    assert "未经听证不得作出处罚决定" in GUARDS["hearing_held_if_requested"].fn(ctx)
    db.session.rollback()


@covers("within_decision_time_limit")
def test_no_decision_after_the_ninety_days_without_an_extension(people, pharmacy):
    """行政处罚法 Art. 60: filed 2025-02-12, the 90 days end on 2025-05-13."""
    case = act(noticed_case(people, pharmacy), "conclude_statements", date(2025, 3, 11), people)
    refuse(case, "propose_decision", date(2025, 5, 14), people, "办案期限已于 2025-05-13 届满", "第六十条")
    case = act(case, "extend_time_limit", date(2025, 5, 14), people)
    case = act(case, "propose_decision", date(2025, 5, 15), people)
    assert case.state == "decision_proposed"
