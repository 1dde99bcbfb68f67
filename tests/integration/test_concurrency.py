"""Atomicity, locking and gap-free numbering of the workflow engine under real concurrency.

Threads start together at a barrier, each in its own app context, session and connection. On
PostgreSQL the case, number counter and audit chain rows are locked (SELECT … FOR UPDATE); the
PostgreSQL runs are skipped with a reason when CASEFLOW_TEST_DATABASE_URL is not set (CI sets it).
The same tests run on SQLite, the embedded default, where the database write lock and the version
column must give the same outcome. The rollback tests need no threads and run on every backend.
"""
import threading
import time
from datetime import date

import pytest
from conftest import PG_URL, TEST_PASSWORD, make_app
from sqlalchemy import func, select, text

from caseflow.audit import services as audit
from caseflow.audit.models import AuditEvent
from caseflow.auth import services as auth
from caseflow.auth.models import User
from caseflow.cases import services as cases
from caseflow.cases.models import Approval, Case, NumberCounter
from caseflow.deadlines.models import Deadline
from caseflow.demo import build_world, drive, parties
from caseflow.errors import Conflict, DomainError
from caseflow.extensions import db
from caseflow.workflow import engine
from caseflow.workflow.registry import EFFECTS, GUARDS

THREADS = 16
START = date(2025, 3, 3)
FILING_DAY = date(2025, 3, 10)


@pytest.fixture(params=["sqlite", "postgresql"])
def threaded_app(request, tmp_path, password_hash):
    """An app with the demo world whose pool lets every thread hold its own connection at once."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("needs CASEFLOW_TEST_DATABASE_URL (PostgreSQL row locks and one connection per thread)")
    app = make_app(request.param, request, tmp_path,
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 4, "max_overflow": 0})
    with app.app_context():
        build_world(password_hash=password_hash)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _proposed_cases(count: int) -> list[int]:
    """`count` cases of 福州市医保局 waiting for the head's filing decision; their ids."""
    people = {u.username: u for u in db.session.execute(select(User)).scalars()}
    party = next(p for p in parties() if p.organisation_id == people["officer"].organisation_id)
    ids = []
    for _ in range(count):
        case = cases.register_clue(people["officer"], source="complaint", received_on=START,
                                   summary="举报串换药品。", party_id=party.id, on=START)
        ids.append(drive(case, ["propose_filing"], START, people).case.id)
    return ids


def _run_together(app, prepare, act, n=THREADS):
    """Run `act(i, prepare(i))` in `n` threads, each in its own app context and session; the acts are
    released together by a barrier once every thread has prepared (loaded its user, say). Returns
    (outcomes, seconds from the release to the last thread's end); an outcome is what `act` returned
    or the exception it raised."""
    barrier = threading.Barrier(n)
    outcomes = [None] * n
    released = []

    def worker(i):
        with app.app_context():
            try:
                prepared = prepare(i)
                if barrier.wait() == 0:
                    released.append(time.perf_counter())
                outcomes[i] = act(i, prepared)
            except Exception as exc:  # noqa: BLE001 — every outcome is inspected by the test
                outcomes[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return outcomes, time.perf_counter() - released[0]


def _user(username):
    """A `prepare` step: load the acting user in the thread's own session."""
    user_id = db.session.execute(select(User.id).where(User.username == username)).scalar_one()
    return lambda i: db.session.get(User, user_id)


def _crashes(outcomes):
    return [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)]


def test_conflicting_transitions_on_one_case_one_wins(threaded_app):
    with threaded_app.app_context():
        case_id = _proposed_cases(1)[0]
        seen_version = db.session.get(Case, case_id).version
        load_head = _user("head")
        events_before = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()

    def approve_or_return(i, head):
        trigger = "approve_filing" if i % 2 else "return_filing"
        return engine.fire(case_id, trigger, seen_version, {"opinion": f"第 {i} 位负责人的意见。"}, head,
                           today=FILING_DAY).state

    outcomes, seconds = _run_together(threaded_app, load_head, approve_or_return)
    print(f"\n{THREADS} conflicting fires on one case: {seconds * 1000:.0f} ms")

    assert not _crashes(outcomes), _crashes(outcomes)
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(losers) == THREADS - 1 and all(type(e) is Conflict and e.status == 409 for e in losers)
    assert all(e.details["your_version"] == seen_version for e in losers)
    with threaded_app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == winners[0] and case.version > seen_version
        step_events = db.session.execute(select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.code.in_(["APPROVE_FILING", "RETURN_FILING"]))
        ).scalars().all()
        assert len(step_events) == 1
        assert step_events[0].after["state"] == case.state
        approvals = select(func.count(Approval.id)).where(Approval.case_id == case_id)
        assert db.session.execute(approvals).scalar_one() == 1
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar_one() == events_before + 1
        numbers = db.session.execute(select(NumberCounter.last_value)).scalars().all()
        assert numbers == ([1] if case.state == "investigating" else [0] * len(numbers))
        assert audit.verify_chain().ok


