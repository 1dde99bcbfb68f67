"""Helpers for the procedure tests: fire one act as the right user on a simulated date, build cases up to a
given stage on known dates, and prove that a refused act changed nothing at all."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from caseflow.audit.models import AuditEvent
from caseflow.auth.models import User, UserRole
from caseflow.cases import services as cases
from caseflow.cases.models import Approval, Case, CaseOfficer, Recusal
from caseflow.deadlines import services as deadlines
from caseflow.deadlines.models import Deadline, DeadlineExclusion, DeadlineExtension
from caseflow.demo import ACTORS, next_onsite_form, prepare_required_documents, step_data
from caseflow.errors import TransitionRefused
from caseflow.extensions import db
from caseflow.parties.models import Party
from caseflow.workflow import engine

DAY = timedelta(days=1)
PHARMACY = "福州仁和大药房有限公司"


def open_clue(people, party, received_on: date, reporter=None) -> Case:
    return cases.register_clue(people["officer"], source="complaint", received_on=received_on,
                               summary="举报该机构串换药品。", party_id=party.id, on=received_on, reporter=reporter)


def act(case, trigger: str, on: date, people, actor=None, **overrides) -> Case:
    """Fire `trigger` on `on` with the demo's plausible form, changed by `overrides`, as `actor`
    (a username, a User, or by default the user demo.ACTORS names)."""
    data = step_data(trigger, on, people)
    data.update(overrides)
    if actor is None or isinstance(actor, str):
        actor = people[actor or ACTORS.get(trigger, "officer")]
    if trigger == "decide_on_spot" and not data.get("form_number"):
        data["form_number"] = next_onsite_form(case.organisation_id)
    prepare_required_documents(case.id, trigger, people["officer"], on)
    return engine.fire(case.id, trigger, case.version, data, actor, today=on)


def run(case, plan, people) -> Case:
    """Fire a plan of (trigger, date) or (trigger, date, overrides) steps."""
    for step in plan:
        trigger, on, overrides = (step + ({},))[:3]
        case = act(case, trigger, on, people, **overrides)
    return case


def db_state(case_id: int) -> dict:
    """Everything a refused act must leave untouched: every table's row count, the case row, its officers,
    recusals, approvals and deadlines (with extensions and exclusions), and the audit trail's length."""
    db.session.expire_all()
    counts = {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
              for t in db.metadata.sorted_tables}

    def rows(model, *where):
        table = model.__table__
        return [dict(r) for r in db.session.execute(select(table).where(*where).order_by(table.c.id)).mappings()]

    deadline_ids = [d["id"] for d in rows(Deadline, Deadline.case_id == case_id)]
    return {
        "counts": counts,
        "case": rows(Case, Case.id == case_id),
        "officers": rows(CaseOfficer, CaseOfficer.case_id == case_id),
        "recusals": rows(Recusal, Recusal.case_id == case_id),
        "approvals": rows(Approval, Approval.case_id == case_id),
        "deadlines": rows(Deadline, Deadline.case_id == case_id),
        "extensions": rows(DeadlineExtension, DeadlineExtension.deadline_id.in_(deadline_ids)),
        "exclusions": rows(DeadlineExclusion, DeadlineExclusion.deadline_id.in_(deadline_ids)),
        "audit_events": db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
    }


def refuse(case, trigger: str, on: date, people, *fragments, actor=None, error=TransitionRefused, **overrides):
    """Assert the act is refused with `error`, its message names every fragment, and no row changed."""
    prepare_required_documents(case.id, trigger, people["officer"], on)  # what an officer did before
    before = db_state(case.id)
    with pytest.raises(error) as info:
        act(case, trigger, on, people, actor=actor, **overrides)
    assert db_state(case.id) == before, "a refused act changed the database"
    for fragment in fragments:
        assert fragment in info.value.message, info.value.message
    return info.value


