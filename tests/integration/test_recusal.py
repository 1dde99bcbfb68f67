"""Recusal (回避, 行政处罚法 Art. 43; spec §5.2–5.3, S20): declared by the officer or requested by the party,
decided by a head (never by the person concerned), audited, leaving a 回避决定书; the investigation goes on
meanwhile; once fewer than two qualified officers remain, every officer act waits for a new officer."""
from datetime import date

import pytest
from sqlalchemy import select

from caseflow.audit.models import AuditEvent
from caseflow.audit.services import verify_chain
from caseflow.cases import services as cases
from caseflow.cases.models import CaseOfficer, Recusal
from caseflow.errors import Conflict, Forbidden, NotFound, TransitionRefused, ValidationFailed
from caseflow.extensions import db
from tests.integration.procedure_helpers import (
    PHARMACY,
    act,
    approvals,
    concluded_case,
    decided_case,
    filed_case,
    make_user,
    noticed_case,
    refuse,
    refuse_service,
    run,
)

REASON = "本人配偶系当事人法定代表人。"


@pytest.fixture
def pharmacy(parties):
    return parties[PHARMACY]


def reload(case):
    db.session.expire_all()
    return db.session.get(type(case), case.id)


def officer_row(case, username, people):
    return db.session.execute(select(CaseOfficer).where(CaseOfficer.case_id == case.id,
                                                        CaseOfficer.user_id == people[username].id)).scalar_one()


def case_events(case, code):
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.code == code)
                                   .order_by(AuditEvent.seq)).scalars())


def declare(people, case, username="officer2"):
    return cases.file_recusal(people[username], case.id, officer_id=people[username].id, kind="declaration",
                              reason=REASON)


# ---- filing a recusal ----------------------------------------------------------------------------------

def test_officer_declares_own_recusal_and_the_investigation_continues(people, pharmacy):
    case = filed_case(people, pharmacy)
    version = case.version
    recusal = declare(people, case)
    assert (recusal.kind, recusal.status, recusal.applicant) == ("declaration", "pending", "陈晓梅")
    case = reload(case)
    assert case.version > version                         # forms showing the old version are stale
    [event] = case_events(case, "RECUSAL_FILED")
    assert event.actor_id == people["officer2"].id and event.reason == REASON
    assert officer_row(case, "officer2", people).active
    # pending: the officer still counts and still acts (spec §5.2: the investigation continues meanwhile)
    case = act(case, "conclude_investigation", date(2025, 2, 24), people, actor="officer2")
    assert case.state == "investigation_concluded"


def test_a_declaration_is_made_only_by_the_officer_concerned(people, pharmacy):
    case = filed_case(people, pharmacy)
    refuse_service(lambda: cases.file_recusal(people["officer"], case.id, officer_id=people["officer2"].id,
                                              kind="declaration", reason=REASON),
                   case.id, ValidationFailed, "自行回避只能由本人提出")


def test_party_requests_the_recusal_of_an_officer(people, pharmacy):
    case = filed_case(people, pharmacy)
    refuse_service(lambda: cases.file_recusal(people["officer"], case.id, officer_id=people["officer2"].id,
                                              kind="request", reason=REASON),
                   case.id, ValidationFailed, "请填写申请人")
    recusal = cases.file_recusal(people["officer"], case.id, officer_id=people["officer2"].id, kind="request",
                                 reason="执法人员与本单位存在经济往来。", applicant="当事人法定代表人陈国强")
    assert (recusal.kind, recusal.applicant, recusal.status) == ("request", "当事人法定代表人陈国强", "pending")
    assert recusal.recorded_by_id == people["officer"].id
    refuse_service(lambda: cases.file_recusal(people["officer"], case.id, officer_id=people["officer2"].id,
                                              kind="request", reason="重复申请。", applicant="陈国强"),
                   case.id, Conflict, "已有待决定的回避申请")


def test_only_a_head_orders_a_recusal(people, pharmacy):
    case = filed_case(people, pharmacy)
    refuse_service(lambda: cases.file_recusal(people["officer"], case.id, officer_id=people["officer2"].id,
                                              kind="order", reason=REASON),
                   case.id, ValidationFailed, "只有负责人可以指令回避")
    recusal = cases.file_recusal(people["head"], case.id, officer_id=people["officer2"].id, kind="order",
                                 reason=REASON)
    assert recusal.kind == "order"


def test_recusal_only_of_an_officer_handling_the_case(people, pharmacy):
    case = filed_case(people, pharmacy)
    refuse_service(lambda: cases.file_recusal(people["officer3"], case.id, officer_id=people["officer3"].id,
                                              kind="declaration", reason=REASON),
                   case.id, ValidationFailed, "不是本案在办的承办人员")
    refuse_service(lambda: cases.file_recusal(people["gl_officer"], case.id, officer_id=people["officer2"].id,
                                              kind="request", reason=REASON, applicant="陈国强"),
                   case.id, NotFound)
    refuse_service(lambda: cases.file_recusal(people["fj_head"], case.id, officer_id=people["officer2"].id,
                                              kind="order", reason=REASON),
                   case.id, Forbidden, "本单位以外")


