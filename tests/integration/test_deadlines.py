"""Deadlines the workflow schedules land on the right day of the official calendar (legal spec §4, §10):
working days skip holidays and count make-up working weekends, calendar-day periods ending on a rest day
move to the next working day, unknown years are flagged until an administrator enters them."""
from datetime import date

import pytest
from sqlalchemy import select

from caseflow.audit.models import AuditEvent
from caseflow.deadlines import services as deadlines
from caseflow.deadlines.calendar import unknown_year_warning
from caseflow.errors import Forbidden, ValidationFailed
from caseflow.extensions import db
from tests.integration.procedure_helpers import (
    PHARMACY,
    act,
    approvals,
    deadline,
    decided_case,
    filed_case,
    noticed_case,
    open_clue,
    run,
)


@pytest.fixture
def pharmacy(parties):
    return parties[PHARMACY]


def test_t1_fifteen_working_days_from_receipt_across_the_spring_festival(people, pharmacy):
    # received Fri 2025-01-24: Sun 01-26 and Sat 02-08 are make-up working days, 01-28..02-04 holidays
    case = open_clue(people, pharmacy, date(2025, 1, 24))
    t1 = deadline(case, "T1")
    assert (t1.start_on, t1.due_on, t1.unit, t1.days) == (date(2025, 1, 24), date(2025, 2, 20), "working", 15)
    assert t1.calendar_warning is None
    assert "第十四条" in t1.legal_basis and "条款待核实" in t1.legal_basis   # Order 4 is ⚠ in the spec


def test_t1_extended_by_fifteen_working_days_with_the_heads_approval(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 1, 24))
    case = act(case, "extend_verification", date(2025, 2, 19), people)
    t1 = deadline(case, "T1")
    assert t1.due_on == date(2025, 3, 13)
    [ext] = t1.extensions
    [approval] = approvals(case)
    assert (ext.days, ext.kind, ext.approval_id) == (15, "head_extension", approval.id)
    assert approval.form_title == "核查延期审批表" and approval.approver.username == "head"


def test_t8_ninety_days_from_filing_moved_off_a_holiday(people, pharmacy):
    """Spec S16b: filed Mon 2025-01-06 → day 90 is Sun 04-06 (Qingming) → Mon 2025-04-07."""
    case = filed_case(people, pharmacy, received=date(2025, 1, 2), filed=date(2025, 1, 6))
    t8 = deadline(case, "T8")
    assert (t8.start_on, t8.due_on, t8.unit) == (date(2025, 1, 6), date(2025, 4, 7), "calendar")
    assert "第六十条" in t8.legal_basis


def test_t8_extension_is_recorded_with_its_approval(people, pharmacy):
    case = filed_case(people, pharmacy, received=date(2025, 1, 2), filed=date(2025, 1, 6))
    case = act(case, "extend_time_limit", date(2025, 3, 31), people, reason="需委托司法鉴定。")
    t8 = deadline(case, "T8")
    [ext] = t8.extensions
    approval = approvals(case)[-1]
    assert ext.approval_id == approval.id and approval.form_title == "案件延期审批表"
    assert approval.approver.username == "head" and approval.form["data"]["reason"] == "需委托司法鉴定。"
    assert (ext.days, ext.previous_due_on, ext.new_due_on, ext.reason) == (30, date(2025, 4, 7), date(2025, 5, 6),
                                                                          "需委托司法鉴定。")
    assert t8.due_on == date(2025, 5, 6)


def test_t2_reporter_told_within_five_working_days_of_filing(people, pharmacy):
    """Spec S25: real-name report, filed Wed 2025-03-12 → tell the reporter by Wed 2025-03-19."""
    case = open_clue(people, pharmacy, date(2025, 3, 10), reporter={"name": "王某", "real_name": True})
    case = run(case, [("propose_filing", date(2025, 3, 11)), ("approve_filing", date(2025, 3, 12))], people)
    assert deadline(case, "T2").due_on == date(2025, 3, 19)


def test_no_t2_for_an_anonymous_report(people, pharmacy):
    case = open_clue(people, pharmacy, date(2025, 3, 10), reporter={"name": "匿名", "real_name": False})
    case = run(case, [("propose_filing", date(2025, 3, 11)), ("approve_filing", date(2025, 3, 12))], people)
    assert deadline(case, "T2") is None


def test_t9_legal_review_ten_working_days(people, pharmacy):
    case = act(filed_case(people, pharmacy), "conclude_investigation", date(2025, 2, 24), people)
    case = act(case, "submit_legal_review", date(2025, 2, 25), people)
    assert deadline(case, "T9").due_on == date(2025, 3, 11)
    case = act(case, "pass_legal_review", date(2025, 3, 4), people)
    assert (deadline(case, "T9").status, deadline(case, "T9").met_on) == ("met", date(2025, 3, 4))