def refuse_service(call, case_id: int, error, *fragments):
    """Like refuse(), for a service call outside the workflow (recusals, officer assignment)."""
    before = db_state(case_id)
    with pytest.raises(error) as info:
        call()
    assert db_state(case_id) == before, "a refused call changed the database"
    for fragment in fragments:
        assert fragment in info.value.message, info.value.message
    return info.value


def deadline(case, code: str) -> Deadline:
    db.session.expire_all()
    return deadlines.current(case, code)


def all_deadlines(case, code: str) -> list:
    db.session.expire_all()
    return deadlines.find(case, code)


def approvals(case) -> list:
    db.session.expire_all()
    return list(db.session.execute(select(Approval).where(Approval.case_id == case.id).order_by(Approval.id)).scalars())


def audit_codes(case, documents=False) -> list:
    """The case's audit codes in order; the documents' own events (drafted, issued, served) only when asked."""
    codes = db.session.execute(select(AuditEvent.code).where(AuditEvent.case_id == case.id)
                               .order_by(AuditEvent.seq)).scalars()
    return [c for c in codes if documents or not c.startswith("DOCUMENT_")]


def make_user(people, username, name, roles, org_user="officer", credential=None, valid_from=date(2023, 1, 1),
              valid_until=date(2028, 12, 31)) -> User:
    """A further user in the organisation of people[org_user]; `credential` gives an enforcement credential."""
    user = User(username=username, name=name, password_hash="x", organisation_id=people[org_user].organisation_id,
                credential_no=credential, credential_valid_from=valid_from if credential else None,
                credential_valid_until=valid_until if credential else None, active=True)
    user.role_rows = [UserRole(role=r) for r in roles]
    db.session.add(user)
    db.session.commit()
    people[username] = user
    return user


def make_party(people, kind, name, id_number=None, credit_code=None) -> Party:
    party = Party(organisation_id=people["officer"].organisation_id, kind=kind, name=name, id_number=id_number,
                  credit_code=credit_code, address="福州市鼓楼区")
    db.session.add(party)
    db.session.commit()
    return party


# ---- cases built up to a stage on fixed dates (2025 calendar, spec §10) ---------------------------------

RECEIVED = date(2025, 2, 10)       # Mon
FILED = date(2025, 2, 12)          # Wed: T8 due 2025-05-13
CONCLUDED = date(2025, 2, 24)
NOTICE_SERVED = date(2025, 3, 3)   # Mon: T10/T11 due Mon 2025-03-10


def filed_case(people, party, received=RECEIVED, filed=FILED, **filing) -> Case:
    case = open_clue(people, party, received)
    case = act(case, "propose_filing", received + DAY, people, **filing)
    return act(case, "approve_filing", filed, people)


def concluded_case(people, party, concluded=CONCLUDED, **conclusion) -> Case:
    case = filed_case(people, party)
    return act(case, "conclude_investigation", concluded, people, **conclusion)


def noticed_case(people, party, served=NOTICE_SERVED, notice=None, service=None, conclusion=None) -> Case:
    """A case whose prior notice (fine 38,000, hearing right) was served on `served`: in statement_period."""
    case = concluded_case(people, party, **(conclusion or {}))
    return run(case, [("submit_legal_review", date(2025, 2, 25)), ("pass_legal_review", date(2025, 2, 26)),
                      ("propose_prior_notice", date(2025, 2, 27), notice or {}),
                      ("approve_prior_notice", date(2025, 2, 28)),
                      ("serve_prior_notice", served, {"served_on": served, **(service or {})})], people)


def decided_case(people, party, decided=date(2025, 3, 14), **decision) -> Case:
    """Penalty decision (fine 38,000) approved on `decided`, after the statement period expired."""
    case = noticed_case(people, party)
    return run(case, [("conclude_statements", date(2025, 3, 11)), ("propose_decision", date(2025, 3, 12), decision),
                      ("approve_penalty_decision", decided)], people)
