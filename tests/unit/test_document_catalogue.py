"""The document catalogue as data: every type loads and validates, the workflows name only known types,
amounts and dates are written the official way, start-up refuses to render without HarfBuzz."""

import pytest

from caseflow.config import PROJECT_ROOT
import caseflow.workflow.wiring  # noqa: F401  (fills the guard and effect registries)
from caseflow.documents import formatting
from caseflow.documents.catalogue import load_catalogue
from caseflow.errors import ConfigurationError
from caseflow.workflow.definitions import check_document_wiring, load_definitions

ROOT = PROJECT_ROOT / "document_templates"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT)


def test_catalogue_covers_the_spec_document_list(catalogue):
    codes = {t.code for t in catalogue}
    # spec §7.2 lists D01–D50; every one is in the catalogue (some as several types, e.g. D16 封存/延长/解除)
    assert {f"D{n:02d}" for n in range(1, 51)} <= codes
    assert len(catalogue) >= 50


def test_every_external_type_has_its_own_serial(catalogue):
    series = [t.numbering for t in catalogue if t.numbering]
    assert len(series) == len(set(series))
    for t in catalogue:
        if t.external and t.key != "onsite_decision":  # the on-the-spot form is pre-numbered (Art. 52)
            assert t.numbering, t.key


def test_every_required_field_has_a_sample_value(catalogue):
    for t in catalogue:
        sample = catalogue.sample(t.key).get("fields", {})
        missing = [f.name for f in t.fields if f.required and sample.get(f.name) in (None, "", [])]
        assert not missing, (t.key, missing)


def test_workflows_name_only_catalogued_documents(catalogue):
    definitions = load_definitions(PROJECT_ROOT / "workflows")
    check_document_wiring(definitions, catalogue)
    named = set()
    for defn in definitions.values():
        for t in defn.transitions:
            named |= t.documents.keys()
    assert {"prior_notice", "penalty_decision", "hearing_notice", "reminder"} <= named


def test_an_unknown_document_in_a_workflow_stops_the_app(catalogue):
    import yaml
    from caseflow.workflow.definitions import parse_definition
    raw = yaml.safe_load((PROJECT_ROOT / "workflows" / "simplified_procedure.yaml").read_text(encoding="utf-8"))
    raw["transitions"][0]["documents"] = {"requires": {"no_such_document": "issued"}}
    with pytest.raises(ConfigurationError, match="no_such_document"):
        check_document_wiring({"simplified_procedure": parse_definition(raw, "test")}, catalogue)


def test_a_malformed_type_stops_loading(tmp_path):
    (tmp_path / "_shared").mkdir()
    (tmp_path / "_shared" / "print.css").write_text("")
    bad = tmp_path / "bad_type"
    bad.mkdir()
    (bad / "meta.yaml").write_text("key: bad_type\ncode: D99\ntitle: 坏\nstage: 决定\nkind: outward\nversion: 1\n"
                                   "basis: x\nfields: []\n", encoding="utf-8")
    (bad / "template.html").write_text("")
    (bad / "sample.yaml").write_text("")
    with pytest.raises(ConfigurationError, match="kind outward"):
        load_catalogue(tmp_path)


@pytest.mark.parametrize("value, expected", [
    ("76000", "人民币柒万陆仟元整"), ("38000.50", "人民币叁万捌仟元伍角整"), ("100000", "人民币壹拾万元整"),
    ("1005", "人民币壹仟零伍元整"), ("10010000", "人民币壹仟零壹万元整"), ("0.05", "人民币伍分"),
    ("1000000.01", "人民币壹佰万元零壹分"), ("190000", "人民币壹拾玖万元整"),
])
def test_amounts_in_capital_numerals(value, expected):
    assert formatting.money_upper(value) == expected


def test_amounts_and_dates():
    assert formatting.money("76000") == "76,000.00 元"
    assert formatting.money(None) == "——"
    assert formatting.cn_date("2025-03-03") == "2025年3月3日"
    assert formatting.cn_date(None) == "　　年　　月　　日"


def test_rendering_refuses_to_start_without_harfbuzz_subsetting(monkeypatch):
    import weasyprint.text.ffi as ffi
    from caseflow.documents.rendering import check_harfbuzz
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    with pytest.raises(ConfigurationError, match="libharfbuzz-subset0"):
        check_harfbuzz()
