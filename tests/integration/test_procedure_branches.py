"""Every branch of the general procedure and the simplified procedure, through the services on simulated
dates (legal spec §3, §4, §10). A refused act must say which rule refused it and change nothing."""
from datetime import date
from decimal import Decimal

import pytest

from caseflow.audit.services import verify_chain
from caseflow.cases import services as cases
from caseflow.deadlines.services import effective_status
from caseflow.demo import HEARING_PATH, drive
from caseflow.errors import Forbidden, NotFound, ValidationFailed
from tests.integration.procedure_helpers import (
    PHARMACY,
    act,
    all_deadlines,
    approvals,
    audit_codes,
    concluded_case,
    deadline,
    decided_case,
    filed_case,
    make_party,
    noticed_case,
    open_clue,
    refuse,
    run,
)


@pytest.fixture
def pharmacy(parties):
    return parties[PHARMACY]


def forms(case):
    return [(a.form_title, a.decision, a.role) for a in approvals(case)]


# ---- the full general procedure -------------------------------------------------------------------------

def test_full_general_procedure_from_clue_to_archive(people, pharmacy):
    case = decided_case(people, pharmacy, decided=date(2025, 3, 14))
    assert case.state == "penalty_decided" and case.decided_on == date(2025, 3, 14)
    assert deadline(case, "T8").status == "met" and deadline(case, "T8").met_on == date(2025, 3, 14)
    assert deadline(case, "T14").due_on == date(2025, 3, 25)      # 7 WD after the decision (Art. 61)
    case = act(case, "serve_decision", date(2025, 3, 17), people)
    assert case.state == "awaiting_payment"
    assert deadline(case, "T14").status == "met"
    assert deadline(case, "T17").due_on == date(2025, 4, 1)       # 15 days after service (Art. 67)
    case = run(case, [("record_payment", date(2025, 3, 25)), ("propose_closing", date(2025, 3, 26)),
                      ("approve_closing", date(2025, 3, 27))], people)
    assert case.state == "closed" and case.closed_on == date(2025, 3, 27)
    assert deadline(case, "T17").status == "met"
    # archive within 30 days: 04-26 is a Saturday rest day, 04-27 a make-up working Sunday
    assert deadline(case, "T30").due_on == date(2025, 4, 27)
    case = act(case, "archive_case", date(2025, 4, 1), people)
    assert case.state == "archived"
    assert deadline(case, "T30").status == "met"
    assert case.case_number == "榕医保立〔2025〕1号"
    assert case.title == "福州仁和大药房有限公司涉嫌串换药品骗取医保基金案"
    assert forms(case) == [
        ("立案审批表", "agree", "head"), ("法制审核意见书", "agree", "legal_reviewer"),
        ("行政处罚事先告知审批表", "agree", "head"), ("行政处罚决定审批表", "agree", "head"),
        ("结案审批表", "agree", "head")]
    codes = audit_codes(case)
    assert codes[0] == "CLUE_REGISTERED"
    for trigger in ("PROPOSE_FILING", "APPROVE_FILING", "SERVE_PRIOR_NOTICE", "APPROVE_PENALTY_DECISION",
                    "SERVE_DECISION", "RECORD_PAYMENT", "APPROVE_CLOSING", "ARCHIVE_CASE"):
        assert trigger in codes
    assert verify_chain().ok


def test_a_terminal_state_refuses_every_further_act(people, pharmacy):
    case = filed_case(people, pharmacy)
    case = run(case, [("request_withdrawal", date(2025, 2, 20)), ("approve_withdrawal", date(2025, 2, 21)),
                      ("propose_closing", date(2025, 2, 24), {"ground": "terminated"}),
                      ("approve_closing", date(2025, 2, 25)), ("archive_case", date(2025, 3, 3))], people)
    assert case.state == "archived"
    refuse(case, "propose_closing", date(2025, 3, 4), people, "案件当前处于「已归档」，不能执行该操作")


# ---- the clue stage -------------------------------------------------------------------------------------

