"""Penalty assessment (caseflow.rules.assessment): ranges per article and subject, boundaries at every
threshold (以上/以下 include the figure), each profile, and the legal spec's §10 scenarios."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseflow.errors import ValidationFailed
from caseflow.rules import assessment as assessment_module
from caseflow.rules.assessment import assess
from caseflow.rules.catalogue import SUBJECTS, violations

DATES = {"conduct_ended_on": "2025-01-31", "discovered_on": "2025-03-01"}


def run(subject, items, circumstances=(), profile="national", **extra):
    payload = {"profile": profile, "subject": subject, "items": items, "circumstances": list(circumstances),
               **DATES, **extra}
    if subject == "individual":
        payload.setdefault("insured", True)
    return assess(payload)


def item(article, amount="10000.00", fraud=False, **extra):
    return {"article": article, "amount": amount, "fraud_purpose": fraud, **extra}


def money(result, key="total"):
    part = result[key]
    return part["refund"], part["fine_min"], part["fine_max"]


# -- every article for every subject type -------------------------------------------------------------

# (article, refund, fine_min, fine_max, service months, service mode, settlement months) on 10,000 yuan,
# no circumstances, insured individual.
EXPECTED = {
    "735-36": ("0.00", "0.00", "0.00", None, None, None),
    "735-37": ("10000.00", "20000.00", "50000.00", None, None, None),
    "735-38": ("10000.00", "10000.00", "20000.00", None, "conditional", None),
    "735-39": ("0.00", "0.00", "0.00", None, None, None),
    "735-40": ("10000.00", "20000.00", "50000.00", [6, 12], "mandatory", None),
    "735-41-1": ("10000.00", "0.00", "0.00", None, None, [3, 12]),
    "735-41-2": ("10000.00", "20000.00", "50000.00", None, None, [3, 12]),
    "735-42": ("0.00", "0.00", "0.00", None, None, None),
    "735-43": ("0.00", "0.00", "0.00", None, None, None),
    "735-44": ("10000.00", "0.00", "0.00", None, None, None),
    "SIL-87": ("10000.00", "20000.00", "50000.00", None, None, None),
    "SIL-88": ("10000.00", "20000.00", "50000.00", None, None, None),
}
MATRIX = [(article, subject) for article in EXPECTED for subject in SUBJECTS]


@pytest.mark.parametrize("article, subject", MATRIX, ids=[f"{a}-{s}" for a, s in MATRIX])
def test_every_article_for_every_subject_type(article, subject):
    violation = violations()[article]
    if subject not in violation.subjects:
        with pytest.raises(ValidationFailed) as err:
            run(subject, [item(article)])
        assert "items.0.article" in err.value.details
        assert "不适用于" + SUBJECTS[subject] in err.value.details["items.0.article"]
        return
    result = run(subject, [item(article)])
    [out] = result["items"]
    refund, fine_min, fine_max, service, mode, settlement = EXPECTED[article]
    assert (out["refund"], out["fine_min"], out["fine_max"]) == (refund, fine_min, fine_max)
    assert out["service_suspension_months"] == service and out["service_suspension"] == mode
    assert out["settlement_suspension_months"] == settlement
    assert out["article"] == article and out["basis"][0] == violation.citation.text
    assert money(result) == (refund, fine_min, fine_max)


def test_article_36_orders_correction_and_refers_sanctions_no_fine():
    [out] = run("agency", [item("735-36", amount=None)])["items"]
    assert out["fine_rule"] == "本条未规定罚款" and out["corrective"] == ["责令改正"]
    assert [r["code"] for r in out["referrals"]] == ["disciplinary_sanction"]


def test_article_39_fines_only_after_refusal_to_correct():
    [out] = run("institution", [item("735-39", amount=None)])["items"]
    assert (out["fine_min"], out["fine_max"]) == ("0.00", "0.00")
    assert any("责令改正通知书" in n for n in out["notes"])
    [out] = run("institution", [item("735-39", amount=None)], ["refused_to_correct"])["items"]
    assert (out["fine_min"], out["fine_max"]) == ("10000.00", "50000.00")


def test_article_38_suspension_only_on_refusal_or_serious_consequences():
    for circumstances in (["refused_to_correct"], ["serious_consequences"]):
        [out] = run("pharmacy", [item("735-38")], circumstances)["items"]
        assert (out["service_suspension"], out["service_suspension_months"]) == ("conditional", [6, 12])
    [out] = run("pharmacy", [item("735-38")])["items"]
    assert out["service_suspension_months"] is None
    assert out["service_suspension_condition"] == "拒不改正或者造成严重后果"


def test_article_38_without_loss_has_no_refund_and_no_fine():
    [out] = run("institution", [item("735-38", amount="0")])["items"]
    assert (out["refund"], out["fine_min"], out["fine_max"]) == ("0.00", "0.00", "0.00")


def test_article_40_suspension_termination_and_licence_referral():
    [out] = run("institution", [item("735-40")])["items"]
    assert out["service_suspension"] == "mandatory" and out["agreement_termination"] == "possible"
    codes = [r["code"] for r in out["referrals"]]
    assert codes[:2] == ["agreement_termination", "licence_revocation"]
    assert next(r for r in out["referrals"] if r["code"] == "agreement_termination")["to"] == "医疗保障经办机构"


def test_article_41_settlement_suspension_only_for_insured_persons():
    result = assess({"subject": "individual", "insured": False, "items": [item("735-41-1")], **DATES})
    assert result["items"][0]["settlement_suspension_months"] is None
    assert result["penalty_available"] is False
    result = assess({"subject": "individual", "insured": False, "items": [item("735-41-2")], **DATES})
    assert result["items"][0]["settlement_suspension_months"] is None
    assert result["items"][0]["fine_min"] == "20000.00"


def test_article_42_confiscates_the_illegal_gains():
    result = run("institution", [item("735-42", amount="8000.00")])
    assert result["items"][0]["confiscation"] == "8000.00" and result["total"]["confiscation"] == "8000.00"
    assert result["total"]["refund"] == "0.00"


def test_article_43_refers_the_five_year_ban():
    [out] = run("institution", [item("735-43", amount=None)])["items"]
    assert [r["code"] for r in out["referrals"]] == ["five_year_ban"]


def test_article_44_recovers_the_fund_and_confiscates_gains_found():
    [out] = run("agency", [item("735-44", amount="30000.00", illegal_gains="1200.00")])["items"]
    assert (out["refund"], out["confiscation"]) == ("30000.00", "1200.00")
    [out] = run("agency", [item("735-44", amount="30000.00")])["items"]
    assert out["confiscation"] is None and any("illegal_gains" in n for n in out["notes"])


def test_social_insurance_law_87_terminates_the_agreement_of_service_institutions_only():
    assert run("pharmacy", [item("SIL-87")])["items"][0]["agreement_termination"] == "required"
    assert run("agency", [item("SIL-87")])["items"][0]["agreement_termination"] is None


# -- fraud purpose moves the article (Order 735 Arts. 40(2), 41(2)) ------------------------------------------

def test_article_38_with_fraud_purpose_is_handled_under_article_40():
    [out] = run("pharmacy", [item("735-38", fraud=True)])["items"]
    assert (out["article"], out["requested_article"]) == ("735-40", "735-38")
    assert "《医疗保障基金使用监督管理条例》第四十条第二款" in out["basis"]
    assert (out["fine_min"], out["fine_max"], out["service_suspension"]) == ("20000.00", "50000.00", "mandatory")


def test_article_41_1_with_fraud_purpose_is_handled_under_paragraph_2():
    [out] = run("individual", [item("735-41-1", fraud=True)])["items"]
    assert (out["article"], out["fine_min"], out["settlement_suspension_months"]) == ("735-41-2", "20000.00", [3, 12])
    assert "《医疗保障基金使用监督管理条例》第四十一条第二款" in out["basis"]


def test_fraud_purpose_without_loss_does_not_move_the_article():
    [out] = run("pharmacy", [item("735-38", amount="0.00", fraud=True)])["items"]
    assert out["article"] == "735-38"


# -- one act, several rules: one fine (行政处罚法 Art. 29) ---------------------------------------------

@pytest.mark.parametrize("subject, first, second", [
    ("pharmacy", "735-40", "SIL-87"), ("agency", "735-37", "SIL-87"), ("individual", "735-41-2", "SIL-88"),
    ("pharmacy", "SIL-87", "735-40"),
])
def test_one_act_breaching_two_rules_cites_both_and_fines_once(subject, first, second):
    result = run(subject, [item(first, "38000.00"), item(second, "38000.00")])
    assert money(result) == ("38000.00", "76000.00", "190000.00")
    primary = next(i for i in result["items"] if i["same_act_as"] is None)
    other = next(i for i in result["items"] if i["same_act_as"] is not None)
    assert primary["article"].startswith("735")          # equal ranges: the specific regulation leads
    assert violations()[other["article"]].citation.text in primary["basis"]
    assert (other["fine_min"], other["fine_max"], other["refund"]) == ("0.00", "0.00", "0.00")
    assert any("第二十九条" in n for n in other["notes"])


def test_different_amounts_are_different_acts():
    result = run("pharmacy", [item("735-40", "38000.00"), item("SIL-87", "1000.00")])
    assert money(result) == ("39000.00", "78000.00", "195000.00")


def test_act_labels_decide_when_given():
    same = run("pharmacy", [item("735-40", "38000.00", act="A"), item("SIL-87", "20000.00", act="A")])
    assert same["total"]["fine_max"] == "190000.00"
    apart = run("pharmacy", [item("735-40", "38000.00", act="A"), item("SIL-87", "38000.00", act="B")])
    assert apart["total"]["fine_max"] == "380000.00"


def test_the_same_article_twice_is_two_acts():
    result = run("pharmacy", [item("735-38", "100.00"), item("735-38", "100.00")])
    assert money(result) == ("200.00", "200.00", "400.00")


# -- limitation (行政处罚法 Art. 36) --------------------------------------------------------------------

@pytest.mark.parametrize("discovered, barred", [("2025-03-30", False), ("2025-03-31", False), ("2025-04-01", True)])
def test_limitation_at_exactly_two_years(discovered, barred):
    result = assess({"subject": "pharmacy", "items": [item("735-38")], "conduct_ended_on": "2023-03-31",
                     "discovered_on": discovered})
    assert result["time_barred"] is barred and result["punishable"] is (not barred)
    assert result["limitation"]["last_day"] == "2025-03-31"


def test_five_years_with_life_or_health_harm():
    payload = {"subject": "institution", "items": [item("735-38")], "conduct_ended_on": "2021-06-30",
               "discovered_on": "2026-06-30"}
    assert assess(payload)["time_barred"] is True
    result = assess({**payload, "circumstances": ["life_health_harm"]})
    assert result["time_barred"] is False and result["limitation"]["years"] == 5
    assert assess({**payload, "discovered_on": "2026-07-01", "circumstances": ["life_health_harm"]})["time_barred"]


def test_time_barred_case_still_orders_the_refund_but_no_penalty():
    result = assess({"subject": "pharmacy", "items": [item("735-40", "5000.00")], "conduct_ended_on": "2020-01-01",
                     "discovered_on": "2024-01-01"})
    assert result["time_barred"] and not result["punishable"]
    assert money(result) == ("5000.00", "0.00", "0.00")
    [out] = result["items"]
    assert out["service_suspension_months"] is None
    assert out["statutory"]["fine_max"] == "25000.00" and out["statutory"]["service_suspension_months"] == [6, 12]
    assert any("第三十六条" in r for r in result["not_punishable_reasons"])
    # the administrative bar does not bar the criminal check
    assert result["criminal_referral_check"] is True
    assert result["hearing_right"] is False and result["simplified_procedure_allowed"] is False


# -- no penalty, mitigation ----------------------------------------------------------------------------

@pytest.mark.parametrize("circumstances, subject, article", [
    (["minor_under_14"], "individual", "第三十条"),
    (["mental_incapacity"], "individual", "第三十一条"),
    (["minor_harm", "corrected_promptly", "no_harmful_consequence"], "pharmacy", "第三十三条第一款"),
    (["no_fault"], "pharmacy", "第三十三条第二款"),
    (["facts_unclear"], "pharmacy", "第四十条"),
])
def test_grounds_on_which_no_penalty_may_be_given(circumstances, subject, article):
    chosen = "735-41-2" if subject == "individual" else "735-38"
    result = run(subject, [item(chosen)], circumstances)
    assert result["punishable"] is False
    assert any(article in reason for reason in result["not_punishable_reasons"])
    assert result["total"]["fine_max"] == "0.00" and result["total"]["refund"] == "10000.00"
    assert result["mitigation"] is None


def test_first_violation_minor_and_corrected_may_go_unpunished():
    result = run("pharmacy", [item("735-38")], ["first_violation", "minor_harm", "corrected_promptly"])
    assert result["punishable"] is True and result["discretionary_no_penalty"] is True
    assert "第三十三条第一款" in result["discretionary_no_penalty_reasons"][0]


@pytest.mark.parametrize("circumstance, subject", [
    ("aged_14_18", "individual"), ("eliminated_harm", "pharmacy"), ("coerced", "pharmacy"),
    ("confessed_unknown", "pharmacy"), ("meritorious", "pharmacy")])
def test_statutory_grounds_require_mitigation(circumstance, subject):
    chosen = "735-41-2" if subject == "individual" else "735-38"
    assert run(subject, [item(chosen)], [circumstance])["mitigation"] == "must"


@pytest.mark.parametrize("circumstance", ["first_violation", "refunded_voluntarily", "cooperated",
                                          "corrected_promptly", "minor_harm"])
def test_from_light_factors_allow_mitigation(circumstance):
    assert run("pharmacy", [item("735-38")], [circumstance])["mitigation"] == "may"


def test_no_circumstance_no_mitigation_and_aggravation_listed():
    assert run("pharmacy", [item("735-38")])["mitigation"] is None
    result = run("pharmacy", [item("735-38")], ["repeat_violation", "obstructed_investigation"])
    assert result["aggravating_factors"] == ["多次违法", "拒绝、阻碍调查"]


# -- hearing thresholds: exactly at, one fen below, one fen above ------------------------------------------

@pytest.mark.parametrize("profile, subject, article, amount, threshold", [
    ("GD-SW", "pharmacy", "735-38", "80000.00", Decimal("100000.00")),
    ("GD-SW", "individual", "735-41-2", "2000.00", Decimal("5000.00")),
    ("JX", "institution", "735-38", "15000.00", Decimal("20000.00")),
    ("JX", "individual", "SIL-88", "1000.00", Decimal("3000.00")),
])
@pytest.mark.parametrize("delta, expected", [(Decimal(0), True), (Decimal("-0.01"), False), (Decimal("0.01"), True)])
def test_hearing_threshold_boundaries(profile, subject, article, amount, threshold, delta, expected):
    fine = threshold + delta
    result = assess({"profile": profile, "subject": subject, "insured": False, "items": [item(article, amount)],
                     "proposed": {"fine": str(fine)}, **DATES})
    assert result["hearing_right"] is expected, (fine, result["hearing_reasons"])
    if expected:
        assert "较大数额罚款" in result["hearing_reasons"][0]


def test_hearing_by_minimum_fine_without_proposal():
    # GD-SW organisation threshold 100,000: Art. 38 on 50,000 gives 50,000–100,000 (min below),
    # on 100,000 gives 100,000–200,000 (min at the threshold).
    below = run("pharmacy", [item("735-38", "50000.00")], profile="GD-SW")
    assert below["hearing_right"] is False and any("100000.00 元以上" in n for n in below["notes"])
    assert run("pharmacy", [item("735-38", "100000.00")], profile="GD-SW")["hearing_right"] is True


def test_national_profile_has_no_amount_threshold_and_says_so():
    result = run("pharmacy", [item("735-38", "900000.00")], profile="national")
    assert result["hearing_right"] is False
    assert any("国家层面未规定" in n for n in result["notes"])


@pytest.mark.parametrize("profile", ["national", "GD-SW", "JX", "HA", "XJ"])
def test_service_suspension_gives_a_hearing_right_in_every_profile(profile):
    result = run("pharmacy", [item("735-40", "100.00")], profile=profile)
    assert result["hearing_right"] is True
    reason = next(r for r in result["hearing_reasons"] if "暂停相关责任部门" in r)
    if profile != "GD-SW":
        assert "⚠" in reason                              # nationally unsettled (spec §11 item 3)


def test_confiscation_of_a_large_amount_is_a_hearing_item_in_shanwei():
    assert run("institution", [item("735-42", "100000.00")], profile="GD-SW")["hearing_right"] is True
    assert run("institution", [item("735-42", "99999.99")], profile="GD-SW")["hearing_right"] is False


# -- legal review thresholds (GD-SW: refund + fine combined) ----------------------------------------------

@pytest.mark.parametrize("subject, article, amount, fine_at", [
    ("pharmacy", "735-38", "40000.00", Decimal("60000.00")),          # 40,000 + 60,000 = 100,000
    ("individual", "735-41-2", "1000.00", Decimal("4000.00")),        # 1,000 + 4,000 = 5,000
])
@pytest.mark.parametrize("delta, expected", [(Decimal(0), True), (Decimal("-0.01"), False), (Decimal("0.01"), True)])
def test_shanwei_legal_review_threshold_boundaries(subject, article, amount, fine_at, delta, expected):
    result = assess({"profile": "GD-SW", "subject": subject, "insured": False, "items": [item(article, amount)],
                     "proposed": {"fine": str(fine_at + delta)}, **DATES})
    assert result["legal_review_required"] is expected, result["legal_review_reasons"]


def test_national_legal_review_is_not_computed_from_amounts():
    result = run("pharmacy", [item("735-38", "900000.00")])
    assert result["legal_review_required"] is False
    assert any("第五十八条" in n for n in result["notes"])


def test_a_held_hearing_requires_legal_review():
    result = run("pharmacy", [item("735-38")], hearing_held=True)
    assert result["legal_review_required"] and "第五十八条第一款第（二）项" in result["legal_review_reasons"][0]


# -- criminal referral check: fraud at or above the profile's figure -------------------------------------

@pytest.mark.parametrize("amount, expected", [("3000.00", True), ("2999.99", False), ("3000.01", True)])
@pytest.mark.parametrize("profile", ["national", "GD-SW", "JX", "HA", "XJ"])
def test_criminal_referral_check_boundaries(profile, amount, expected):
    result = run("individual", [item("735-41-2", amount)], profile=profile)
    assert result["criminal_referral_check"] is expected


def test_no_criminal_check_without_fraud():
    assert run("pharmacy", [item("735-38", "900000.00")])["criminal_referral_check"] is False


def test_fraud_amounts_of_separate_acts_add_up_but_one_act_counts_once():
    assert run("individual", [item("735-41-2", "1500.00"), item("735-41-2", "1500.00")])["criminal_referral_check"]
    assert not run("individual", [item("735-41-2", "1500.00"), item("SIL-88", "1500.00")])["criminal_referral_check"]


# -- simplified procedure (行政处罚法 Art. 51) ----------------------------------------------------------

@pytest.mark.parametrize("amount, expected", [("1500.00", True), ("1499.99", True), ("1500.01", False)])
def test_simplified_procedure_for_organisations_up_to_3000(amount, expected):
    result = run("pharmacy", [item("735-38", amount)])
    assert result["simplified_procedure_allowed"] is expected


@pytest.mark.parametrize("amount, expected", [("40.00", True), ("39.99", True), ("40.01", False)])
def test_simplified_procedure_for_citizens_up_to_200(amount, expected):
    result = assess({"subject": "individual", "insured": False, "items": [item("735-41-2", amount)], **DATES})
    assert result["simplified_procedure_allowed"] is expected


def test_never_simplified_for_insured_persons_under_article_41():
    result = run("individual", [item("735-41-2", "10.00")])
    assert result["simplified_procedure_allowed"] is False
    assert any("第四十一条" in r for r in result["simplified_procedure_reasons"])


# -- discretion benchmarks -----------------------------------------------------------------------------

def bench(profile, amount, circumstances=(), article="735-37"):
    return run("agency", [item(article, amount)], circumstances, profile=profile)["items"][0]["benchmark"]


@pytest.mark.parametrize("profile", ["national", "GD-SW", "JX"])
def test_without_a_loaded_benchmark_only_the_statutory_range_applies(profile):
    result = run("agency", [item("735-37", "4000.00")], profile=profile)
    assert result["items"][0]["benchmark"] is None
    assert any("仅适用法定幅度" in n for n in result["items"][0]["notes"])


def test_henan_light_band_boundary_at_2000():
    light = bench("HA", "2000.00", ["first_violation", "corrected_promptly"])
    assert (light["band"], light["fine_min"], light["fine_max"]) == ("从轻", "4000.00", "6000.00")
    below = bench("HA", "1999.99", ["first_violation", "corrected_promptly"])
    assert below["band"] == "从轻"
    above = bench("HA", "2000.01", ["first_violation", "corrected_promptly"])
    assert above["manual_choice_required"] and above["band"] is None


def test_henan_5000_is_in_two_bands_and_needs_a_manual_choice():
    at = bench("HA", "5000.00")
    assert at["manual_choice_required"] is True and at["fine_min"] is None
    assert [c["band"] for c in at["candidates"]] == ["一般", "从重"]
    assert [(c["fine_min"], c["fine_max"]) for c in at["candidates"]] == [("15000.00", "20000.00"),
                                                                           ("20000.00", "25000.00")]
    assert bench("HA", "4999.99")["band"] == "一般"
    heavy = bench("HA", "5000.01")
    assert (heavy["band"], heavy["fine_min"], heavy["fine_max"]) == ("从重", "20000.04", "25000.05")


def test_henan_bands_also_cover_social_insurance_law_87_for_agencies():
    assert bench("HA", "8000.00", article="SIL-87")["band"] == "从重"


@pytest.mark.parametrize("amount, refunded, band, fine", [
    ("2999.99", True, "3000元以下，在规定期限内全额退回", "8999.97"),
    ("2999.99", False, "3000元以下，未全额退回", "10499.97"),
    ("3000.01", True, "3000元至10000元，在规定期限内全额退回", "12000.04"),
    ("9999.99", False, "3000元至10000元，未全额退回", "44999.96"),
    ("10000.01", False, "10000元以上", "50000.05"),
])
def test_xinjiang_fixed_multiples(amount, refunded, band, fine):
    chosen = bench("XJ", amount, ["refunded_voluntarily"] if refunded else [])
    assert (chosen["band"], chosen["fine_min"], chosen["fine_max"]) == (band, fine, fine)


@pytest.mark.parametrize("amount", ["3000.00", "10000.00"])
def test_xinjiang_boundaries_need_a_manual_choice(amount):
    assert bench("XJ", amount)["manual_choice_required"] is True


# -- collective discussion (⚠ system rule) --------------------------------------------------------------

def test_collective_discussion_for_serious_cases_only():
    assert run("pharmacy", [item("735-40")])["collective_discussion_required"] is True
    assert run("pharmacy", [item("735-38")], ["serious_consequences"])["collective_discussion_required"] is True
    assert run("pharmacy", [item("735-38")])["collective_discussion_required"] is False
    result = run("institution", [item("735-43", amount=None), item("735-38")])
    assert result["collective_discussion_required"] and "第四十三条" in result["collective_discussion_reasons"][0]


# -- proposed penalty -----------------------------------------------------------------------------------

def test_proposed_fine_inside_the_range():
    check = run("pharmacy", [item("735-38")], proposed={"fine": "15000.00"})["proposed_check"]
    assert check == {"within_range": True, "problems": [], "conditions": [], "mitigated_below_minimum": False,
                     "requires_legal_review": False}


@pytest.mark.parametrize("fine, within", [("50000.00", True), ("50000.01", False), ("10000.00", True),
                                          ("9999.99", False)])
def test_article_39_proposed_fine_boundaries(fine, within):
    check = run("institution", [item("735-39", amount=None)], ["refused_to_correct"],
                proposed={"fine": fine})["proposed_check"]
    assert check["within_range"] is within
    assert bool(check["problems"]) is not within


def test_above_the_maximum_is_never_allowed_even_with_mitigation_grounds():
    check = run("pharmacy", [item("735-38")], ["coerced"], proposed={"fine": "20000.01"})["proposed_check"]
    assert not check["within_range"] and "超过法定最高罚款" in check["problems"][0]


def test_below_the_minimum_needs_a_mitigation_ground_and_legal_review():
    bare = run("pharmacy", [item("735-38")], proposed={"fine": "5000.00"})
    assert bare["proposed_check"]["problems"] and "无法定减轻情节" in bare["proposed_check"]["problems"][0]
    # a from-light factor is not a ground for going below the minimum
    light = run("pharmacy", [item("735-38")], ["first_violation"], proposed={"fine": "5000.00"})
    assert light["proposed_check"]["problems"]
    mitigated = run("pharmacy", [item("735-38")], ["confessed_unknown"], proposed={"fine": "5000.00"})
    check = mitigated["proposed_check"]
    assert check["problems"] == [] and check["within_range"] is False
    assert check["mitigated_below_minimum"] and check["requires_legal_review"]
    assert "法制审核" in check["conditions"][0]
    assert mitigated["legal_review_required"] is True


def test_no_fine_where_none_is_provided_or_the_case_is_not_punishable():
    check = run("institution", [item("735-39", amount=None)], proposed={"fine": "10000.00"})["proposed_check"]
    assert check["problems"] == ["所涉条款未规定罚款或者罚款条件未成就，不得罚款"]
    check = run("pharmacy", [item("735-38")], ["no_fault"], proposed={"fine": "10000.00"})["proposed_check"]
    assert "不予行政处罚" in check["problems"][0]


def test_proposed_suspension_months_outside_the_ranges():
    base = [item("735-40")]
    ok = run("pharmacy", base, proposed={"fine": "20000.00", "service_suspension_months": 6})["proposed_check"]
    assert ok["within_range"]
    for months, text in ((13, "超过法定最长"), (5, "低于法定最短")):
        check = run("pharmacy", base, proposed={"fine": "20000.00", "service_suspension_months": months})
        assert text in check["proposed_check"]["problems"][0]
    missing = run("pharmacy", base, proposed={"fine": "20000.00"})["proposed_check"]
    assert "未拟定暂停相关责任部门医药服务期限" in missing["problems"][0]
    not_triggered = run("pharmacy", [item("735-38")], proposed={"fine": "10000.00", "service_suspension_months": 6})
    assert "不适用（或条件未成就）" in not_triggered["proposed_check"]["problems"][0]
    settle = run("individual", [item("735-41-1")], proposed={"settlement_suspension_months": 2})["proposed_check"]
    assert "低于法定最短3个月" in settle["problems"][0]


def test_a_benchmark_deviation_is_a_condition_to_explain():
    result = run("agency", [item("735-37", "8000.00")], profile="HA", proposed={"fine": "20000.00"})
    assert result["proposed_check"]["within_range"] and "裁量基准" in result["proposed_check"]["conditions"][0]


# -- input validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("change, field", [
    ({"subject": "spaceship"}, "subject"),
    ({"items": []}, "items"),
    ({"items": [{"article": "735-99", "amount": "1.00"}]}, "items.0.article"),
    ({"items": [{"article": "735-38", "amount": 100.5}]}, "items.0.amount"),
    ({"items": [{"article": "735-38", "amount": "100.005"}]}, "items.0.amount"),
    ({"items": [{"article": "735-38", "amount": "-1.00"}]}, "items.0.amount"),
    ({"items": [{"article": "735-38"}]}, "items.0.amount"),
    ({"items": [{"article": "735-40", "amount": "0.00"}]}, "items.0.amount"),
    ({"items": [{"article": "735-38", "amount": "1.00", "colour": "red"}]}, "items.0.colour"),
    ({"circumstances": ["lucky"]}, "circumstances.0"),
    ({"circumstances": ["refused_to_correct", "corrected_promptly"]}, "circumstances"),
    ({"circumstances": ["aged_14_18"]}, "circumstances"),
    ({"conduct_ended_on": "2025-02-30"}, "conduct_ended_on"),
    ({"profile": "MARS"}, "profile"),
    ({"proposed": {"fine": "1.001"}}, "proposed.fine"),
    ({"proposed": {"service_suspension_months": 6.5}}, "proposed.service_suspension_months"),
    ({"extra": 1}, "extra"),
])
def test_invalid_input_names_the_field(change, field):
    payload = {"subject": "pharmacy", "items": [item("735-38")], **DATES, **change}
    with pytest.raises(ValidationFailed) as err:
        assess(payload)
    assert field in err.value.details, err.value.details
    assert err.value.code == "validation_failed"


def test_an_individual_must_say_whether_insured():
    with pytest.raises(ValidationFailed) as err:
        assess({"subject": "individual", "items": [item("735-41-1")], **DATES})
    assert "insured" in err.value.details


def test_money_is_printed_with_two_decimals_and_integer_input_is_accepted():
    result = assess({"subject": "pharmacy", "items": [{"article": "735-38", "amount": 1234}], **DATES})
    assert money(result) == ("1234.00", "1234.00", "2468.00")


# -- the spec's §10 scenarios ---------------------------------------------------------------------------

S01_CIRCUMSTANCES = ["first_violation", "cooperated", "refunded_voluntarily"]


def test_S01():
    result = run("pharmacy", [item("735-40", "38000.00"), item("SIL-87", "38000.00")], S01_CIRCUMSTANCES,
                 profile="GD-SW")
    primary = result["items"][0]
    assert "《医疗保障基金使用监督管理条例》第四十条" in primary["basis"]
    assert "《中华人民共和国社会保险法》第八十七条" in primary["basis"]
    assert money(result) == ("38000.00", "76000.00", "190000.00")
    assert (primary["service_suspension"], primary["service_suspension_months"]) == ("mandatory", [6, 12])
    assert "licence_revocation" in [r["code"] for r in primary["referrals"]]
    assert result["hearing_right"] and any("暂停相关责任部门" in r for r in result["hearing_reasons"])
    assert any("100000.00 元以上" in n for n in result["notes"])          # fine ≥ 100,000 also a hearing item
    assert result["legal_review_required"]
    assert any("114000.00" in r for r in result["legal_review_reasons"])  # 38,000 + 76,000
    assert result["collective_discussion_required"] is True
    assert result["criminal_referral_check"] is True
    assert result["mitigation"] == "may" and result["simplified_procedure_allowed"] is False


def test_S01_entered_as_article_38_with_fraud_purpose():
    result = run("pharmacy", [item("735-38", "38000.00", fraud=True)], S01_CIRCUMSTANCES, profile="GD-SW")
    assert result["items"][0]["article"] == "735-40" and money(result) == ("38000.00", "76000.00", "190000.00")


def test_S01b():
    result = run("pharmacy", [item("735-38", "38000.00")], S01_CIRCUMSTANCES, profile="GD-SW")
    [out] = result["items"]
    assert money(result) == ("38000.00", "38000.00", "76000.00")
    assert out["service_suspension_months"] is None and "可以约谈有关负责人" in out["corrective"]
    assert result["hearing_right"] is False                               # < 100,000
    assert result["legal_review_required"] is False                       # 38,000 + 38,000 = 76,000 < 100,000
    assert result["criminal_referral_check"] is False
    assert result["collective_discussion_required"] is False


def test_S03():
    result = run("individual", [item("735-41-1", "2600.00")], profile="GD-SW")
    [out] = result["items"]
    assert money(result) == ("2600.00", "0.00", "0.00")
    assert out["settlement_suspension_months"] == [3, 12]
    assert result["hearing_right"] and "暂停医疗费用联网结算" in result["hearing_reasons"][0]
    assert result["legal_review_required"] is False                       # 2,600 < 5,000
    assert any("如举行听证" in n for n in result["notes"])               # becomes mandatory after a hearing
    assert result["simplified_procedure_allowed"] is False
    national = run("individual", [item("735-41-1", "2600.00")])
    assert national["hearing_right"] and "⚠" in national["hearing_reasons"][0]


def test_S05():
    result = run("individual", [item("735-41-2", "12000.00"), item("SIL-88", "12000.00")], profile="GD-SW")
    assert money(result) == ("12000.00", "24000.00", "60000.00")
    assert result["criminal_referral_check"] is True
    assert "不得以行政处罚代替刑事处罚" in result["criminal_referral_reasons"][0]
    assert result["items"][0]["settlement_suspension_months"] == [3, 12]


def test_S06():
    result = run("institution", [item("735-39", amount=None)], ["first_violation"], profile="GD-SW")
    assert money(result) == ("0.00", "0.00", "0.00")
    assert result["penalty_available"] is False
    assert result["items"][0]["corrective"] == ["责令改正", "可以约谈有关负责人"]


def test_S07():
    result = run("institution", [item("735-39", amount=None)], ["refused_to_correct"], profile="GD-SW")
    assert money(result) == ("0.00", "10000.00", "50000.00")
    assert result["hearing_right"] is False and result["legal_review_required"] is False


def test_S08():
    result = run("institution", [item("735-38", "420000.00")], ["refused_to_correct"], profile="GD-SW")
    [out] = result["items"]
    assert money(result) == ("420000.00", "420000.00", "840000.00")
    assert out["service_suspension_months"] == [6, 12]
    assert result["hearing_right"] and result["legal_review_required"] and result["collective_discussion_required"]
    assert result["criminal_referral_check"] is False                     # no fraud purpose shown
    serious = run("institution", [item("735-38", "420000.00")], ["refused_to_correct", "serious_consequences"],
                  profile="GD-SW")
    assert any("第四十三条" in n for n in serious["notes"])


def test_S09():
    result = run("pharmacy", [item("735-38", "380.00")],
                 ["first_violation", "minor_harm", "corrected_promptly", "refunded_voluntarily"], profile="GD-SW")
    assert result["discretionary_no_penalty"] is True
    assert result["total"]["refund"] == "380.00"
    assert result["hearing_right"] is False and result["legal_review_required"] is False
    check = run("pharmacy", [item("735-38", "380.00")], ["first_violation", "minor_harm", "corrected_promptly"],
                profile="GD-SW", proposed={"fine": "0.00"})["proposed_check"]
    assert check["problems"] == [] and "首违不罚" in check["conditions"][0]


def test_S10():
    result = assess({"profile": "GD-SW", "subject": "institution", "items": [item("735-38", "50000.00")],
                     "conduct_ended_on": "2022-03-31", "discovered_on": "2024-05-10"})
    assert result["time_barred"] is True and result["punishable"] is False
    assert result["total"]["refund"] == "50000.00" and result["total"]["fine_max"] == "0.00"
    assert any("不影响责令退回" in n for n in result["notes"])
    harmed = assess({"profile": "GD-SW", "subject": "institution", "items": [item("735-38", "50000.00")],
                     "conduct_ended_on": "2022-03-31", "discovered_on": "2024-05-10",
                     "circumstances": ["life_health_harm"]})
    assert harmed["time_barred"] is False


def test_S30():
    result = run("pharmacy", [item("735-38", "45000.00")], profile="GD-SW", hearing_held=True,
                 proposed={"fine": "90000.00"})
    assert result["proposed_check"]["within_range"] is True
    assert result["legal_review_required"] is True
    assert any("听证" in r for r in result["legal_review_reasons"])


# -- the same input in every profile -------------------------------------------------------------------

@pytest.mark.parametrize("profile, hearing, review", [
    ("national", False, False), ("GD-SW", False, False), ("JX", True, False), ("HA", False, False),
    ("XJ", False, False)])
def test_each_profile_on_S01b(profile, hearing, review):
    result = run("pharmacy", [item("735-38", "38000.00")], S01_CIRCUMSTANCES, profile=profile)
    assert money(result) == ("38000.00", "38000.00", "76000.00")
    assert result["profile"] == profile
    assert (result["hearing_right"], result["legal_review_required"]) == (hearing, review)


# -- properties ------------------------------------------------------------------------------------------

AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000000), places=2, allow_nan=False,
                      allow_infinity=False)
PAIRS = [(a, s) for a, s in MATRIX if s in violations()[a].subjects]
SAFE_CIRCUMSTANCES = ["first_violation", "corrected_promptly", "refunded_voluntarily", "cooperated",
                      "refused_to_correct", "serious_consequences", "coerced", "life_health_harm"]


@st.composite
def payloads(draw):
    subject = draw(st.sampled_from(list(SUBJECTS)))
    articles = [a for a, s in PAIRS if s == subject]
    chosen = draw(st.lists(st.sampled_from(articles), min_size=1, max_size=4))
    items = [item(a, str(draw(AMOUNTS)), fraud=draw(st.booleans())) for a in chosen]
    circumstances = draw(st.lists(st.sampled_from(SAFE_CIRCUMSTANCES), unique=True, max_size=3))
    if "refused_to_correct" in circumstances and "corrected_promptly" in circumstances:
        circumstances.remove("corrected_promptly")
    payload = {"profile": draw(st.sampled_from(["national", "GD-SW", "JX", "HA", "XJ"])), "subject": subject,
               "items": items, "circumstances": circumstances, **DATES}
    if subject == "individual":
        payload["insured"] = draw(st.booleans())
    return payload


def _is_money(text):
    return isinstance(text, str) and text.count(".") == 1 and len(text.split(".")[1]) == 2


@settings(max_examples=300, deadline=None)
@given(payloads())
def test_property_fine_min_never_exceeds_fine_max(payload):
    result = assess(payload)
    for out in [*result["items"], result["total"]]:
        assert _is_money(out["fine_min"]) and _is_money(out["fine_max"]) and _is_money(out["refund"])
        assert Decimal(out["fine_min"]) <= Decimal(out["fine_max"])
    assert Decimal(result["total"]["fine_max"]) == sum(Decimal(i["fine_max"]) for i in result["items"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["735-37", "SIL-87"]), AMOUNTS,
       st.lists(st.sampled_from(SAFE_CIRCUMSTANCES[:4] + ["repeat_violation", "minor_harm"]), unique=True,
                max_size=3).filter(lambda c: not {"first_violation", "repeat_violation"} <= set(c)),
       st.sampled_from(["HA", "XJ"]))
def test_property_every_benchmark_band_lies_inside_the_statutory_range(article, amount, circumstances, profile):
    result = assess({"profile": profile, "subject": "agency", "items": [item(article, str(amount))],
                     "circumstances": circumstances, **DATES})
    [out] = result["items"]
    if out["benchmark"] is None:
        return
    for band in out["benchmark"]["candidates"]:
        assert Decimal(out["fine_min"]) <= Decimal(band["fine_min"]) <= Decimal(band["fine_max"]) <= Decimal(out["fine_max"])
    if not out["benchmark"]["manual_choice_required"]:
        assert out["benchmark"]["band"] and out["benchmark"]["fine_min"] == out["benchmark"]["candidates"][0]["fine_min"]


def test_the_module_never_uses_float():
    import inspect
    source = inspect.getsource(assessment_module)
    assert "float(" not in source
