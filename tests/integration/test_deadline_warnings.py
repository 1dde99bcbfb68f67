"""超期预警: overdue and due-soon deadlines by user, unit and organisation; the daily sweep."""
from datetime import date

from sqlalchemy import select

from caseflow.audit.models import AuditEvent
from caseflow.deadlines.warnings import sweep, warnings
from caseflow.extensions import db
from tests.integration.procedure_helpers import PHARMACY, deadline, filed_case, open_clue, run
from tests.integration.test_api_support import Api


def _codes(case):
    return [e.code for e in db.session.execute(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                                .order_by(AuditEvent.seq)).scalars()]


def test_sweep_records_due_soon_then_overdue_once_each(people, parties):
    clue = open_clue(people, parties[PHARMACY], date(2025, 2, 10))       # T1 due Mon 2025-03-03
    assert sweep(date(2025, 2, 24))["due_soon"] == 0                     # 5 working days left
    assert sweep(date(2025, 2, 27)) == {"due_soon": 1, "overdue": 0, "checked": 1}   # 2 working days left
    assert sweep(date(2025, 2, 28))["due_soon"] == 0                     # already warned
    counts = sweep(date(2025, 3, 4))
    db.session.commit()
    assert counts["overdue"] == 1
    t1 = deadline(clue, "T1")
    assert (t1.status, t1.warning_level, t1.warned_on) == ("overdue", "overdue", date(2025, 3, 4))
    assert _codes(clue)[-2:] == ["DEADLINE_DUE_SOON", "DEADLINE_OVERDUE"]
    # an overdue deadline is still met when the act is done late
    clue = run(clue, [("propose_filing", date(2025, 3, 5)), ("approve_filing", date(2025, 3, 6))], people)
    assert (deadline(clue, "T1").status, deadline(clue, "T1").met_on) == ("met", date(2025, 3, 6))


def test_a_paused_deadline_is_not_warned(people, parties):
    case = filed_case(people, parties[PHARMACY])
    case = run(case, [("request_suspension", date(2025, 3, 3)), ("approve_suspension", date(2025, 3, 4))], people)
    assert sweep(date(2025, 12, 31))["overdue"] == 0
    assert deadline(case, "T8").status == "open"


def test_warnings_by_scope_most_urgent_first(people, parties):
    late = open_clue(people, parties[PHARMACY], date(2025, 2, 3))       # T1 due 2025-02-24: overdue on 03-03
    soon = open_clue(people, parties[PHARMACY], date(2025, 2, 12))      # T1 due 2025-03-05: due soon on 03-03
    filed = filed_case(people, parties[PHARMACY])                       # officer + officer2; T8 due 2025-05-13
    today = date(2025, 3, 3)
    unit = warnings(people["officer3"], "unit", today)
    assert [(w.case.id, w.level) for w in unit] == [(late.id, "overdue"), (soon.id, "due_soon")]
    assert unit[0].days_left == -7 and unit[1].working_days_left == 2
    # before filing nobody is assigned: a clue is "mine" for the officer who registered it
    assert {w.case.id for w in warnings(people["officer"], "mine", today)} == {late.id, soon.id}
    assert [w.case.id for w in warnings(people["officer"], "mine", date(2025, 5, 9))] == [late.id, soon.id, filed.id]
    assert warnings(people["officer3"], "mine", date(2025, 5, 9)) == []
    # the provincial head sees the city's warnings through the organisation scope, a county officer does not
    assert {w.case.id for w in warnings(people["fj_head"], "organisation", today)} == {late.id, soon.id}
    assert warnings(people["gl_officer"], "unit", today) == []
    # the due-soon window is configurable
    assert [w.case.id for w in warnings(people["officer3"], "unit", today, soon=1)] == [late.id]


def test_sweep_command_prints_its_counts(app, people, parties):
    open_clue(people, parties[PHARMACY], date(2025, 2, 3))
    result = app.test_cli_runner().invoke(args=["caseflow", "deadlines", "sweep"])
    assert result.exit_code == 0, result.output
    assert "新增超期 1 项" in result.output


def test_warnings_over_the_api(client, people, parties):
    late = open_clue(people, parties[PHARMACY], date(2025, 2, 3))
    api = Api(client, people)
    body = api.ok(api.get("officer3", "/deadlines/warnings?scope=unit"))
    assert [(row["case"]["id"], row["level"]) for row in body["items"]] == [(late.id, "overdue")]
    assert body["items"][0]["deadline"]["code"] == "T1"
    bad = api.get("officer3", "/deadlines/warnings?scope=everything")
    assert bad.status_code == 422 and "scope" in bad.get_json()["details"]
