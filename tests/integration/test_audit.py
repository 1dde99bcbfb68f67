"""The audit trail: one event per act with who, what, before and after; where an HTTP request came from;
the database refusing edits; and `flask caseflow audit verify` finding every kind of tampering.

To tamper, the tests act like an attacker holding the database owner's password: they get around the
append-only triggers first (DROP TRIGGER on SQLite, ALTER TABLE … DISABLE TRIGGER on PostgreSQL).
"""
import threading
from datetime import date
from types import SimpleNamespace

import pytest
from conftest import TEST_PASSWORD, login
from flask import current_app
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from caseflow.audit import services as audit
from caseflow.audit.models import AuditChainHead, AuditEvent
from caseflow.auth.models import User
from caseflow.cases import services as cases
from caseflow.demo import GENERAL_PENALTY_PATH, HEARING_PATH, drive
from caseflow.extensions import db
from caseflow.timeutil import today
from caseflow.workflow import engine

START = date(2025, 3, 3)
EVENTS = AuditEvent.__table__


def _events(*where):
    return db.session.execute(select(AuditEvent).where(*where).order_by(AuditEvent.seq)).scalars().all()


def _count():
    return db.session.execute(select(func.count(AuditEvent.id))).scalar_one()


def _clue(people, party, received_on=START):
    return cases.register_clue(people["officer"], source="complaint", received_on=received_on,
                               summary="举报该药店串换药品。", party_id=party.id, on=received_on)


@pytest.fixture
def pharmacy(parties):
    return parties["福州仁和大药房有限公司"]


# -- one event per transition ------------------------------------------------------------------------

@pytest.fixture
def checked_fires(monkeypatch):
    """Make every engine.fire check that it wrote exactly one event describing the act; returns the
    triggers fired."""
    fire, fired = engine.fire, []

    def fire_and_check(case_id, trigger, version, data, actor, today=None):
        before_state, events_before = db.session.get(engine.Case, case_id).state, _count()
        case = fire(case_id, trigger, version, data, actor, today=today)
        new = _events(AuditEvent.seq > events_before)
        assert len(new) == 1 and _count() == events_before + 1, (trigger, new)
        event, transition = new[0], engine.definition_for(case).find(before_state, trigger)
        assert (event.code, event.case_id) == (trigger.upper(), case_id)
        assert event.organisation_id == case.organisation_id
        assert (event.actor_id, event.actor_name) == (actor.id, actor.name)
        assert event.before["state"] == before_state and event.after["state"] == case.state
        assert case.state == (transition.dest or before_state)
        assert event.after["role"] in transition.roles and event.after["role"] in actor.roles
        assert event.before["version"] < event.after["version"] == case.version
        assert transition.label in event.summary and actor.name in event.summary
        assert event.request_id is None and event.client_addr is None  # not acting through HTTP
        fired.append(trigger)
        return case

    monkeypatch.setattr(engine, "fire", fire_and_check)
    return fired


def test_every_transition_writes_exactly_one_event(people, pharmacy, checked_fires):
    internal = ["extend_time_limit", "record_statement"]
    returns = ["propose_filing", "return_filing", "propose_not_filing", "return_not_filing"]
    paths = [returns + GENERAL_PENALTY_PATH[:2] + internal[:1] + GENERAL_PENALTY_PATH[2:],
             HEARING_PATH[:8] + internal[1:] + HEARING_PATH[8:]]
    for path in paths:
        case = _clue(people, pharmacy)
        assert _events(AuditEvent.case_id == case.id)[-1].code == "CLUE_REGISTERED"
        drive(case, path, START, people)
    onsite = cases.register_onsite_case(people["officer"], party_id=pharmacy.id, summary="现场发现未公示医保标识。")
    drive(onsite, ["decide_on_spot", "hand_over_decision", "record_with_agency", "record_payment",
                   "archive_case"], START, people)
    fired = checked_fires
    assert len(fired) == sum(map(len, paths)) + 5
    assert {"archive_case", "apply_court_enforcement", "extend_time_limit", "return_filing"} <= set(fired)
    report = audit.verify_chain()
    assert report.ok and report.checked == _count()


def test_refused_transition_writes_nothing(people, pharmacy):
    case = _clue(people, pharmacy)
    before = _count()
    for trigger, version, actor in (("approve_filing", case.version, "head"),      # wrong state
                                    ("propose_filing", case.version + 5, "officer"),  # stale version
                                    ("propose_filing", case.version, "head")):       # wrong role
        with pytest.raises(Exception) as raised:
            engine.fire(case.id, trigger, version, {}, people[actor], today=START)
        assert raised.value.status in (403, 409)
    assert _count() == before


