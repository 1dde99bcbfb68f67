"""Random walks through the workflows (Hypothesis stateful testing) keep the engine's invariants.

Each step registers a clue or an on-site case, or fires a trigger drawn from the workflow's full list,
as a user of any role in either organisation, with plausible, partly broken or missing form data, the
right or a stale version, after a random number of simulated days. Whatever happens:
- a case is always in a state of its definition;
- every state change is a transition the definition allows from the previous state, by a user holding
  one of its roles in the case's organisation, and the audit events of a case replay its states;
- a refused act (a DomainError) changes nothing: row counts, case version, audit trail;
- there is one audit event per successful act, and the hash chain verifies;
- cases past filing carry a case number, unique and gap-free per organisation, series and year.
Anything else a step raises (a crash) fails the test.
"""
import shutil
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event, func, select, text

from caseflow.audit.models import AuditEvent
from caseflow.audit.services import verify_chain
from caseflow.auth.models import User
from caseflow.cases import services as cases
from caseflow.cases.models import Case
from caseflow.demo import (
    ACTORS,
    GENERAL_PENALTY_PATH,
    HEARING_PATH,
    WAIT,
    build_world,
    parties,
    people_by_username,
    next_onsite_form,
    prepare_required_documents,
    step_data,
)
from caseflow.errors import DomainError
from caseflow.extensions import db
from caseflow.workflow import engine

SETTINGS = settings(max_examples=25, stateful_step_count=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
START = date(2025, 3, 3)
MAIN_PATHS = set(GENERAL_PENALTY_PATH + HEARING_PATH) | {
    "decide_on_spot", "hand_over_decision", "record_with_agency", "record_payment", "archive_case"}
REGISTRATIONS = {"CLUE_REGISTERED": "general_procedure", "ONSITE_CASE_REGISTERED": "simplified_procedure"}
GARBAGE = st.sampled_from(["", "   ", "x" * 3000, "abc", -1, 0, 10**13, 1.5, None, [], {}, ["1"], True,
                           "2025-02-30", date(2099, 1, 1), datetime(2025, 3, 3, 9, 0), "1,2,3", "-0.01"])


def _numbered_states(defn):
    """(states a case reaches only after its number is allocated, states it is in before)."""
    numbering = [t for t in defn.transitions if any(name == "allocate_case_number" for name, _ in t.effects)]

    def reach(starts, skip=()):
        seen, todo = set(starts), list(starts)
        while todo:
            for t in defn.transitions_from(todo.pop()):
                if t.dest and t not in skip and t.dest not in seen:
                    seen.add(t.dest)
                    todo.append(t.dest)
        return seen
    return reach({t.dest for t in numbering}), reach({defn.initial}, skip=numbering)


def _table_counts():
    """Rows in every table, in one query."""
    tables = db.metadata.sorted_tables
    counts = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))
    return db.session.execute(counts).one()._asdict()


def _reset_database(app, backend, request):
    db.session.remove()
    if backend == "sqlite":
        db.engine.dispose()
        path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
    else:  # DELETE is much cheaper than TRUNCATE on tables this small; around the append-only trigger
        guarded = (("audit_events", "audit_events_append_only"), ("documents", "documents_issued_immutable"),
                   ("document_services", "document_services_append_only"))
        for table, trigger in guarded:
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        for table, trigger in guarded:
            db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
        db.session.commit()


@pytest.fixture
def fast_sqlite(app, backend):
    """No fsync per commit on the throwaway SQLite file: hundreds of commits per walk, same semantics."""
    if backend == "sqlite":
        event.listen(db.engine, "connect", _no_sync)
        db.engine.dispose()
        yield
        event.remove(db.engine, "connect", _no_sync)
    else:
        yield