# ---- the decision ----------------------------------------------------------------------------------------

def test_head_grants_a_recusal_which_removes_the_officer(people, pharmacy):
    case = filed_case(people, pharmacy)
    recusal = declare(people, case)
    cases.decide_recusal(people["head"], recusal.id, granted=True, opinion="准予回避。")
    case = reload(case)
    row = officer_row(case, "officer2", people)
    assert (row.active, row.removed_reason) == (False, "准予回避")
    recusal = db.session.get(Recusal, recusal.id)
    assert (recusal.status, recusal.decided_by_id, recusal.decision_opinion) == ("granted", people["head"].id,
                                                                                   "准予回避。")
    [approval] = approvals(case)[1:]
    assert (approval.kind, approval.form_title, approval.decision, approval.role, approval.approver_id) == \
        ("recusal", "回避决定书", "agree", "head", people["head"].id)
    assert approval.form["officer"] == "陈晓梅" and approval.form["granted"] is True
    [event] = case_events(case, "RECUSAL_DECIDED")
    assert event.after["status"] == "granted" and "准予" in event.summary


def test_head_rejects_a_recusal_and_the_officer_stays(people, pharmacy):
    case = filed_case(people, pharmacy)
    recusal = cases.file_recusal(people["officer"], case.id, officer_id=people["officer2"].id, kind="request",
                                 reason="怀疑执法人员不公正。", applicant="陈国强")
    cases.decide_recusal(people["head"], recusal.id, granted=False, opinion="申请理由不成立，驳回。")
    case = reload(case)
    assert officer_row(case, "officer2", people).active
    assert db.session.get(Recusal, recusal.id).status == "rejected"
    approval = approvals(case)[-1]
    assert (approval.form_title, approval.decision, approval.opinion) == ("回避决定书", "disagree", "申请理由不成立，驳回。")
    assert "驳回" in case_events(case, "RECUSAL_DECIDED")[0].summary
    assert act(case, "conclude_investigation", date(2025, 2, 24), people, actor="officer2").state == \
        "investigation_concluded"


def test_the_decision_needs_a_head_an_opinion_and_is_made_once(people, pharmacy):
    case = filed_case(people, pharmacy)
    recusal = declare(people, case)
    refuse_service(lambda: cases.decide_recusal(people["officer"], recusal.id, granted=True, opinion="同意。"),
                   case.id, Forbidden, "回避由负责人决定")
    refuse_service(lambda: cases.decide_recusal(people["reviewer"], recusal.id, granted=True, opinion="同意。"),
                   case.id, Forbidden)
    refuse_service(lambda: cases.decide_recusal(people["head"], recusal.id, granted=True, opinion="  "),
                   case.id, ValidationFailed, "请填写决定意见")
    refuse_service(lambda: cases.decide_recusal(people["fj_head"], recusal.id, granted=True, opinion="同意。"),
                   case.id, Forbidden, "本单位以外")
    cases.decide_recusal(people["head"], recusal.id, granted=True, opinion="准予回避。")
    refuse_service(lambda: cases.decide_recusal(people["principal"], recusal.id, granted=False, opinion="驳回。"),
                   case.id, Conflict, "已经决定")


def test_a_head_cannot_decide_their_own_recusal(people, pharmacy):
    """A head who handles the case as an officer is recused by the principal head (spec §5.2)."""
    make_user(people, "head_officer", "马建国", ["officer", "head"], credential="35010020230096")
    case = filed_case(people, pharmacy, officers=[people["officer"].id, people["head_officer"].id,
                                                   people["officer2"].id])
    recusal = declare(people, case, "head_officer")
    refuse_service(lambda: cases.decide_recusal(people["head_officer"], recusal.id, granted=True, opinion="准予。"),
                   case.id, Forbidden, "本人的回避不能由本人决定")
    refuse_service(lambda: cases.decide_recusal(people["head"], recusal.id, granted=True, opinion="准予。"),
                   case.id, Forbidden, "主要负责人")
    cases.decide_recusal(people["principal"], recusal.id, granted=True, opinion="准予回避。")
    assert approvals(reload(case))[-1].approver_id == people["principal"].id


# ---- fewer than two officers left (spec S20) --------------------------------------------------------------

def grant(people, case, username="officer2"):
    recusal = declare(people, case, username)
    cases.decide_recusal(people["head"], recusal.id, granted=True, opinion="准予回避。")
    return reload(case)


def at_stage(stage, people, party):
    builders = {
        "investigating": lambda: filed_case(people, party),
        "investigation_concluded": lambda: concluded_case(people, party),
        "statement_period": lambda: noticed_case(people, party),
        "hearing_requested": lambda: act(noticed_case(people, party), "request_hearing", date(2025, 3, 5), people,
                                         requested_on=date(2025, 3, 5)),
        "statements_concluded": lambda: act(noticed_case(people, party), "conclude_statements",
                                            date(2025, 3, 11), people),
        "penalty_decided": lambda: decided_case(people, party),
        "awaiting_payment": lambda: act(decided_case(people, party), "serve_decision", date(2025, 3, 17), people),
        "reminder_served": lambda: run(decided_case(people, party), [
            ("serve_decision", date(2025, 3, 17)), ("issue_reminder", date(2025, 4, 2))], people),
        "awaiting_closing": lambda: run(decided_case(people, party), [
            ("serve_decision", date(2025, 3, 17)), ("record_payment", date(2025, 3, 20))], people),
    }
    return builders[stage]()