def test_concurrent_filings_get_unique_gap_free_numbers(threaded_app):
    with threaded_app.app_context():
        case_ids = _proposed_cases(THREADS)
        versions = {cid: db.session.get(Case, cid).version for cid in case_ids}
        load_head = _user("head")

    def approve(i, head):
        case = engine.fire(case_ids[i], "approve_filing", versions[case_ids[i]], {"opinion": "同意立案。"}, head,
                           today=FILING_DAY)
        return case.case_number

    outcomes, seconds = _run_together(threaded_app, load_head, approve)
    print(f"\n{THREADS} concurrent filings in one organisation: {seconds * 1000:.0f} ms")

    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert sorted(outcomes, key=lambda s: int(s.split("〕")[1][:-1])) == \
        [f"榕医保立〔2025〕{n}号" for n in range(1, THREADS + 1)]
    with threaded_app.app_context():
        rows = db.session.execute(
            select(Case.case_seq, Case.filed_on, Case.state).where(Case.id.in_(case_ids))).all()
        assert sorted(r.case_seq for r in rows) == list(range(1, THREADS + 1))
        assert {(r.filed_on, r.state) for r in rows} == {(FILING_DAY, "investigating")}
        assert db.session.execute(select(NumberCounter.last_value)).scalar_one() == THREADS
        report = audit.verify_chain()
        assert report.ok, report
        codes = db.session.execute(select(AuditEvent.code).order_by(AuditEvent.seq)).scalars().all()
        assert codes.count("APPROVE_FILING") == THREADS