# -- where an HTTP request came from ------------------------------------------------------------------

def _via(address, request_id=None):
    headers = {"X-Request-ID": request_id} if request_id else {}
    return {"environ_base": {"REMOTE_ADDR": address}, "headers": headers}


def test_login_over_http_records_client_address_and_request_id(client, people):
    response = client.post("/login", data={"username": "head", "password": TEST_PASSWORD},
                           **_via("10.20.30.40", "req-login-1"))
    assert response.status_code in (302, 303)
    event = _events(AuditEvent.code == "LOGIN")[-1]
    assert event.actor_id == people["head"].id
    assert (event.client_addr, event.request_id) == ("10.20.30.40", "req-login-1")

    client.post("/login", data={"username": "officer", "password": "wrong-password"}, **_via("10.20.30.41"))
    failed = _events(AuditEvent.code == "LOGIN_FAILED")[-1]
    assert (failed.actor_id, failed.client_addr) == (people["officer"].id, "10.20.30.41")
    assert len(failed.request_id) == 32  # generated when the client sends none
    assert audit.verify_chain().ok


def test_transition_over_http_records_client_address_and_request_id(client, people, pharmacy):
    case = _clue(people, pharmacy, received_on=today())
    login(client, "officer")
    response = client.post(f"/api/v1/cases/{case.id}/transitions",
                           json={"trigger": "propose_not_filing", "version": case.version,
                                 "data": {"reason_kind": "no_violation", "reason": "经核查，举报事项与事实不符。"}},
                           **_via("192.168.7.8", "req-fire-7"))
    assert response.status_code == 200, response.get_json()
    event = _events(AuditEvent.case_id == case.id)[-1]
    assert (event.code, event.actor_id) == ("PROPOSE_NOT_FILING", people["officer"].id)
    assert (event.client_addr, event.request_id) == ("192.168.7.8", "req-fire-7")
    assert event.before["state"] == "clue_registered" and event.after["state"] == "not_filing_proposed"


def test_overlong_request_id_from_a_client_does_not_break_the_act(client, people):
    """X-Request-ID comes from the client: one that is too long or carries odd characters is replaced by a
    generated id (the audit column holds 64 characters; PostgreSQL enforces it)."""
    for supplied in ("r" * 300, "abc; DROP TABLE x", "正常"):
        response = client.post("/login", data={"username": "head", "password": TEST_PASSWORD},
                               **_via("10.0.0.1", supplied))
        assert response.status_code in (302, 303)
        event = _events(AuditEvent.code == "LOGIN")[-1]
        assert event.request_id != supplied and len(event.request_id) == 32
    client.post("/login", data={"username": "head", "password": TEST_PASSWORD}, **_via("10.0.0.1", "req-42.a_b"))
    assert _events(AuditEvent.code == "LOGIN")[-1].request_id == "req-42.a_b"
    assert audit.verify_chain().ok


# -- the database refuses edits -------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET summary = '篡改' WHERE seq = 1",
    "UPDATE audit_events SET seq = seq + 100",
    "DELETE FROM audit_events WHERE seq = 1",
    "DELETE FROM audit_events",
])
def test_database_refuses_update_and_delete_of_events(people, statement):
    with pytest.raises(DBAPIError) as raised:
        db.session.execute(text(statement))
    assert "append-only" in str(raised.value)
    db.session.rollback()
    assert _count() == 1 and audit.verify_chain().ok


def test_database_refuses_changes_made_through_the_orm(people):
    event = _events()[0]
    event.summary = "篡改"
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(_events()[0])
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert audit.verify_chain().ok


# -- tampering and `flask caseflow audit verify` -------------------------------------------------------

