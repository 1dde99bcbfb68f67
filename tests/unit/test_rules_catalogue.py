"""The legal rules as data (caseflow/rules/data): every entry cites its source with level and mark, a bad
entry stops loading with a Chinese message naming it, and profiles an administrator enters are validated
field by field (legal spec §0.3, §3.6, §3.8, §3.15, §6.1–6.5)."""
import copy
from decimal import Decimal

import pytest

from caseflow.errors import ConfigurationError, ValidationFailed
from caseflow.rules import catalogue as cat
from caseflow.rules.catalogue import (
    Citation,
    build_catalogue,
    build_causes,
    build_parameters,
    causes,
    causes_for,
    cn_numeral,
    parameters,
    read_yaml,
    validate_all,
    violations,
)
from caseflow.rules.profiles import (
    build_profiles,
    get_profile,
    profile_errors,
    profile_from_mapping,
    profiles,
)
from caseflow.rules.time_limits import time_limits
from caseflow.rules.timelimits import build_kinds, kinds

ARTICLES = ["735-36", "735-37", "735-38", "735-39", "735-40", "735-41-1", "735-41-2", "735-42", "735-43",
            "735-44", "SIL-87", "SIL-88"]


def test_every_rules_file_loads_and_validates():
    validate_all()


# -- citations -------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, text", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (36, "三十六"),
                                     (41, "四十一"), (85, "八十五"), (100, "一百"), (105, "一百零五"),
                                     (110, "一百一十")])
def test_chinese_numerals(n, text):
    assert cn_numeral(n) == text


def test_citation_text_names_article_paragraph_and_item():
    assert Citation("O735", 40, 1, 2).text == "《医疗保障基金使用监督管理条例》第四十条第一款第（二）项"
    assert Citation("APL", 64, 1, 2).text == "《中华人民共和国行政处罚法》第六十四条第一款第（二）项"


def test_an_unverified_citation_is_never_printed_as_certain():
    text = Citation("O4", 41, mark="⚠").text
    assert text.endswith("（条款待核实）")
    assert Citation("SW", 36, mark="◐").as_dict()["mark"] == "◐"


# -- the violation catalogue -----------------------------------------------------------------------

def test_the_catalogue_covers_order_735_arts_36_to_44_and_social_insurance_law_87_88():
    assert sorted(violations()) == sorted(ARTICLES)


@pytest.mark.parametrize("key, law, article, paragraph, level", [
    ("735-36", "O735", 36, None, "N-REG"), ("735-37", "O735", 37, None, "N-REG"),
    ("735-38", "O735", 38, None, "N-REG"), ("735-39", "O735", 39, None, "N-REG"),
    ("735-40", "O735", 40, None, "N-REG"), ("735-41-1", "O735", 41, 1, "N-REG"),
    ("735-41-2", "O735", 41, 2, "N-REG"), ("735-42", "O735", 42, None, "N-REG"),
    ("735-43", "O735", 43, None, "N-REG"), ("735-44", "O735", 44, None, "N-REG"),
    ("SIL-87", "SIL", 87, None, "N-LAW"), ("SIL-88", "SIL", 88, None, "N-LAW"),
])
def test_each_article_cites_law_article_paragraph_level_and_mark(key, law, article, paragraph, level):
    citation = violations()[key].citation
    assert (citation.law, citation.article, citation.paragraph, citation.level, citation.mark) == \
        (law, article, paragraph, level, "✅")


def test_items_of_article_38_are_the_seven_of_the_regulation():
    assert [b.item for b in violations()["735-38"].behaviours] == [1, 2, 3, 4, 5, 6, 7]
    assert "分解住院" in violations()["735-38"].behaviours[0].text


@pytest.mark.parametrize("key, kind, low, high, base", [
    ("735-37", "multiple", "2", "5", "defrauded"), ("735-38", "multiple", "1", "2", "loss"),
    ("735-39", "fixed", "10000", "50000", "none"), ("735-40", "multiple", "2", "5", "defrauded"),
    ("735-41-2", "multiple", "2", "5", "defrauded"), ("SIL-87", "multiple", "2", "5", "defrauded"),
    ("SIL-88", "multiple", "2", "5", "defrauded"),
])
def test_fine_ranges_per_article(key, kind, low, high, base):
    violation = violations()[key]
    assert (violation.fine.kind, violation.fine.min, violation.fine.max, violation.amount_base) == \
        (kind, Decimal(low), Decimal(high), base)


@pytest.mark.parametrize("key", ["735-36", "735-41-1", "735-42", "735-43", "735-44"])
def test_articles_without_a_fine(key):
    assert violations()[key].fine.kind == "none"