def test_not_filed(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10), reporter={"name": "王某", "real_name": True})
    case = act(case, "propose_not_filing", date(2025, 2, 11), people, reason_kind="no_violation")
    assert case.state == "not_filing_proposed"
    refuse(case, "approve_not_filing", date(2025, 2, 12), people, "您没有执行「批准不予立案」的权限",
           actor="officer", error=Forbidden)
    case = act(case, "approve_not_filing", date(2025, 2, 12), people)
    assert case.state == "not_filed" and case.case_number is None and case.filed_on is None
    assert forms(case) == [("不予立案审批表", "agree", "head")]
    assert case.facts["not_filing_reason_kind"] == "no_violation"
    assert (deadline(case, "T1").status, deadline(case, "T1").met_on) == ("met", date(2025, 2, 12))
    # the real-name reporter is told within 5 working days (Order 5; spec T2)
    assert deadline(case, "T2").due_on == date(2025, 2, 19)
    refuse(case, "propose_filing", date(2025, 2, 13), people, "案件当前处于「不予立案」")


def test_not_filing_returned_goes_back_to_verification(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    case = act(case, "propose_not_filing", date(2025, 2, 11), people)
    case = act(case, "return_not_filing", date(2025, 2, 12), people, opinion="请继续核查。")
    assert case.state == "clue_registered"
    assert forms(case) == [("不予立案审批表", "return", "head")]
    assert deadline(case, "T1").status == "open"
    case = act(case, "propose_filing", date(2025, 2, 13), people)
    assert case.state == "filing_proposed"


def test_clue_transferred_to_the_competent_authority(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    case = act(case, "propose_clue_transfer", date(2025, 2, 11), people)
    case = act(case, "approve_clue_transfer", date(2025, 2, 12), people)
    assert case.state == "clue_transferred" and case.case_number is None
    assert forms(case) == [("案件移送审批表", "agree", "head")]
    assert case.facts["transfer_receiving_authority"] == "福州市卫生健康委员会"
    assert deadline(case, "T1").status == "met"
    refuse(case, "propose_filing", date(2025, 2, 13), people, "案件当前处于「线索已移送」")


def test_filing_returned_then_approved_numbers_the_case_on_approval(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 2, 10))
    case = act(case, "propose_filing", date(2025, 2, 11), people)
    case = act(case, "return_filing", date(2025, 2, 12), people, opinion="补充材料。")
    assert case.state == "clue_registered" and case.case_number is None
    case = act(case, "propose_filing", date(2025, 2, 13), people)
    case = act(case, "approve_filing", date(2025, 2, 14), people)
    assert case.case_number == "榕医保立〔2025〕1号" and case.filed_on == date(2025, 2, 14)
    assert deadline(case, "T8").due_on == date(2025, 5, 15)


# ---- ends of the investigation --------------------------------------------------------------------------

def test_filing_withdrawn_then_closed_and_archived(people, pharmacy):
    case = filed_case(people, pharmacy)
    case = act(case, "request_withdrawal", date(2025, 2, 20), people)
    assert case.state == "withdrawal_requested"
    case = act(case, "approve_withdrawal", date(2025, 2, 21), people)
    assert case.state == "filing_withdrawn"
    assert forms(case)[-1] == ("撤销立案审批表", "agree", "head")
    t8 = deadline(case, "T8")
    assert t8 is None and all_deadlines(case, "T8")[0].waived_reason == "已撤销立案"
    case = run(case, [("propose_closing", date(2025, 2, 24), {"ground": "terminated"}),
                      ("approve_closing", date(2025, 2, 25)), ("archive_case", date(2025, 3, 3))], people)
    assert case.state == "archived" and case.closed_on == date(2025, 2, 25)


def test_withdrawal_refused_by_the_head_continues_the_investigation(people, pharmacy):
    case = filed_case(people, pharmacy)
    case = act(case, "request_withdrawal", date(2025, 2, 20), people)
    case = act(case, "return_withdrawal", date(2025, 2, 21), people, opinion="违法事实尚待查清。")
    assert case.state == "investigating"
    assert forms(case)[-1] == ("撤销立案审批表", "disagree", "head")
    assert deadline(case, "T8").status == "open"


def test_investigation_terminated_then_closed(people, pharmacy):
    case = filed_case(people, pharmacy)
    case = act(case, "request_termination", date(2025, 2, 20), people)
    case = act(case, "approve_termination", date(2025, 2, 21), people)
    assert case.state == "investigation_terminated"
    assert forms(case)[-1] == ("终止调查审批表", "agree", "head")
    assert all_deadlines(case, "T8")[0].status == "waived"
    case = run(case, [("propose_closing", date(2025, 2, 24), {"ground": "terminated"}),
                      ("approve_closing", date(2025, 2, 25)), ("archive_case", date(2025, 3, 3))], people)
    assert case.state == "archived"


# ---- decisions other than a penalty ---------------------------------------------------------------------

NO_REVIEW = {"proposed_handling": "no_penalty", "legal_review_required": False}


def test_no_penalty_decision_served_closed_and_archived(people, pharmacy):
    """Spec S09: first minor violation, corrected — 不予行政处罚 (行政处罚法 Art. 33); no prior notice needed."""
    case = concluded_case(people, pharmacy, **NO_REVIEW)
    case = act(case, "propose_decision", date(2025, 2, 25), people, decision_kind="no_penalty",
               content="初次违法且危害后果轻微并及时改正，不予行政处罚。", fine_amount=None)
    refuse(case, "approve_penalty_decision", date(2025, 2, 26), people, "与承办人员拟定的处理决定类型不符")
    case = act(case, "approve_no_penalty_decision", date(2025, 2, 26), people)
    assert case.state == "no_penalty_decided" and case.decided_on == date(2025, 2, 26)
    assert forms(case)[-1] == ("行政处罚决定审批表", "agree", "head")
    assert deadline(case, "T8").status == "met"
    case = act(case, "serve_decision", date(2025, 2, 27), people)
    assert case.state == "awaiting_closing"
    assert deadline(case, "T17") is None           # nothing to pay
    case = run(case, [("propose_closing", date(2025, 2, 28), {"ground": "nothing_to_execute"}),
                      ("approve_closing", date(2025, 3, 3)), ("archive_case", date(2025, 3, 10))], people)
    assert case.state == "archived"


def test_facts_not_established(people, pharmacy):
    """行政处罚法 Art. 40: facts unclear or evidence insufficient — no penalty."""
    case = concluded_case(people, pharmacy, proposed_handling="not_established", legal_review_required=False)
    case = act(case, "propose_decision", date(2025, 2, 25), people, decision_kind="not_established",
               content="现有证据不足以证明违法事实。", fine_amount=None)
    refuse(case, "approve_no_penalty_decision", date(2025, 2, 26), people, "与承办人员拟定的处理决定类型不符")
    case = act(case, "approve_not_established", date(2025, 2, 26), people)
    assert case.state == "not_established_decided"
    case = act(case, "serve_decision", date(2025, 2, 27), people)
    assert case.state == "awaiting_closing"


def test_decision_returned_by_the_head(people, pharmacy):
    case = concluded_case(people, pharmacy, **NO_REVIEW)
    case = act(case, "propose_decision", date(2025, 2, 25), people, decision_kind="no_penalty", fine_amount=None)
    case = act(case, "return_decision", date(2025, 2, 26), people, opinion="请补充说明理由。")
    assert case.state == "investigation_concluded"
    assert forms(case)[-1] == ("行政处罚决定审批表", "return", "head")
    assert deadline(case, "T8").status == "open"


POLICE = {"decision_kind": "transfer_police", "content": "涉嫌诈骗犯罪，移送公安机关。", "fine_amount": None,
          "receiving_authority": "福州市公安局"}


def test_police_transfer_only_by_the_principal_head(people, pharmacy):
    """Order 310 Art. 5 (spec S05): the principal head decides a transfer to the police; a head gets 403."""
    case = concluded_case(people, pharmacy, proposed_handling="transfer_police", legal_review_required=False)
    case = act(case, "propose_decision", date(2025, 2, 25), people, **POLICE)
    error = refuse(case, "approve_police_transfer", date(2025, 2, 26), people, "主要负责人",
                   actor="head", error=Forbidden)
    assert error.status == 403
    refuse(case, "approve_police_transfer", date(2025, 2, 26), people, actor="officer", error=Forbidden)
    case = act(case, "approve_police_transfer", date(2025, 2, 26), people, actor="principal")
    assert case.state == "transfer_decided"
    assert forms(case)[-1] == ("涉嫌犯罪案件移送审批表", "agree", "principal_head")
    assert deadline(case, "T8").status == "met"
    case = act(case, "hand_over_transfer", date(2025, 2, 27), people)
    assert case.state == "awaiting_closing" and case.facts["transfer_receiving_authority"] == "福州市公安局"
    case = run(case, [("propose_closing", date(2025, 2, 28), {"ground": "nothing_to_execute"}),
                      ("approve_closing", date(2025, 3, 3)), ("archive_case", date(2025, 3, 10))], people)
    assert case.state == "archived"


def test_transfer_to_another_authority_by_a_head(people, pharmacy):
    case = concluded_case(people, pharmacy, proposed_handling="transfer_authority", legal_review_required=False)
    case = act(case, "propose_decision", date(2025, 2, 25), people, decision_kind="transfer_authority",
               fine_amount=None, receiving_authority="福州市卫生健康委员会")
    refuse(case, "approve_police_transfer", date(2025, 2, 26), people, actor="principal")
    case = act(case, "approve_authority_transfer", date(2025, 2, 26), people)
    assert case.state == "transfer_decided"
    assert forms(case)[-1] == ("案件移送审批表", "agree", "head")


# ---- statements and hearing (行政处罚法 Arts. 44–45, 62–65) -------------------------------------------------

def test_statement_period_runs_its_five_working_days(people, pharmacy):
    case = noticed_case(people, pharmacy)               # served Mon 03-03
    assert deadline(case, "T10").due_on == date(2025, 3, 10)
    assert deadline(case, "T11").due_on == date(2025, 3, 10)
    case = act(case, "record_statement", date(2025, 3, 5), people)
    assert case.state == "statement_period" and len(case.facts["statements"]) == 1
    refuse(case, "conclude_statements", date(2025, 3, 10), people, "期满前只有当事人明确放弃方可结束",
           outcome="expired")
    case = act(case, "conclude_statements", date(2025, 3, 11), people, outcome="reviewed")
    assert case.state == "statements_concluded"
    assert deadline(case, "T10").status == "met"
    assert all_deadlines(case, "T11")[0].status == "waived"


def test_party_may_waive_the_statement_period_expressly(people, pharmacy):
    case = noticed_case(people, pharmacy)
    case = act(case, "conclude_statements", date(2025, 3, 4), people, outcome="waived")
    assert case.state == "statements_concluded"


def test_hearing_requested_on_the_last_of_five_working_days(people, pharmacy):
    case = noticed_case(people, pharmacy)
    case = act(case, "request_hearing", date(2025, 3, 10), people, requested_on=date(2025, 3, 10))
    assert case.state == "hearing_requested"
    assert deadline(case, "T11").status == "met" and deadline(case, "T10").status == "met"
    t8 = deadline(case, "T8")
    assert effective_status(t8, date(2025, 3, 20)) == "paused"       # hearing time is not counted


def test_late_hearing_request_refused_unless_a_reason_is_given(people, pharmacy):
    case = noticed_case(people, pharmacy)
    refuse(case, "request_hearing", date(2025, 3, 11), people, "2025-03-10", "第六十四条", "逾期申请视为放弃",
           requested_on=date(2025, 3, 11))
    case = act(case, "request_hearing", date(2025, 3, 11), people, requested_on=date(2025, 3, 11),
               late_reason="当事人因住院未能按期提出，已提供住院证明。")
    assert case.state == "hearing_requested"
    assert case.facts["hearing_late_reason"].startswith("当事人因住院")


def test_no_hearing_when_the_notice_did_not_give_the_right(people, pharmacy):
    case = noticed_case(people, pharmacy, notice={"hearing_right": False})
    assert deadline(case, "T11") is None
    refuse(case, "request_hearing", date(2025, 3, 5), people, "未告知听证权利", requested_on=date(2025, 3, 5))


@pytest.mark.parametrize("served, allowed", [(date(2025, 3, 18), True), (date(2025, 3, 19), False)])
def test_hearing_notice_seven_working_days_before_the_hearing(people, pharmacy, served, allowed):
    """Spec S15: hearing Thu 2025-03-27 — notice served Tue 03-18 is in time, Wed 03-19 is too late."""
    case = noticed_case(people, pharmacy)
    case = act(case, "request_hearing", date(2025, 3, 5), people, requested_on=date(2025, 3, 5))
    form = {"hearing_date": date(2025, 3, 27), "hearing_notice_served_on": served}
    if allowed:
        case = act(case, "schedule_hearing", served, people, **form)
        assert case.state == "hearing_scheduled"
        assert case.facts["hearing_notice_served_on"] == "2025-03-18"
        assert case.facts["notice_served_on"] == "2025-03-03"      # the prior notice's service is kept
    else:
        refuse(case, "schedule_hearing", served, people, "仅 6 个工作日", "至少提前七个工作日",
               "第六十四条第（二）项", **form)


def test_presider_cannot_be_an_investigator(people, pharmacy):
    case = noticed_case(people, pharmacy)
    case = act(case, "request_hearing", date(2025, 3, 5), people, requested_on=date(2025, 3, 5))
    refuse(case, "schedule_hearing", date(2025, 3, 10), people, "听证主持人不得由本案调查人员担任",
           "第六十四条第（四）项", presider_id=people["officer2"].id)


def test_hearing_then_mandatory_legal_re_review_before_the_decision(people, pharmacy):
    case = noticed_case(people, pharmacy)
    case = run(case, [("request_hearing", date(2025, 3, 7), {"requested_on": date(2025, 3, 7)}),
                      ("schedule_hearing", date(2025, 3, 10),
                       {"hearing_date": date(2025, 3, 27), "hearing_notice_served_on": date(2025, 3, 10)})], people)
    refuse(case, "hold_hearing", date(2025, 3, 27), people, "只有指定的听证主持人才能记录听证结果", actor="head",
           held_on=date(2025, 3, 27))
    case = act(case, "hold_hearing", date(2025, 3, 27), people, held_on=date(2025, 3, 27))
    assert case.state == "hearing_held"
    assert case.facts["hearing_held"] is True and case.facts["legal_review_passed"] is False
    # the hearing (03-07 → 03-27, 20 days) is not counted: 05-13 + 20 = 06-02, a Dragon Boat holiday → 06-03
    assert deadline(case, "T8").due_on == date(2025, 6, 3)
    # no decision, no collective discussion straight after the hearing: legal re-review first (Art. 58)
    refuse(case, "propose_decision", date(2025, 3, 28), people, "不能执行该操作")
    refuse(case, "submit_collective_discussion", date(2025, 3, 28), people, "不能执行该操作")
    case = run(case, [("submit_final_review", date(2025, 3, 28)), ("pass_final_review", date(2025, 3, 31)),
                      ("propose_decision", date(2025, 4, 1)), ("approve_penalty_decision", date(2025, 4, 2))],
               people)
    assert case.state == "penalty_decided"
    assert [f for f, _, _ in forms(case)].count("法制审核意见书") == 2


def test_after_a_hearing_a_returned_review_still_forces_a_new_review(people, pharmacy):
    """A re-concluded investigation cannot switch the post-hearing review off (行政处罚法 Art. 58(2))."""
    case = noticed_case(people, pharmacy)
    case = run(case, [("request_hearing", date(2025, 3, 7), {"requested_on": date(2025, 3, 7)}),
                      ("schedule_hearing", date(2025, 3, 10),
                       {"hearing_date": date(2025, 3, 27), "hearing_notice_served_on": date(2025, 3, 10)}),
                      ("hold_hearing", date(2025, 3, 27), {"held_on": date(2025, 3, 27)}),
                      ("submit_final_review", date(2025, 3, 28)), ("return_final_review", date(2025, 3, 31)),
                      ("conclude_investigation", date(2025, 4, 3), {"legal_review_required": False})], people)
    assert case.state == "investigation_concluded"
    refuse(case, "propose_decision", date(2025, 4, 7), people, "第五十八条", "须在听证后重新进行法制审核")


def test_the_demo_hearing_path_reaches_court_enforcement_and_closing(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 3, 3))
    driven = drive(case, HEARING_PATH, date(2025, 3, 3), people)
    assert driven.case.state == "closed"
    titles = [f for f, _, _ in forms(driven.case)]
    assert titles.count("法制审核意见书") == 2 and "集体讨论记录" in titles and "强制执行申请审批表" in titles