def _tamper(*statements):
    """Run statements as an attacker with the owner's rights would: around the append-only triggers."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        db.session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        db.session.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
    for statement in statements:
        db.session.execute(statement)
    if postgres:  # in the same transaction: the trigger is back for every other test
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    db.session.commit()


def _content(seq):
    row = db.session.execute(select(EVENTS).where(EVENTS.c.seq == seq)).one()._asdict()
    return {k: v for k, v in row.items() if k not in ("id", "seq", "prev_hash", "hash")}


def _verify_cli():
    """`flask caseflow audit verify`: its exit code and what it printed (stdout and stderr)."""
    result = current_app.test_cli_runner().invoke(args=["caseflow", "audit", "verify"])
    return result.exit_code, result.output


@pytest.fixture
def history(people, pharmacy):
    """A case driven some way, so the chain has a dozen events; their count."""
    drive(_clue(people, pharmacy), GENERAL_PENALTY_PATH[:10], START, people)
    count = _count()
    assert count == 12
    return count


def test_verify_passes_on_an_intact_chain(history):
    code, output = _verify_cli()
    assert code == 0, output
    assert f"共 {history} 个事件" in output


def _edit_summary():
    return [update(EVENTS).where(EVENTS.c.seq == 5).values(summary="王海峰（负责人）执行「批准立案」：已删除")], 5


def _edit_data_keeping_the_text():
    after = _content(7)["after"]
    return [update(EVENTS).where(EVENTS.c.seq == 7).values(after={**after, "role": "principal_head"})], 7


def _delete_middle():
    return [delete(EVENTS).where(EVENTS.c.seq == 6)], 7


def _swap_contents():
    a, b = _content(4), _content(5)
    return [update(EVENTS).where(EVENTS.c.seq == 4).values(**b),
            update(EVENTS).where(EVENTS.c.seq == 5).values(**a)], 4


def _swap_order():
    return [update(EVENTS).where(EVENTS.c.seq == 8).values(seq=-8),
            update(EVENTS).where(EVENTS.c.seq == 9).values(seq=8),
            update(EVENTS).where(EVENTS.c.seq == -8).values(seq=9)], 8


def _delete_last():
    return [delete(EVENTS).where(EVENTS.c.seq == 12)], 12


def _rewrite_last_with_a_fresh_hash():
    """The attacker edits the last event and recomputes its hash: only the chain head gives it away."""
    forged = SimpleNamespace(**db.session.execute(select(EVENTS).where(EVENTS.c.seq == 12)).one()._asdict())
    forged.summary = "郑丽娟执行「记录听证结果」"
    forged.hash = audit.event_hash(forged)
    return [update(EVENTS).where(EVENTS.c.seq == 12).values(summary=forged.summary, hash=forged.hash)], 12


def _append_after_the_head():
    row = db.session.execute(select(EVENTS).where(EVENTS.c.seq == 12)).one()._asdict()
    forged = {**row, "seq": 13, "prev_hash": row["hash"], "code": "LOGIN", "summary": "伪造登录"}
    del forged["id"]
    forged["hash"] = audit.event_hash(SimpleNamespace(**forged))
    return [EVENTS.insert().values(**forged)], 13


def _remove_the_head():
    return [delete(AuditChainHead)], 1


@pytest.mark.parametrize("tampering", [
    _edit_summary, _edit_data_keeping_the_text, _delete_middle, _swap_contents, _swap_order, _delete_last,
    _rewrite_last_with_a_fresh_hash, _append_after_the_head, _remove_the_head])
def test_verify_names_the_first_bad_event(history, tampering):
    statements, first_bad = tampering()
    _tamper(*statements)
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == first_bad, report
    code, output = _verify_cli()
    assert code != 0
    assert f"第一个异常事件序号 {first_bad}" in output, output


def test_verify_during_appends_by_other_users_reports_no_tampering(history, pharmacy):
    """`audit verify` runs on a live system: events committed while it reads are checked, not reported."""
    app, officer_id = current_app._get_current_object(), db.session.execute(
        select(User.id).where(User.username == "officer")).scalar_one()
    pharmacy_id, seen = pharmacy.id, []

    def another_user_acts():
        with app.app_context():
            cases.register_clue(db.session.get(User, officer_id), source="inspection", received_on=START,
                                summary="检查中发现的线索。", party_id=pharmacy_id, on=START)
            db.session.remove()

    def progress(n):
        seen.append(n)
        if len(seen) == history:  # the last event is read: someone else appends before the head is read
            worker = threading.Thread(target=another_user_acts)
            worker.start()
            worker.join()

    report = audit.verify_chain(progress=progress)
    assert report.ok and report.checked == history + 1, report


def test_truncate_of_the_audit_trail_is_refused_on_postgresql(app, backend):
    """On PostgreSQL TRUNCATE would bypass row triggers: a statement trigger refuses it too."""
    import pytest as _pytest
    from sqlalchemy import text as _text
    from sqlalchemy.exc import DBAPIError
    from caseflow.extensions import db as _db
    if backend != "postgresql":
        _pytest.skip("TRUNCATE is PostgreSQL's; SQLite has none (DELETE is refused by its trigger)")
    with _pytest.raises(DBAPIError, match="append-only"):
        _db.session.execute(_text("TRUNCATE audit_events"))
    _db.session.rollback()