def test_suspensions_and_termination_per_article():
    v = violations()
    assert (v["735-38"].service_suspension.mode, v["735-38"].service_suspension.months) == ("conditional", (6, 12))
    assert set(v["735-38"].service_suspension.when_any) == {"refused_to_correct", "serious_consequences"}
    assert (v["735-40"].service_suspension.mode, v["735-40"].service_suspension.months) == ("mandatory", (6, 12))
    assert v["735-40"].agreement_termination == "possible"
    assert v["SIL-87"].agreement_termination == "required"
    assert v["735-41-1"].settlement_suspension.months == (3, 12)
    assert v["735-41-2"].settlement_suspension.insured_only
    assert v["735-39"].fine.requires_any == ("refused_to_correct",)
    assert "five_year_ban" in v["735-43"].referrals
    assert "licence_revocation" in v["735-40"].referrals
    assert v["735-38"].fraud_moves_to == "735-40" and v["735-41-1"].fraud_moves_to == "735-41-2"


def _raw_catalogue():
    return copy.deepcopy(read_yaml("violations.yaml"))


def test_a_bad_fine_in_the_catalogue_names_the_entry():
    raw = _raw_catalogue()
    raw["violations"]["735-38"]["fine"]["min"] = "一倍"
    with pytest.raises(ConfigurationError) as err:
        build_catalogue(raw)
    assert "violations.735-38.fine.min" in str(err.value) and "violations.yaml" in str(err.value)


def test_an_unknown_subject_type_names_the_entry():
    raw = _raw_catalogue()
    raw["violations"]["735-40"]["subjects"] = ["hospital"]
    with pytest.raises(ConfigurationError, match="735-40.subjects"):
        build_catalogue(raw)


def test_concurrence_must_be_registered_both_ways():
    raw = _raw_catalogue()
    raw["violations"]["SIL-88"]["concurrent_with"] = []
    with pytest.raises(ConfigurationError, match="735-41-2.concurrent_with"):
        build_catalogue(raw)


def test_an_unknown_article_key_is_refused():
    raw = _raw_catalogue()
    raw["violations"]["735-99"] = raw["violations"]["735-38"]
    with pytest.raises(ConfigurationError, match="735-99"):
        build_catalogue(raw)


def test_a_citation_to_an_unknown_source_is_refused():
    raw = _raw_catalogue()
    raw["violations"]["735-39"]["citation"]["law"] = "NOPE"
    with pytest.raises(ConfigurationError, match="未知的法律来源"):
        build_catalogue(raw)


# -- causes (案由) ---------------------------------------------------------------------------------------

def test_causes_are_tied_to_subject_types_and_articles():
    for cause in causes().values():
        for article in cause.articles:
            assert set(cause.subjects) <= set(violations()[article].subjects)
    names = [c.name for c in causes_for("individual", "735-41-2")]
    assert names == ["骗取医疗保障待遇"]
    assert {c.key for c in causes_for("pharmacy")} >= {"provider_fund_fraud", "provider_fund_misuse"}
    assert causes_for("agency", "735-38") == []


def test_a_cause_citing_an_article_of_another_subject_type_is_refused():
    raw = copy.deepcopy(read_yaml("causes.yaml"))
    raw["causes"]["individual_benefit_fraud"]["articles"] = ["735-40"]
    with pytest.raises(ConfigurationError, match="individual_benefit_fraud"):
        build_causes(raw)


# -- parameters ------------------------------------------------------------------------------------------

def test_every_system_parameter_has_a_default_mark_and_note():
    for parameter in parameters().values():
        assert parameter.value in parameter.allowed
        assert parameter.mark in ("✅", "◐", "⚠") and parameter.note


def test_a_parameter_value_outside_its_allowed_values_is_refused():
    raw = copy.deepcopy(read_yaml("parameters.yaml"))
    raw["same_act_rule"]["value"] = "guess"
    with pytest.raises(ConfigurationError, match="same_act_rule.value"):
        build_parameters(raw)


# -- profiles ---------------------------------------------------------------------------------------------

def test_the_five_profiles_are_shipped():
    assert set(profiles()) == {"national", "GD-SW", "JX", "HA", "XJ"}


@pytest.mark.parametrize("code", ["national", "GD-SW", "JX", "HA", "XJ"])
def test_each_profile_has_a_criminal_figure_in_range_marked_unverified_and_a_statement_period(code):
    profile = get_profile(code)
    assert Decimal(3000) <= profile.criminal_threshold.amount <= Decimal(10000)
    # The spec gives no province's figure: the default is marked ⚠ and explained.
    assert profile.criminal_threshold.mark == "⚠" and "待核实" in profile.criminal_threshold.note
    assert (profile.statement_period.days, profile.statement_period.unit) == (5, "working")