# ---- suspension, resumption and extensions of the 90 days (Art. 60; Order 4 Art. 45 ⚠) ---------------------

def test_suspension_pauses_the_decision_limit_and_resumption_extends_it(people, pharmacy):
    case = filed_case(people, pharmacy)                              # filed 02-12: T8 due 05-13
    assert deadline(case, "T8").due_on == date(2025, 5, 13)
    case = act(case, "request_suspension", date(2025, 2, 20), people)
    refuse(case, "approve_suspension", date(2025, 2, 21), people, actor="officer", error=Forbidden)
    case = act(case, "approve_suspension", date(2025, 2, 21), people)
    assert case.state == "suspended"
    assert forms(case)[-1] == ("中止调查审批表", "agree", "head")
    t8 = deadline(case, "T8")
    assert effective_status(t8, date(2025, 6, 1)) == "paused"
    refuse(case, "conclude_investigation", date(2025, 2, 25), people, "不能执行该操作")
    case = act(case, "resume_investigation", date(2025, 3, 3), people)
    assert case.state == "investigating"
    t8 = deadline(case, "T8")
    assert [(e.start_on, e.end_on) for e in t8.exclusions] == [(date(2025, 2, 21), date(2025, 3, 3))]
    assert t8.due_on == date(2025, 5, 23)                            # 05-13 + 10 suspended days
    assert effective_status(t8, date(2025, 5, 23)) == "open"
    assert effective_status(t8, date(2025, 5, 24)) == "overdue"