def _empty_audit_trail():
    """Back to a fresh installation's audit trail (as the database owner, around the append-only trigger)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate"))
        db.session.execute(text("TRUNCATE audit_events, audit_chain_head"))
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
        db.session.execute(text("DELETE FROM audit_events"))
        db.session.execute(text("DELETE FROM audit_chain_head"))
    db.session.commit()


def test_concurrent_acts_on_an_empty_chain_all_append(threaded_app):
    """The very first audited acts of a new installation race to create the chain head."""
    with threaded_app.app_context():
        _empty_audit_trail()
        load_officer = _user("officer")
        party_id = next(p.id for p in parties() if p.kind == "pharmacy")

    def register(i, officer):
        return cases.register_clue(officer, source="inspection", received_on=START, summary=f"第 {i} 条线索。",
                                   party_id=party_id, on=START).id

    outcomes, _ = _run_together(threaded_app, load_officer, register)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    with threaded_app.app_context():
        report = audit.verify_chain()
        assert report.ok and report.checked == THREADS, report


def test_concurrent_logins_are_all_audited(threaded_app):
    """A login writes nothing before its audit event: the chain tip must still be read under a lock."""
    with threaded_app.app_context():
        usernames = sorted(u.username for u in db.session.execute(select(User)).scalars())
        events_before = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()

    def log_in(i, username):
        return auth.authenticate(username, TEST_PASSWORD).username

    outcomes, _ = _run_together(threaded_app, lambda i: usernames[i % len(usernames)], log_in)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    with threaded_app.app_context():
        codes = db.session.execute(select(AuditEvent.code).where(AuditEvent.seq > events_before)).scalars().all()
        assert codes == ["LOGIN"] * THREADS
        assert audit.verify_chain().ok


def test_verification_during_concurrent_filings_reports_no_tampering(threaded_app):
    """`audit verify` runs on a live system: appends committed while it reads are not tampering."""
    with threaded_app.app_context():
        case_ids = _proposed_cases(THREADS - 1)
        versions = {cid: db.session.get(Case, cid).version for cid in case_ids}
        load_head = _user("head")

    def approve_or_verify(i, head):
        if i == THREADS - 1:
            return [audit.verify_chain() for _ in range(5)]
        return engine.fire(case_ids[i], "approve_filing", versions[case_ids[i]], {"opinion": "同意。"}, head,
                           today=FILING_DAY).case_number

    outcomes, _ = _run_together(threaded_app, load_head, approve_or_verify)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert all(r.ok for r in outcomes[-1]), outcomes[-1]


# -- atomicity: a transition that fails midway leaves nothing behind (every backend) ------------------

def _footprint(case_id):
    case = db.session.get(Case, case_id)
    db.session.refresh(case)
    def count(model, *where):
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
    return {"state": case.state, "version": case.version, "number": case.case_number,
            "filed_on": case.filed_on,
            "counter": db.session.execute(select(NumberCounter.last_value)).scalars().all(),
            "approvals": count(Approval, Approval.case_id == case_id),
            "deadlines": count(Deadline, Deadline.case_id == case_id),
            "events": count(AuditEvent)}


@pytest.fixture
def proposed(people):
    return _proposed_cases(1)[0]


def test_effect_failing_after_the_number_is_taken_rolls_everything_back(people, proposed, monkeypatch):
    allocate = EFFECTS["allocate_case_number"]

    def allocate_then_fail(ctx, **args):
        allocate(ctx, **args)
        assert ctx.case.case_number == "榕医保立〔2025〕1号"
        raise RuntimeError("存储故障")

    monkeypatch.setitem(EFFECTS, "allocate_case_number", allocate_then_fail)
    before = _footprint(proposed)
    with pytest.raises(RuntimeError):
        engine.fire(proposed, "approve_filing", before["version"], {"opinion": "同意。"}, people["head"],
                    today=FILING_DAY)
    assert _footprint(proposed) == before
    assert before["counter"] in ([], [0])
    assert audit.verify_chain().ok

    monkeypatch.setitem(EFFECTS, "allocate_case_number", allocate)
    case = engine.fire(proposed, "approve_filing", before["version"], {"opinion": "同意。"}, people["head"],
                       today=FILING_DAY)
    assert case.case_number == "榕医保立〔2025〕1号"  # the failed filing gave its number back
    assert audit.verify_chain().ok


def test_failure_while_writing_the_audit_event_rolls_back_the_transition(people, proposed, monkeypatch):
    record = audit.record

    def record_then_fail(*args, **kwargs):
        record(*args, **kwargs)
        raise RuntimeError("审计写入失败")

    monkeypatch.setattr(engine.audit, "record", record_then_fail)
    before = _footprint(proposed)
    with pytest.raises(RuntimeError):
        engine.fire(proposed, "approve_filing", before["version"], {"opinion": "同意。"}, people["head"],
                    today=FILING_DAY)
    assert _footprint(proposed) == before
    monkeypatch.setattr(engine.audit, "record", record)
    engine.fire(proposed, "return_filing", before["version"], {"opinion": "请补充材料。"}, people["head"],
                today=FILING_DAY)
    assert audit.verify_chain().ok  # the chain head was rolled back with the event


@pytest.fixture
def sqlite_app(request, tmp_path, password_hash):
    app = make_app("sqlite", request, tmp_path)
    with app.app_context():
        build_world(password_hash=password_hash)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_change_committed_by_another_connection_midway_is_a_conflict_on_sqlite(sqlite_app, monkeypatch):
    """SQLite takes no row lock when the case is read: a change committed by another connection
    between the read and the write must still end as a 409, with nothing written."""
    people = {u.username: u for u in db.session.execute(select(User)).scalars()}
    case_id = _proposed_cases(1)[0]
    guard = GUARDS["filing_officers_still_qualified"]

    def guard_while_someone_else_writes(ctx):
        with db.engine.begin() as other:
            other.execute(text("UPDATE cases SET version = version + 1, title = title || '（已更新）' "
                               "WHERE id = :id"), {"id": ctx.case.id})
        return guard.fn(ctx)

    monkeypatch.setitem(GUARDS, "filing_officers_still_qualified",
                        type(guard)(guard_while_someone_else_writes, guard.needs_data))
    before = _footprint(case_id)
    with pytest.raises(Conflict):
        engine.fire(case_id, "approve_filing", before["version"], {"opinion": "同意。"}, people["head"],
                    today=FILING_DAY)
    after = _footprint(case_id)
    assert after == {**before, "version": before["version"] + 1}
    assert audit.verify_chain().ok