def test_national_profile_fixes_no_hearing_amount_and_says_so():
    national = get_profile("national")
    assert national.hearing_thresholds is None and "国家层面未规定" in national.hearing_thresholds_note
    assert national.legal_review_thresholds is None
    assert all(t.mark == "⚠" for t in national.hearing_items.values())
    assert national.benchmarks == ()


def test_shanwei_profile():
    sw = get_profile("GD-SW")
    assert (sw.hearing_thresholds.citizen, sw.hearing_thresholds.organisation) == (Decimal(5000), Decimal(100000))
    assert sw.hearing_thresholds.confiscation
    assert {k for k, t in sw.hearing_items.items() if t.enabled} == {
        "settlement_suspension", "service_suspension", "agreement_termination"}
    review = sw.legal_review_thresholds
    assert (review.citizen, review.organisation, review.includes_refund) == (Decimal(5000), Decimal(100000), True)
    assert sw.legal_review_items["agreement_termination"].enabled
    assert sw.legal_review_items["service_suspension"].mark == "⚠"


def test_jiangxi_profile():
    jx = get_profile("JX")
    assert (jx.hearing_thresholds.citizen, jx.hearing_thresholds.organisation) == (Decimal(3000), Decimal(20000))
    assert jx.benchmarks == ()


def test_henan_profile_has_the_three_art_37_bands():
    [bench] = get_profile("HA").benchmarks
    assert set(bench.articles) == {"735-37", "SIL-87"} and bench.subjects == ("agency",)
    assert [(b.band, b.multiple) for b in bench.bands] == [
        ("从轻", (Decimal(2), Decimal(3))), ("一般", (Decimal(3), Decimal(4))), ("从重", (Decimal(4), Decimal(5)))]


def test_xinjiang_profile_has_fixed_multiples():
    [bench] = get_profile("XJ").benchmarks
    assert bench.kind == "fixed" and bench.articles == ("735-37",)
    assert [b.multiple[0] for b in bench.bands] == [Decimal(m) for m in ("3", "3.5", "4", "4.5", "5")]


@pytest.mark.parametrize("code", ["national", "GD-SW", "JX", "HA", "XJ"])
def test_every_benchmark_band_lies_inside_the_statutory_range(code):
    for bench in get_profile(code).benchmarks:
        for article in bench.articles:
            fine = violations()[article].fine
            for band in bench.bands:
                assert fine.min <= band.multiple[0] <= band.multiple[1] <= fine.max


def test_unknown_profile_is_a_validation_error_naming_the_field():
    with pytest.raises(ValidationFailed) as err:
        get_profile("MARS")
    assert "profile" in err.value.details


def test_a_bad_shipped_profile_stops_loading_naming_profile_and_field():
    raw = copy.deepcopy(read_yaml("profiles.yaml"))
    raw["JX"]["hearing"]["thresholds"]["citizen"] = "三千"
    with pytest.raises(ConfigurationError) as err:
        build_profiles(raw)
    assert "JX" in str(err.value) and "hearing.thresholds.citizen" in str(err.value)


def test_an_invented_band_in_a_shipped_profile_is_refused():
    raw = copy.deepcopy(read_yaml("profiles.yaml"))
    raw["HA"]["benchmarks"][0]["bands"][2]["multiple"] = ["4", "6"]
    with pytest.raises(ConfigurationError, match="超出"):
        build_profiles(raw)


# -- a profile entered by an administrator ------------------------------------------------------------------

def test_an_admin_profile_extending_national_with_its_own_figures():
    profile = profile_from_mapping({
        "code": "GD-GZ", "extends": "national", "name": "广东省广州市", "level": "LOCAL",
        "criminal_threshold": {"amount": "6000.00", "mark": "◐", "basis": [{"law": "FS2011", "article": 1}]},
        "hearing": {"thresholds": {"citizen": "5000", "organisation": "100000", "mark": "◐",
                                   "basis": [{"law": "GDH", "mark": "◐"}]}},
    })
    assert profile.code == "GD-GZ" and profile.criminal_threshold.amount == Decimal(6000)
    assert profile.hearing_thresholds.organisation == Decimal(100000)
    assert profile.statement_period.days == 5        # inherited
    assert profile.hearing_items["service_suspension"].enabled


def test_an_admin_profile_with_a_published_benchmark():
    profile = profile_from_mapping({
        "code": "XX", "extends": "national", "name": "某省", "level": "PROV",
        "benchmarks": [{"articles": ["735-38"], "subjects": ["institution", "pharmacy"], "kind": "range",
                        "citation": {"law": "NHSA35", "mark": "◐"},
                        "bands": [{"band": "一般", "multiple": ["1", "1.5"], "condition": "一般情节"}]}]})
    assert profile.benchmark_for("735-38", "pharmacy").bands[0].multiple == (Decimal(1), Decimal("1.5"))