def _no_sync(dbapi_connection, _record):
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def test_random_walks_keep_the_invariants(app, backend, request, password_hash, fast_sqlite):
    definitions = engine.definitions()
    numbered = {name: _numbered_states(defn) for name, defn in definitions.items()}
    for after, before in numbered.values():
        assert after and not after & before  # "past filing" is well defined
    all_triggers = sorted({t.trigger for defn in definitions.values() for t in defn.transitions})

    class Walk(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            _reset_database(app, backend, request)
            people = build_world(password_hash=password_hash)
            self.usernames = sorted(people)
            self.user_ids = {name: u.id for name, u in people.items()}
            self.roles = {u.id: (u.roles, u.organisation_id) for u in people.values()}
            self.party_ids = [p.id for p in parties()]
            self.today = START
            self.case_ids = []
            self.acts = 1  # the world's creation is audited
            self.fired = Counter()

        def _people(self, case):
            """Users by the demo's usernames; for the county's cases, its own officers and head."""
            people = people_by_username()
            if people["gl_officer"].organisation_id == case.organisation_id:
                people.update(officer=people["gl_officer"], officer2=people["gl_officer2"],
                              head=people["gl_head"])
            return people

        def _refused_without_trace(self, act, case_id=None):
            """Run `act`; when it raises a DomainError, check it left no trace. True when it succeeded."""
            counts = _table_counts()
            version = db.session.get(Case, case_id).version if case_id else None
            try:
                act()
            except DomainError:
                db.session.rollback()
                assert _table_counts() == counts
                if case_id:
                    assert db.session.get(Case, case_id).version == version
                return False
            return True

        def _likely(self, data, label):
            """Mostly True: the plausible choice, sometimes the odd one."""
            return data.draw(st.integers(0, 9), label=label) < 8

        def _open_cases(self):
            return db.session.execute(select(func.count(Case.id)).where(
                Case.state.not_in([s for d in definitions.values() for s in d.terminal]))).scalar_one()

        @precondition(lambda self: len(self.case_ids) < 6 and self._open_cases() < 2)
        @rule(who=st.sampled_from(["officer", "gl_officer", "officer2", "head", "archivist"]),
              onsite=st.booleans(), party=st.integers(0, 4), days_before=st.integers(0, 900))
        def register(self, who, onsite, party, days_before):
            actor = db.session.get(User, self.user_ids[who])
            party_id = self.party_ids[party]
            created = []
            if onsite:
                act = lambda: created.append(cases.register_onsite_case(actor, party_id=party_id,
                                                                         summary="现场检查发现未公示医保标识。"))
            else:
                received = self.today - timedelta(days=days_before)
                act = lambda: created.append(cases.register_clue(
                    actor, source="complaint", received_on=received, summary="举报串换药品。", party_id=party_id,
                    on=self.today))
            if self._refused_without_trace(act):
                self.case_ids.append(created[0].id)
                self.acts += 1

        @precondition(lambda self: self.case_ids)
        @rule(data=st.data())
        def fire(self, data):
            case = db.session.get(Case, data.draw(st.sampled_from(self.case_ids), label="case"))
            defn = engine.definition_for(case)
            here = sorted({t.trigger for t in defn.transitions_from(case.state)})
            forward = [t for t in here if t in MAIN_PATHS]
            choice = data.draw(st.integers(0, 9), label="trigger kind")  # small numbers are drawn more often
            pool = forward if forward and choice < 6 else here if here and choice < 9 else all_triggers
            trigger = data.draw(st.sampled_from(pool), label="trigger")
            people = self._people(case)
            usual = ACTORS.get(trigger, "officer")
            who = usual if self._likely(data, "usual actor") else data.draw(st.sampled_from(self.usernames))
            days = data.draw(st.sampled_from([WAIT.get(trigger, 1), 0, 1, 7, 40]), label="days")
            self.today += timedelta(days=days)
            form = step_data(trigger, self.today, people)
            if trigger == "decide_on_spot":
                form["form_number"] = next_onsite_form(case.organisation_id)
            if self._likely(data, "documents ready"):  # the officer issued and served what the step needs
                try:
                    prepare_required_documents(case.id, trigger, people["officer"], self.today)
                except DomainError:
                    db.session.rollback()
            if not self._likely(data, "plausible data"):
                breakage = data.draw(st.sampled_from(["drop", "garble", "empty", "null"]), label="breakage")
                if breakage == "drop" and form:
                    del form[data.draw(st.sampled_from(sorted(form)))]
                elif breakage == "garble" and form:
                    form[data.draw(st.sampled_from(sorted(form)))] = data.draw(GARBAGE)
                elif breakage in ("empty", "null"):
                    form = {} if breakage == "empty" else None
            version = case.version if self._likely(data, "version seen") else \
                data.draw(st.sampled_from([case.version - 1, case.version + 1, "abc", None]), label="version")
            case_id, state, old_version, actor = case.id, case.state, case.version, people[who]
            fired = self._refused_without_trace(
                lambda: engine.fire(case_id, trigger, version, form, actor, today=self.today), case_id)
            if fired:
                self.acts += 1
                self.fired[trigger] += 1
                case = db.session.get(Case, case_id)
                assert case.version > old_version
                transition = defn.find(state, trigger)
                assert transition is not None and case.state == (transition.dest or state)

        @invariant()
        def one_event_per_act_and_the_chain_verifies(self):
            assert db.session.execute(select(func.count(AuditEvent.id))).scalar_one() == self.acts
            report = verify_chain()
            assert report.ok, report

        @invariant()
        def states_are_those_the_audit_trail_replays_through_allowed_transitions(self):
            current = {row.id: row for row in db.session.execute(
                select(Case.id, Case.workflow, Case.state, Case.organisation_id))}
            states = {}
            events = db.session.execute(
                select(AuditEvent.case_id, AuditEvent.code, AuditEvent.before, AuditEvent.after,
                       AuditEvent.actor_id, AuditEvent.organisation_id)
                .where(AuditEvent.case_id.is_not(None)).order_by(AuditEvent.seq))
            for row in events:
                case = current[row.case_id]
                defn = definitions[case.workflow]
                if row.code in REGISTRATIONS:
                    assert row.case_id not in states and case.workflow == REGISTRATIONS[row.code]
                    states[row.case_id] = defn.initial
                    continue
                previous = states[row.case_id]
                transition = defn.find(previous, row.code.lower())
                assert transition is not None, (previous, row.code)
                assert row.before["state"] == previous
                assert row.after["state"] == (transition.dest or previous)
                roles, organisation_id = self.roles[row.actor_id]
                assert row.after["role"] in transition.roles and row.after["role"] in roles
                assert organisation_id == case.organisation_id == row.organisation_id
                states[row.case_id] = row.after["state"]
            assert states == {case_id: case.state for case_id, case in current.items()}
            assert all(case.state in definitions[case.workflow].states for case in current.values())

        @invariant()
        def cases_past_filing_have_unique_gap_free_numbers(self):
            rows = db.session.execute(select(Case.workflow, Case.state, Case.case_number, Case.case_seq,
                                             Case.organisation_id, Case.number_series, Case.case_year)).all()
            series = {}
            for row in rows:
                after, before = numbered[row.workflow]
                assert (row.case_number is not None) == (row.state in after), row
                assert row.state in after | before
                if row.case_number:
                    key = (row.organisation_id, row.number_series, row.case_year)
                    series.setdefault(key, []).append(row.case_seq)
            numbers = [r.case_number for r in rows if r.case_number]
            assert len(numbers) == len(set(numbers))
            for seqs in series.values():
                assert sorted(seqs) == list(range(1, len(seqs) + 1))

        def teardown(self):
            self.__class__.walked.update(self.fired)

    Walk.walked = Counter()
    # PostgreSQL: fewer walks, enough for the dialect's paths (locks, JSON, inserts on conflict)
    walks = SETTINGS.max_examples if backend == "sqlite" else 10
    run_state_machine_as_test(Walk, settings=settings(SETTINGS, max_examples=walks))
    print(f"\nsuccessful fires: {sum(Walk.walked.values())}", dict(Walk.walked.most_common()))
    # the walks went deep: past filing, decisions and closing, not only refusals
    assert {"approve_filing", "decide_on_spot"} <= set(Walk.walked), Walk.walked
    assert sum(Walk.walked.values()) >= 4 * walks, Walk.walked