def test_suspension_refused_keeps_the_clock_running(people, pharmacy):
    case = filed_case(people, pharmacy)
    case = act(case, "request_suspension", date(2025, 2, 20), people)
    case = act(case, "return_suspension", date(2025, 2, 21), people, opinion="不符合中止条件。")
    assert case.state == "investigating"
    assert deadline(case, "T8").exclusions == [] and deadline(case, "T8").due_on == date(2025, 5, 13)


def test_head_extends_once_then_only_collectively_up_to_sixty_days(people, pharmacy):
    case = filed_case(people, pharmacy, received=date(2025, 1, 2), filed=date(2025, 1, 6))
    assert deadline(case, "T8").due_on == date(2025, 4, 7)           # spec S16b
    refuse(case, "extend_time_limit_collectively", date(2025, 3, 20), people, "须先经负责人批准延长三十日",
           "第四十五条")
    refuse(case, "extend_time_limit", date(2025, 3, 20), people, actor="officer", error=Forbidden)
    case = act(case, "extend_time_limit", date(2025, 3, 20), people)
    t8 = deadline(case, "T8")
    assert t8.due_on == date(2025, 5, 6)                             # 01-06 + 120 days
    [ext] = t8.extensions
    assert (ext.kind, ext.days, ext.previous_due_on, ext.new_due_on) == ("head_extension", 30, date(2025, 4, 7),
                                                                         date(2025, 5, 6))
    refuse(case, "extend_time_limit", date(2025, 3, 21), people, "已经批准过此类延期")
    refuse(case, "extend_time_limit_collectively", date(2025, 4, 20), people, "应在 1 到 60 之间",
           error=ValidationFailed, days=61)
    case = act(case, "extend_time_limit_collectively", date(2025, 4, 20), people, days=60)
    t8 = deadline(case, "T8")
    assert t8.due_on == date(2025, 7, 7)                             # 01-06 + 180 = Sat 07-05 → Mon 07-07
    assert [e.kind for e in t8.extensions] == ["head_extension", "collective_extension"]
    assert forms(case)[-1] == ("集体讨论记录（延长办案期限）", "agree", "head")
    refuse(case, "extend_time_limit_collectively", date(2025, 4, 21), people, "已经批准过此类延期", days=10)