def test_t10_t11_five_working_days_after_service_across_national_day(people, pharmacy):
    # served Mon 2025-09-29: 09-30, (10-01..08 holiday), 10-09, 10-10, Sat 10-11 (make-up), Mon 10-13
    case = noticed_case(people, pharmacy, served=date(2025, 9, 29))
    for code in ("T10", "T11"):
        d = deadline(case, code)
        assert (d.start_on, d.due_on, d.unit) == (date(2025, 9, 29), date(2025, 10, 13), "working"), code
    assert "第六十四条" in deadline(case, "T11").legal_basis


def decision_served(people, pharmacy, decided, served, method="direct"):
    case = filed_case(people, pharmacy, received=date(2025, 1, 2), filed=date(2025, 1, 6))
    case = run(case, [("conclude_investigation", date(2025, 1, 13)), ("submit_legal_review", date(2025, 1, 14)),
                      ("pass_legal_review", date(2025, 1, 15)), ("propose_prior_notice", date(2025, 1, 16)),
                      ("approve_prior_notice", date(2025, 1, 17)), ("serve_prior_notice", date(2025, 1, 20)),
                      ("conclude_statements", date(2025, 2, 5)), ("propose_decision", date(2025, 2, 6))], people)
    if decided > deadline(case, "T8").due_on:  # a late decision needs the approved extensions (行政处罚法 Art. 60)
        case = run(case, [("extend_time_limit", date(2025, 2, 7)),
                          ("extend_time_limit_collectively", date(2025, 2, 7), {"days": 60})], people)
    case = act(case, "approve_penalty_decision", decided, people)
    form = {"served_on": served, "method": method}
    if method == "public_notice":
        form.update(recipient="公告", public_notice_reason="当事人诊所已关闭，法定代表人下落不明，经邮寄、电话均无法送达。")
    return act(case, "serve_decision", served, people, **form)


def test_t14_and_t17_from_the_decision_and_its_service(people, pharmacy):
    """Spec S13: decision served Mon 2025-03-03 → fine due 2025-03-18 (行政处罚法 Art. 67)."""
    case = decision_served(people, pharmacy, decided=date(2025, 2, 20), served=date(2025, 3, 3))
    t14 = deadline(case, "T14")
    assert (t14.due_on, t14.status, t14.met_on) == (date(2025, 3, 3), "met", date(2025, 3, 3))
    t17 = deadline(case, "T17")
    assert (t17.start_on, t17.due_on, t17.unit, t17.status) == (date(2025, 3, 3), date(2025, 3, 18), "calendar", "open")
    # six months to challenge the decision (spec §4 month example: 2025-03-03 → 2025-09-03)
    t24 = deadline(case, "T24")
    assert (t24.due_on, t24.unit, t24.days) == (date(2025, 9, 3), "months", 6)
    assert "第五十三条" in t24.legal_basis


def test_public_notice_service_deemed_thirty_days_later(people, pharmacy):
    """Spec S22: public notice issued 2025-07-01 → deemed served 2025-07-31; the 15 days run from then."""
    case = decision_served(people, pharmacy, decided=date(2025, 7, 1), served=date(2025, 7, 1),
                           method="public_notice")
    assert case.facts["decision_service_effective_on"] == "2025-07-31"
    t17 = deadline(case, "T17")
    assert (t17.start_on, t17.due_on) == (date(2025, 7, 31), date(2025, 8, 15))
    event = db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.code ==
                                                        "SERVE_DECISION")).scalar_one()
    assert "公告送达，视为于 2025-07-31 送达" in event.after["notes"]


def test_prior_notice_by_public_notice_starts_the_statement_period_thirty_days_later(people, pharmacy):
    case = noticed_case(people, pharmacy, served=date(2025, 7, 1),
                        service={"method": "public_notice", "recipient": "公告",
                                 "public_notice_reason": "当事人下落不明，经多次上门均无法送达。"})
    assert case.facts["notice_service_effective_on"] == "2025-07-31"
    assert deadline(case, "T10").due_on == date(2025, 8, 7)
    assert deadline(case, "T11").due_on == date(2025, 8, 7)