@pytest.mark.parametrize("stage", ["investigating", "investigation_concluded", "statement_period",
                                   "hearing_requested", "statements_concluded", "penalty_decided",
                                   "awaiting_payment", "reminder_served", "awaiting_closing"])
def test_every_officer_act_waits_for_a_second_officer(app, people, pharmacy, stage):
    from caseflow.workflow.engine import definition_for
    case = grant(people, at_stage(stage, people, pharmacy))
    assert case.state == stage
    officer_acts = [t.trigger for t in definition_for(case).transitions_from(stage)
                    if "officer" in t.roles and t.trigger != "hold_hearing"]
    assert officer_acts
    for trigger in officer_acts:
        error = refuse(case, trigger, date(2025, 4, 20), people, "仅 1 名", "第四十二条", "请先由负责人增派承办人员")
        assert isinstance(error, TransitionRefused), trigger


def test_acts_resume_once_the_head_assigns_another_officer(people, pharmacy):
    case = grant(people, filed_case(people, pharmacy))
    refuse(case, "conclude_investigation", date(2025, 2, 24), people, "仅 1 名")
    refuse_service(lambda: cases.assign_officer(people["officer"], case.id, user_id=people["officer3"].id),
                   case.id, Forbidden, "只有负责人可以增派承办人员")
    refuse_service(lambda: cases.assign_officer(people["head"], case.id, user_id=people["officer2"].id),
                   case.id, ValidationFailed, "已回避本案")
    refuse_service(lambda: cases.assign_officer(people["head"], case.id, user_id=people["officer"].id),
                   case.id, Conflict, "已是本案承办人员")
    refuse_service(lambda: cases.assign_officer(people["head"], case.id, user_id=people["gl_officer"].id),
                   case.id, ValidationFailed, "本单位在岗执法人员")
    refuse_service(lambda: cases.assign_officer(people["head"], case.id, user_id=people["reviewer"].id),
                   case.id, ValidationFailed, "本单位在岗执法人员")
    make_user(people, "lapsed", "钱卫国", ["officer"], credential="35010020230098", valid_until=date(2024, 12, 31))
    refuse_service(lambda: cases.assign_officer(people["head"], case.id, user_id=people["lapsed"].id),
                   case.id, ValidationFailed, "执法证今天无效")
    cases.assign_officer(people["head"], case.id, user_id=people["officer3"].id)
    case = reload(case)
    assert [o.user.username for o in case.active_officers()] == ["officer", "officer3"]
    [event] = case_events(case, "OFFICER_ASSIGNED")
    assert event.actor_id == people["head"].id and event.after["user_id"] == people["officer3"].id
    case = act(case, "conclude_investigation", date(2025, 2, 24), people, actor="officer3")
    assert case.state == "investigation_concluded"


def test_a_stale_form_after_a_recusal_is_refused(people, pharmacy):
    case = filed_case(people, pharmacy)
    stale = case.version
    declare(people, case)
    with pytest.raises(Conflict):
        from caseflow.demo import step_data
        from caseflow.workflow import engine
        engine.fire(case.id, "conclude_investigation", stale, step_data("conclude_investigation", date(2025, 2, 24),
                                                                        people), people["officer"],
                    today=date(2025, 2, 24))


def test_the_simplified_procedure_also_waits_for_a_second_officer(people, pharmacy):
    case = cases.register_onsite_case(people["officer"], party_id=pharmacy.id, summary="现场发现。")
    case = act(case, "decide_on_spot", date(2025, 5, 6), people)
    case = grant(people, case)
    refuse(case, "hand_over_decision", date(2025, 5, 6), people, "仅 1 名", "第四十二条")


def test_every_recusal_step_is_audited_and_the_chain_holds(people, pharmacy):
    case = filed_case(people, pharmacy)
    first = declare(people, case)
    cases.decide_recusal(people["head"], first.id, granted=False, opinion="驳回。")
    second = cases.file_recusal(people["officer"], case.id, officer_id=people["officer2"].id, kind="request",
                                reason=REASON, applicant="陈国强")
    cases.decide_recusal(people["head"], second.id, granted=True, opinion="准予回避。")
    cases.assign_officer(people["head"], case.id, user_id=people["officer3"].id)
    codes = [e.code for e in db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                                 .order_by(AuditEvent.seq)).scalars()]
    assert codes[-5:] == ["RECUSAL_FILED", "RECUSAL_DECIDED", "RECUSAL_FILED", "RECUSAL_DECIDED", "OFFICER_ASSIGNED"]
    assert [a.form_title for a in approvals(case)].count("回避决定书") == 2
    assert verify_chain().ok