# ---- the simplified procedure (行政处罚法 Arts. 51–53; spec §3.14) -----------------------------------------

def onsite(people, party):
    return cases.register_onsite_case(people["officer"], party_id=party.id, summary="现场检查发现未按规定公示医保标识。")


@pytest.fixture
def citizen(people):
    return make_party(people, "other", "李四", id_number="350102199001011234")


@pytest.fixture
def insured(parties):
    return parties["张三"]


@pytest.mark.parametrize("fine, allowed", [(Decimal("3000.00"), True), (Decimal("3000.01"), False)])
def test_simplified_fine_limit_for_an_organisation(people, pharmacy, fine, allowed):
    case = onsite(people, pharmacy)
    if allowed:
        case = act(case, "decide_on_spot", date(2025, 5, 6), people, fine_amount=fine)
        assert case.state == "decided_on_spot"
    else:
        refuse(case, "decide_on_spot", date(2025, 5, 6), people, "法人或者其他组织", "不得超过 3000 元",
               "第五十一条", "请改用一般程序", fine_amount=fine)


@pytest.mark.parametrize("fine, allowed", [(Decimal("200.00"), True), (Decimal("200.01"), False)])
def test_simplified_fine_limit_for_a_citizen(people, citizen, fine, allowed):
    case = onsite(people, citizen)
    if allowed:
        case = act(case, "decide_on_spot", date(2025, 5, 6), people, fine_amount=fine)
        assert case.state == "decided_on_spot"
    else:
        refuse(case, "decide_on_spot", date(2025, 5, 6), people, "对公民当场处以罚款不得超过 200 元", "第五十一条",
               fine_amount=fine)