def test_t20_ten_working_days_after_the_reminder(people, pharmacy):
    # reminder served Fri 2025-04-25: Sun 04-27 is a make-up working day, 05-01..05 holidays
    case = act(decided_case(people, pharmacy), "serve_decision", date(2025, 3, 17), people)
    case = act(case, "issue_reminder", date(2025, 4, 25), people, served_on=date(2025, 4, 25))
    t20 = deadline(case, "T20")
    assert (t20.start_on, t20.due_on, t20.unit) == (date(2025, 4, 25), date(2025, 5, 13), "working")


# ---- years the calendar does not know yet ----------------------------------------------------------------

def test_a_deadline_in_an_unknown_year_carries_the_calendar_warning(people, pharmacy):
    # chinese_calendar 1.11 knows the official schedules up to 2026
    case = open_clue(people, pharmacy, date(2026, 12, 20))
    t1 = deadline(case, "T1")
    assert t1.due_on == date(2027, 1, 8)                 # Monday–Friday assumed for 2027
    assert t1.calendar_warning == unknown_year_warning(2027)
    assert "2027 年的法定节假日安排尚未录入" in t1.calendar_warning


def test_an_admin_entered_day_removes_the_warning_and_is_used(people, pharmacy):
    old = open_clue(people, pharmacy, date(2026, 12, 20))
    with pytest.raises(Forbidden):
        deadlines.set_calendar_day(people["head"], date(2027, 1, 1), False, "2027年元旦")
    with pytest.raises(ValidationFailed):
        deadlines.set_calendar_day(people["admin"], date(2027, 1, 1), False, " ")
    deadlines.set_calendar_day(people["admin"], date(2027, 1, 1), False, "2027年元旦")
    new = open_clue(people, pharmacy, date(2026, 12, 20))
    for case in (new, old):                              # the open deadline is recounted too
        t1 = deadline(case, "T1")
        assert (t1.due_on, t1.calendar_warning) == (date(2027, 1, 11), None)
    codes = list(db.session.execute(select(AuditEvent.code).order_by(AuditEvent.seq)).scalars())
    assert "CALENDAR_DAY_SET" in codes and "DEADLINE_RECALCULATED" in codes
    # a make-up working Saturday entered later is counted as a working day
    deadlines.set_calendar_day(people["admin"], date(2027, 1, 9), True, "2027年调休上班")
    assert deadline(old, "T1").due_on == date(2027, 1, 9)


# ---- status and the daily sweep -----------------------------------------------------------------------------

def test_effective_status_open_overdue_paused_met(people, pharmacy):
    case = filed_case(people, pharmacy)                 # T8 due 2025-05-13, T1 met on filing
    t8 = deadline(case, "T8")
    assert deadlines.effective_status(t8, date(2025, 5, 13)) == "open"
    assert deadlines.effective_status(t8, date(2025, 5, 14)) == "overdue"
    assert deadlines.days_left(t8, date(2025, 5, 10)) == 3
    assert deadlines.effective_status(deadline(case, "T1"), date(2026, 1, 1)) == "met"
    case = run(case, [("request_suspension", date(2025, 3, 3)), ("approve_suspension", date(2025, 3, 4))], people)
    assert deadlines.effective_status(deadline(case, "T8"), date(2025, 12, 31)) == "paused"


def test_a_new_notice_replaces_the_open_deadlines_of_the_old_one(people, pharmacy):
    case = noticed_case(people, pharmacy, served=date(2025, 3, 3))
    case = run(case, [("conclude_statements", date(2025, 3, 4), {"outcome": "waived"}),
                      ("propose_decision", date(2025, 3, 5)), ("return_decision", date(2025, 3, 6)),
                      ("propose_prior_notice", date(2025, 3, 7)), ("approve_prior_notice", date(2025, 3, 10)),
                      ("serve_prior_notice", date(2025, 3, 11))], people)
    rows = deadlines.find(case, "T10")
    assert [r.status for r in rows] == ["met", "open"] and rows[-1].due_on == date(2025, 3, 18)


def test_case_deadlines_agree_with_the_time_limit_service(people, pharmacy):
    """Issue 3: the deadlines on a case come from the same service as `flask caseflow timelimit`."""
    from caseflow.deadlines.services import working_calendar
    from caseflow.rules.timelimits import compute
    case = filed_case(people, pharmacy)
    case = act(case, "extend_time_limit", date(2025, 3, 3), people)
    t8 = deadline(case, "T8")
    expected = compute({"kind": "decision", "start": t8.start_on.isoformat(), "extensions": [30]}, working_calendar())
    assert t8.due_on.isoformat() == expected["due"]
    t1 = deadline(case, "T1")
    assert t1.due_on.isoformat() == compute({"kind": "clue_verification", "start": t1.start_on.isoformat()},
                                            working_calendar())["due"]
