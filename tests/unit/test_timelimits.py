"""Statutory time limits (caseflow.rules.timelimits) on the official calendar, with the legal spec's §10
expected days (S10, S13, S15, S16b, S22, S24, S25, S27, S28), the Spring Festival and National Day with
their make-up working days, and the surcharge's cap and pause. Pure: WorkingCalendar() directly."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.deadlines.calendar import WorkingCalendar, unknown_year_warning
from caseflow.errors import ValidationFailed
from caseflow.rules import timelimits as timelimits_module
from caseflow.rules.timelimits import HANDLERS, compute, surcharge

CAL = WorkingCalendar()


def due(payload, calendar=CAL):
    return compute(payload, calendar)["due"]


# -- every kind ------------------------------------------------------------------------------------

MINIMAL = {
    "clue_verification": {"start": "2025-03-03"}, "reporter_notification": {"start": "2025-03-03"},
    "preservation_decision": {"start": "2025-03-03"}, "sealing": {"start": "2025-03-03"},
    "decision": {"start": "2025-03-03"}, "legal_review": {"start": "2025-03-03"},
    "statement": {"start": "2025-03-03"}, "hearing_request": {"start": "2025-03-03"},
    "hearing_notice": {"hearing_date": "2025-03-27"}, "service_absent": {"start": "2025-03-03"},
    "public_notice_service": {"start": "2025-03-03"}, "payment": {"start": "2025-03-03"},
    "court_application_earliest": {"start": "2025-03-03"}, "court_application": {"served_on": "2025-03-03"},
    "reconsideration": {"start": "2025-03-03"}, "publication": {"start": "2025-03-03"},
    "publication_withdrawal": {"start": "2025-03-03"},
    "limitation": {"conduct_ended_on": "2024-01-01", "discovered_on": "2025-01-01"},
    "surcharge": {"fine": "1000.00", "due": "2025-03-18", "paid_on": "2025-03-20"},
}


def test_every_kind_of_the_issue_is_served():
    assert set(HANDLERS) == set(MINIMAL)


@pytest.mark.parametrize("kind", sorted(MINIMAL))
def test_every_kind_returns_due_unit_and_basis(kind):
    result = compute({"kind": kind, **MINIMAL[kind]}, CAL)
    assert date.fromisoformat(result["due"])
    assert result["unit"] in ("working", "calendar", "months", "years")
    assert result["basis"] and all(isinstance(b, str) and b for b in result["basis"])
    assert result["warnings"] == []


@pytest.mark.parametrize("kind, start, expected, unit", [
    ("clue_verification", "2025-03-03", "2025-03-24", "working"),       # T1 15 WD
    ("preservation_decision", "2025-03-03", "2025-03-12", "working"),   # T4 7 WD (S28)
    ("legal_review", "2025-03-03", "2025-03-17", "working"),            # T9 10 WD
    ("statement", "2025-03-03", "2025-03-10", "working"),               # T10 5 WD
    ("hearing_request", "2025-03-03", "2025-03-10", "working"),         # T11 5 WD
    ("service_absent", "2025-03-03", "2025-03-12", "working"),          # T14 7 WD
    ("payment", "2025-03-03", "2025-03-18", "calendar"),                # T17 15 days (S13)
    ("court_application_earliest", "2025-03-03", "2025-03-18", "working"),  # after 10 WD (ends 03-17)
    ("reconsideration", "2025-03-03", "2025-05-06", "calendar"),        # 60 days → 05-02 holiday → 05-06
    ("publication_withdrawal", "2025-03-03", "2025-03-06", "working"),  # T27 3 WD
    ("sealing", "2025-03-03", "2025-04-02", "calendar"),                # T6 30 days
])
def test_each_limit_on_an_ordinary_week(kind, start, expected, unit):
    result = compute({"kind": kind, "start": start}, CAL)
    assert (result["due"], result["unit"]) == (expected, unit)


def test_unverified_bases_are_marked():
    assert compute({"kind": "statement", "start": "2025-03-03"}, CAL)["basis"] == [
        "《医疗保障行政处罚程序暂行规定》第四十一条（条款待核实）"]
    detail = compute({"kind": "decision", "start": "2025-03-03", "extensions": [30]}, CAL)["basis_detail"]
    assert [d["mark"] for d in detail] == ["✅", "⚠"]


# -- the spec's §10 scenarios -------------------------------------------------------------------------

def test_S10():
    result = compute({"kind": "limitation", "conduct_ended_on": "2022-03-31", "discovered_on": "2024-05-10",
                      "life_health_harm": False}, CAL)
    assert (result["time_barred"], result["last_day"], result["unit"]) == (True, "2024-03-31", "years")
    harmed = compute({"kind": "limitation", "conduct_ended_on": "2022-03-31", "discovered_on": "2024-05-10",
                      "life_health_harm": True}, CAL)
    assert (harmed["time_barred"], harmed["last_day"]) == (False, "2027-03-31")


def test_S13():
    base = {"kind": "surcharge", "fine": "76000.00", "due": "2025-03-18", "paused": [["2025-04-10", "2025-06-10"]]}
    assert compute({**base, "paid_on": "2025-03-18"}, CAL)["days"] == 0
    before = compute({**base, "paid_on": "2025-04-09"}, CAL)                       # 03-19 … 04-09: 22 days
    assert (before["days"], before["surcharge"], before["capped"]) == (22, "50160.00", False)
    during = compute({**base, "paid_on": "2025-06-10"}, CAL)                       # nothing accrues while paused
    assert (during["days"], during["surcharge"], during["paused_days"]) == (22, "50160.00", 62)
    after = compute({**base, "paid_on": "2025-06-11"}, CAL)
    assert (after["days"], after["surcharge"], after["capped"]) == (23, "52440.00", False)
    capped = compute({**base, "paid_on": "2025-06-25"}, CAL)                       # 37 days → 84,360 > 76,000
    assert (capped["surcharge"], capped["capped"]) == ("76000.00", True)


def test_S15():
    assert due({"kind": "hearing_notice", "hearing_date": "2025-03-27"}) == "2025-03-18"


def test_S15_with_seven_clear_working_days(monkeypatch):
    real = timelimits_module.parameter
    monkeypatch.setattr(timelimits_module, "parameter",
                        lambda key: "seven_clear_working_days" if key == "hearing_notice_counting" else real(key))
    assert due({"kind": "hearing_notice", "hearing_date": "2025-03-27"}) == "2025-03-17"


def test_S16b():
    assert due({"kind": "decision", "start": "2025-01-06"}) == "2025-04-07"     # day 90 = Sun 04-06, Qingming
    # the extension counts from the unrolled day 90 (⚠ parameter): 04-06 + 30 = 05-06
    assert due({"kind": "decision", "start": "2025-01-06", "extensions": [30]}) == "2025-05-06"


def test_S16b_extension_from_the_rolled_day(monkeypatch):
    real = timelimits_module.parameter
    monkeypatch.setattr(timelimits_module, "parameter",
                        lambda key: "rolled_end" if key == "decision_extension_counted_from" else real(key))
    assert due({"kind": "decision", "start": "2025-01-06", "extensions": [30]}) == "2025-05-07"


def test_S22():
    result = compute({"kind": "public_notice_service", "start": "2025-07-01"}, CAL)
    assert result["due"] == result["deemed_served_on"] == "2025-07-31"
    assert due({"kind": "payment", "start": "2025-07-31"}) == "2025-08-15"
    assert due({"kind": "reconsideration", "start": "2025-07-31"}) == "2025-09-29"


def test_S24():
    result = compute({"kind": "court_application", "served_on": "2025-03-03", "instalments_until": "2025-12-31"}, CAL)
    assert (result["due"], result["counted_from"]) == ("2026-03-31", "2025-12-31")
    plain = compute({"kind": "court_application", "served_on": "2025-03-03"}, CAL)
    assert (plain["litigation_period_ends"], plain["due"], plain["earliest"]) == ("2025-09-03", "2025-12-03", "2025-09-04")


def test_S24_instalments_ending_before_the_litigation_period():
    result = compute({"kind": "court_application", "served_on": "2025-03-03", "instalments_until": "2025-05-31"}, CAL)
    assert result["counted_from"] == "2025-09-03" and result["due"] == "2025-12-03"


def test_S25():
    assert due({"kind": "reporter_notification", "start": "2025-03-12"}) == "2025-03-19"


def test_S27():
    assert due({"kind": "publication", "start": "2025-06-09"}) == "2025-06-18"
    assert due({"kind": "publication_withdrawal", "start": "2025-06-09"}) == "2025-06-12"


def test_S28():
    assert due({"kind": "preservation_decision", "start": "2025-03-03"}) == "2025-03-12"
    assert due({"kind": "sealing", "start": "2025-06-09"}) == "2025-07-09"
    assert due({"kind": "sealing", "start": "2025-06-09", "extended": True}) == "2025-08-08"


# -- Spring Festival and National Day -----------------------------------------------------------------

def test_statement_across_the_2025_spring_festival_counts_the_working_sunday():
    # served Fri 01-24: Sun 01-26 and Mon 01-27 work, 01-28..02-04 holidays, then 02-05, 02-06, 02-07
    assert due({"kind": "statement", "start": "2025-01-24"}) == "2025-02-07"


def test_hearing_notice_before_the_spring_festival_counts_back_over_it():
    # hearing Mon 2025-02-10: back 02-08 (Sat, working), 02-07, 02-06, 02-05, 01-27, 01-26 (Sun, working), 01-24
    assert due({"kind": "hearing_notice", "hearing_date": "2025-02-10"}) == "2025-01-24"


def test_preservation_across_national_day_counts_the_working_weekends():
    # start Fri 09-26: Sun 09-28, 09-29, 09-30, (10-01..10-08 holidays), 10-09, 10-10, Sat 10-11, Mon 10-13
    assert due({"kind": "preservation_decision", "start": "2025-09-26"}) == "2025-10-13"


def test_payment_ending_in_national_day_moves_to_the_next_working_day():
    assert due({"kind": "payment", "start": "2025-09-20"}) == "2025-10-09"     # 10-05 is a holiday


def test_court_application_earliest_across_national_day():
    result = compute({"kind": "court_application_earliest", "start": "2025-09-25"}, CAL)
    assert (result["reminder_period_ends"], result["due"]) == ("2025-10-15", "2025-10-16")


def test_spring_festival_2026():
    # 2026 Spring Festival 02-15..02-23; Sat 02-28 works. Served Fri 02-13 → 5 WD: Sat 02-14 works (1),
    # then 02-24, 02-25, 02-26, 02-27
    assert due({"kind": "statement", "start": "2026-02-13"}) == "2026-02-27"


# -- decision limit: extensions and excluded periods -------------------------------------------------

def test_decision_with_both_extensions_reaches_180_days():
    result = compute({"kind": "decision", "start": "2025-01-06", "extensions": [30, 60]}, CAL)
    assert (result["days"], result["due"]) == (180, "2025-07-07")                # 07-05 Sat → Mon 07-07


def test_decision_excluded_periods_are_counted_once_and_inclusively():
    result = compute({"kind": "decision", "start": "2025-03-03",
                      "excluded": [["2025-04-01", "2025-04-10"], ["2025-04-05", "2025-04-12"]]}, CAL)
    assert result["excluded_days"] == 12
    assert result["due"] == due({"kind": "decision", "start": "2025-03-15"})


@pytest.mark.parametrize("extensions, field", [([31], "extensions.0"), ([30, 61], "extensions.1"),
                                               ([10, 10, 10], "extensions"), ([0], "extensions.0")])
def test_decision_extension_limits(extensions, field):
    with pytest.raises(ValidationFailed) as err:
        compute({"kind": "decision", "start": "2025-01-06", "extensions": extensions}, CAL)
    assert field in err.value.details


def test_sealing_with_testing_excluded():
    assert due({"kind": "sealing", "start": "2025-06-09", "excluded": [["2025-06-20", "2025-06-29"]]}) == "2025-07-21"


def test_extensions_of_verification_and_legal_review():
    assert due({"kind": "clue_verification", "start": "2025-01-24", "extended": True}) == "2025-03-13"
    assert due({"kind": "legal_review", "start": "2025-03-03", "extended": True}) == "2025-03-31"


def test_reconsideration_when_the_right_was_not_told():
    result = compute({"kind": "reconsideration", "start": "2025-03-03", "informed_of_right": False}, CAL)
    assert (result["due"], result["unit"]) == ("2026-03-03", "months")


def test_statement_period_follows_the_profile():
    assert compute({"kind": "statement", "start": "2025-03-03", "profile": "GD-SW"}, CAL)["profile"] == "GD-SW"
    with pytest.raises(ValidationFailed) as err:
        compute({"kind": "statement", "start": "2025-03-03", "profile": "MARS"}, CAL)
    assert "profile" in err.value.details


# -- limitation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("discovered, barred", [("2026-03-30", False), ("2026-03-31", False), ("2026-04-01", True)])
def test_limitation_at_exactly_two_years(discovered, barred):
    result = compute({"kind": "limitation", "conduct_ended_on": "2024-03-31", "discovered_on": discovered}, CAL)
    assert (result["time_barred"], result["last_day"]) == (barred, "2026-03-31")


def test_limitation_from_29_february():
    result = compute({"kind": "limitation", "conduct_ended_on": "2024-02-29", "discovered_on": "2026-03-01"}, CAL)
    assert (result["last_day"], result["time_barred"]) == ("2026-02-28", True)


def test_limitation_does_not_move_to_a_working_day():
    # 2023-10-01 + 2 years = 2025-10-01, a National Day holiday: the last day stays (⚠ parameter)
    result = compute({"kind": "limitation", "conduct_ended_on": "2023-10-01", "discovered_on": "2025-10-02"}, CAL)
    assert (result["last_day"], result["time_barred"]) == ("2025-10-01", True)


# -- surcharge ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("paid_on, days, amount, capped", [
    ("2025-04-20", 33, "990.00", False),      # 33 × 3 % = 99 %
    ("2025-04-21", 34, "1000.00", True),      # 102 % → capped at the fine
    ("2025-12-31", 288, "1000.00", True),
])
def test_surcharge_cap(paid_on, days, amount, capped):
    result = compute({"kind": "surcharge", "fine": "1000.00", "due": "2025-03-18", "paid_on": paid_on}, CAL)
    assert (result["days"], result["surcharge"], result["capped"]) == (days, amount, capped)


def test_surcharge_pause_counts_both_ends_and_overlaps_once():
    result = compute({"kind": "surcharge", "fine": "1000.00", "due": "2025-03-18", "paid_on": "2025-03-31",
                      "paused": [["2025-03-20", "2025-03-22"], ["2025-03-22", "2025-03-25"]]}, CAL)
    assert (result["days"], result["surcharge"]) == (7, "210.00")


def test_surcharge_as_of_a_day_when_not_yet_paid():
    result = compute({"kind": "surcharge", "fine": "333.33", "due": "2025-03-18", "as_of": "2025-03-19"}, CAL)
    assert (result["days"], result["surcharge"], result["daily"]) == (1, "10.00", "10.00")


def test_surcharge_is_never_on_the_refund():
    plain = compute({"kind": "surcharge", "fine": "1000.00", "due": "2025-03-18", "paid_on": "2025-03-28"}, CAL)
    with_refund = compute({"kind": "surcharge", "fine": "1000.00", "due": "2025-03-18", "paid_on": "2025-03-28",
                           "refund": "500000.00"}, CAL)
    assert with_refund["surcharge"] == plain["surcharge"] == "300.00"
    assert with_refund["refund_surcharge"] == "0.00"


def test_surcharge_needs_an_end_day():
    with pytest.raises(ValidationFailed) as err:
        compute({"kind": "surcharge", "fine": "1000.00", "due": "2025-03-18"}, CAL)
    assert "paid_on" in err.value.details


DAYS = st.dates(min_value=date(2021, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10000000), places=2), DAYS,
       st.integers(min_value=0, max_value=400),
       st.lists(st.tuples(DAYS, st.integers(min_value=0, max_value=90)), max_size=3),
       st.decimals(min_value=Decimal(0), max_value=Decimal(10000000), places=2))
def test_property_surcharge_bounded_and_never_on_refunds(fine, due_on, late, pauses, refund):
    paused = [[start.isoformat(), (start + timedelta(days=length)).isoformat()] for start, length in pauses]
    payload = {"kind": "surcharge", "fine": str(fine), "due": due_on.isoformat(),
               "paid_on": (due_on + timedelta(days=late)).isoformat(), "paused": paused}
    result = compute(payload, CAL)
    assert 0 <= result["days"] <= late
    assert Decimal(0) <= Decimal(result["surcharge"]) <= fine
    assert result["capped"] == (Decimal(result["surcharge"]) == fine and result["days"] > 0
                                and fine * Decimal("0.03") * result["days"] >= fine)
    with_refund = compute({**payload, "refund": str(refund)}, CAL)
    assert with_refund["surcharge"] == result["surcharge"] and with_refund["refund_surcharge"] == "0.00"


def test_surcharge_function_directly():
    figures = surcharge(Decimal("76000.00"), date(2025, 3, 18), date(2025, 5, 10),
                        [(date(2025, 4, 10), date(2025, 6, 10))])
    assert (figures["days"], figures["surcharge"]) == (22, "50160.00")


# -- calendar warnings and admin-entered days ---------------------------------------------------------

def test_an_unknown_year_is_computed_mon_fri_with_a_warning():
    result = compute({"kind": "statement", "start": "2027-03-01"}, CAL)
    assert result["due"] == "2027-03-08" and result["warnings"] == [unknown_year_warning(2027)]


def test_admin_entered_days_count():
    # 03-02 declared a rest day, Sat 03-06 a working day: 03-03, 03-04, 03-05, 03-06, 03-08
    calendar = WorkingCalendar(overrides={date(2027, 3, 2): False, date(2027, 3, 6): True})
    assert compute({"kind": "statement", "start": "2027-03-01"}, calendar)["due"] == "2027-03-08"
    calendar = WorkingCalendar(overrides={date(2027, 3, 2): False, date(2027, 3, 3): False})
    result = compute({"kind": "statement", "start": "2027-03-01"}, calendar)
    assert result["due"] == "2027-03-10" and result["warnings"] == []


# -- input ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, field", [
    ({"kind": "nonsense", "start": "2025-03-03"}, "kind"),
    ({"start": "2025-03-03"}, "kind"),
    ({"kind": "payment"}, "start"),
    ({"kind": "payment", "start": "03/03/2025"}, "start"),
    ({"kind": "payment", "start": "2025-03-03", "extra": True}, "extra"),
    ({"kind": "hearing_notice", "start": "2025-03-03"}, "hearing_date"),
    ({"kind": "court_application", "start": "2025-03-03"}, "served_on"),
    ({"kind": "decision", "start": "2025-03-03", "excluded": [["2025-04-10", "2025-04-01"]]}, "excluded.0"),
    ({"kind": "decision", "start": "2025-03-03", "excluded": [["2025-04-10"]]}, "excluded.0"),
    ({"kind": "surcharge", "fine": 76000.5, "due": "2025-03-18", "paid_on": "2025-04-01"}, "fine"),
    ({"kind": "surcharge", "fine": "-1", "due": "2025-03-18", "paid_on": "2025-04-01"}, "fine"),
    ({"kind": "limitation", "conduct_ended_on": "2024-01-01"}, "discovered_on"),
])
def test_invalid_input_names_the_field(payload, field):
    with pytest.raises(ValidationFailed) as err:
        compute(payload, CAL)
    assert field in err.value.details, err.value.details


def test_a_non_object_is_refused():
    with pytest.raises(ValidationFailed):
        compute(["payment"], CAL)