def test_simplified_procedure_refused_for_insured_persons(people, insured):
    """Order 735 Art. 41: settlement suspension is mandatory for insured persons — not a warning or fine."""
    case = onsite(people, insured)
    refuse(case, "decide_on_spot", date(2025, 5, 6), people, "参保人员", "第四十一条", "不适用简易程序",
           fine_amount=Decimal("100.00"))
    case = act(case, "decline_simplified", date(2025, 5, 6), people)
    assert case.state == "not_applicable"


def test_simplified_procedure_to_archive_with_its_own_number_series(people, pharmacy):
    general = filed_case(people, pharmacy)
    assert general.case_number == "榕医保立〔2025〕1号"
    case = onsite(people, pharmacy)
    case = act(case, "decide_on_spot", date(2025, 5, 6), people)
    assert case.case_number == "榕医保简〔2025〕1号" and case.decided_on == date(2025, 5, 6)
    assert case.title == "福州仁和大药房有限公司涉嫌未按规定悬挂定点标识案"
    case = act(case, "hand_over_decision", date(2025, 5, 6), people, handed_on=date(2025, 5, 6))
    assert deadline(case, "T16").due_on == date(2025, 5, 15)        # 备案 within 7 WD (Order 4 Art. 51 ⚠)
    assert deadline(case, "T17").due_on == date(2025, 5, 21)        # pay within 15 days
    refuse(case, "record_with_agency", date(2025, 5, 8), people, actor="officer", error=Forbidden)
    case = act(case, "record_with_agency", date(2025, 5, 8), people)
    assert forms(case) == [("当场处罚决定备案表", "agree", "head")]
    assert deadline(case, "T16").status == "met"
    case = act(case, "record_payment", date(2025, 5, 12), people, fine_paid=Decimal("2000.00"))
    assert case.state == "closed" and case.closed_on == date(2025, 5, 12)
    assert deadline(case, "T17").status == "met"
    case = act(case, "archive_case", date(2025, 5, 15), people)
    assert case.state == "archived"
    second = act(onsite(people, pharmacy), "decide_on_spot", date(2025, 6, 3), people)
    assert second.case_number == "榕医保简〔2025〕2号"
    next_year = act(onsite(people, pharmacy), "decide_on_spot", date(2026, 1, 5), people)
    assert next_year.case_number == "榕医保简〔2026〕1号"
    assert verify_chain().ok


def test_simplified_decision_needs_two_qualified_officers(people, pharmacy):
    case = onsite(people, pharmacy)
    refuse(case, "decide_on_spot", date(2025, 5, 6), people, "至少需要两名执法人员", error=ValidationFailed,
           officers=[people["officer"].id])
    refuse(case, "decide_on_spot", date(2025, 5, 6), people, "不是本单位人员",
           officers=[people["officer"].id, people["gl_officer"].id])


def test_only_an_officer_acts_on_the_spot(people, pharmacy):
    case = onsite(people, pharmacy)
    refuse(case, "decide_on_spot", date(2025, 5, 6), people, "执法人员", actor="head", error=Forbidden)
    refuse(case, "approve_filing", date(2025, 5, 6), people, "未知的操作", error=NotFound)