@pytest.mark.parametrize("change, field", [
    ({"criminal_threshold": {"amount": "2000.00"}}, "criminal_threshold.amount"),
    ({"criminal_threshold": {"amount": "12000.00"}}, "criminal_threshold.amount"),
    ({"statement_period": {"days": 0}}, "statement_period.days"),
    ({"statement_period": {"unit": "hours"}}, "statement_period.unit"),
    ({"hearing": {"thresholds": {"citizen": "abc", "organisation": "1", "mark": "◐",
                                 "basis": [{"law": "GDH"}]}}}, "hearing.thresholds.citizen"),
    ({"hearing": {"thresholds": {"citizen": 5000.5, "organisation": "1", "mark": "◐",
                                 "basis": [{"law": "GDH"}]}}}, "hearing.thresholds.citizen"),
    ({"hearing": {"items": {"warning": {"enabled": True}}}}, "hearing.items.warning"),
    ({"collective_discussion": {"triggers": ["whim"]}}, "collective_discussion.triggers"),
    ({"level": "N-REG"}, "level"),
    ({"name": ""}, "name"),
    ({"colour": "red"}, "colour"),
    ({"benchmarks": [{"articles": ["735-38"], "subjects": ["pharmacy"], "kind": "range",
                      "citation": {"law": "NHSA35"},
                      "bands": [{"band": "重", "multiple": ["2", "3"], "condition": "自拟"}]}]},
     "benchmarks.0.bands.0.multiple"),
    ({"benchmarks": [{"articles": ["735-39"], "subjects": ["pharmacy"], "kind": "range",
                      "citation": {"law": "NHSA35"},
                      "bands": [{"band": "一般", "multiple": ["1", "1"], "condition": "x"}]}]},
     "benchmarks.0.articles"),
    ({"benchmarks": [{"articles": ["735-38"], "subjects": ["pharmacy"], "kind": "range",
                      "bands": [{"band": "一般", "multiple": ["1", "2"], "condition": "x"}]}]},
     "benchmarks.0.citation"),
    ({"benchmarks": [{"articles": ["735-37"], "subjects": ["agency"], "kind": "fixed",
                      "citation": {"law": "XJB"},
                      "bands": [{"band": "x", "multiple": ["3", "4"], "condition": "x"}]}]},
     "benchmarks.0.bands.0.multiple"),
])
def test_admin_profile_errors_name_the_field_in_chinese(change, field):
    data = {"code": "XX", "extends": "national", "name": "某地", "level": "LOCAL", **change}
    with pytest.raises(ValidationFailed) as err:
        profile_from_mapping(data)
    assert field in err.value.details, err.value.details
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.details[field])


def test_admin_profile_without_code_or_with_unknown_parent():
    with pytest.raises(ValidationFailed) as err:
        profile_from_mapping({"extends": "national", "name": "某地", "level": "LOCAL"})
    assert "code" in err.value.details
    with pytest.raises(ValidationFailed) as err:
        profile_from_mapping({"code": "XX", "extends": "ATLANTIS"})
    assert "extends" in err.value.details
    with pytest.raises(ValidationFailed):
        profile_from_mapping(["not", "a", "mapping"])


def test_profile_errors_of_a_complete_mapping():
    assert profile_errors({"code": "x"}).keys() >= {"code", "name", "level", "criminal_threshold"}


# -- time-limit kinds ---------------------------------------------------------------------------------------

def test_time_limit_kinds_take_their_days_from_the_workflow_catalogue():
    shared = {k.code for k in kinds().values()} & set(time_limits())
    assert shared >= {"T1", "T2", "T4", "T8", "T9", "T10", "T11", "T12", "T14", "T17", "T20"}
    for kind in kinds().values():
        if kind.code in time_limits():
            assert (kind.days, kind.unit) == (time_limits()[kind.code].days, time_limits()[kind.code].unit)


def test_the_workflow_catalogue_is_unchanged():
    limits = time_limits()
    assert (limits["T8"].days, limits["T8"].unit) == (90, "calendar")
    assert (limits["T1"].days, limits["T1"].extension_days) == (15, 15)
    assert not limits["T10"].verified


def test_a_kind_contradicting_the_workflow_catalogue_is_refused():
    raw = copy.deepcopy(read_yaml("timelimit_kinds.yaml"))
    raw["payment"]["days"] = 30
    with pytest.raises(ConfigurationError, match="payment"):
        build_kinds(raw)


def test_read_yaml_reports_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.setattr(cat, "DATA_DIR", tmp_path)
    with pytest.raises(ConfigurationError, match="无法读取"):
        read_yaml("violations.yaml")
