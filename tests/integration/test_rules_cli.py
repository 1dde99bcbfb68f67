"""`flask caseflow assess FILE` and `flask caseflow timelimit FILE`: JSON in (file or stdin), JSON out,
exit 1 with a JSON error naming the field on invalid input; the time limits use the admin-entered days."""
import json
from datetime import date

from caseflow.deadlines.calendar import WorkingCalendar, unknown_year_warning
from caseflow.deadlines.services import set_calendar_day
from caseflow.rules.assessment import assess
from caseflow.rules.timelimits import compute

S01B = {"profile": "GD-SW", "subject": "pharmacy",
        "items": [{"article": "735-38", "amount": "38000.00", "fraud_purpose": False}],
        "circumstances": ["first_violation", "cooperated", "refunded_voluntarily"],
        "conduct_ended_on": "2025-01-31", "discovered_on": "2025-03-01"}


def invoke(app, *args, stdin=None):
    return app.test_cli_runner().invoke(args=["caseflow", *args], input=stdin)


def test_assess_from_stdin_prints_the_service_answer(app):
    result = invoke(app, "assess", "-", stdin=json.dumps(S01B))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer == assess(S01B)
    assert (answer["items"][0]["fine_min"], answer["items"][0]["fine_max"]) == ("38000.00", "76000.00")
    assert "《医疗保障基金使用监督管理条例》第三十八条" in result.output     # Chinese printed as is


def test_assess_from_a_file(app, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(dict(S01B, proposed={"fine": "40000.00"})), encoding="utf-8")
    result = invoke(app, "assess", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["proposed_check"]["within_range"] is True


def test_assess_invalid_input_exits_1_with_a_json_error_naming_the_field(app):
    result = invoke(app, "assess", "-", stdin=json.dumps({"subject": "spaceship", "items": []}))
    assert result.exit_code == 1
    error = json.loads(result.output)
    assert error["error"] == "validation_failed"
    assert "subject" in error["details"] and "当事人类型" in error["message"]


def test_assess_not_json_exits_1(app):
    result = invoke(app, "assess", "-", stdin="{not json")
    assert result.exit_code == 1 and json.loads(result.output)["error"] == "validation_failed"


def test_timelimit_prints_the_service_answer(app):
    for payload in ({"kind": "payment", "start": "2025-03-03"},
                    {"kind": "surcharge", "fine": "76000.00", "due": "2025-03-18", "paid_on": "2025-05-10",
                     "paused": [["2025-04-10", "2025-06-10"]]},
                    {"kind": "limitation", "conduct_ended_on": "2022-03-31", "discovered_on": "2024-05-10",
                     "life_health_harm": False}):
        result = invoke(app, "timelimit", "-", stdin=json.dumps(payload))
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == compute(payload, WorkingCalendar())


def test_timelimit_invalid_input(app):
    result = invoke(app, "timelimit", "-", stdin=json.dumps({"kind": "payment", "start": "2025-02-30"}))
    assert result.exit_code == 1
    assert "start" in json.loads(result.output)["details"]


def test_timelimit_counts_days_the_administrator_entered(app, people):
    payload = json.dumps({"kind": "statement", "start": "2027-03-01"})
    before = json.loads(invoke(app, "timelimit", "-", stdin=payload).output)
    assert before["due"] == "2027-03-08" and unknown_year_warning(2027) in before["warnings"]
    admin = people["admin"]
    set_calendar_day(admin, date(2027, 3, 2), False, "测试：2027年休息日")
    set_calendar_day(admin, date(2027, 3, 3), False, "测试：2027年休息日")
    after = json.loads(invoke(app, "timelimit", "-", stdin=payload).output)
    assert after["due"] == "2027-03-10" and after["warnings"] == []
