"""GET /api/v1/cases (filters, pagination, visibility) and GET /api/v1/cases/<id>."""
from datetime import date

import pytest
from test_api_support import Api, assert_error, register

from caseflow.cases import services as cases
from caseflow.demo import drive


@pytest.fixture
def api(client, people):
    return Api(client, people)


@pytest.fixture
def world(people, parties):
    """A: filed 2025-01-13 (officer, officer2); B: filed 2025-02-23 (officer2, officer3); C: a clue;
    D: an on-site (simplified) case; E: a clue of the county bureau (鼓楼区)."""
    a = register(people, parties["福州仁和大药房有限公司"], date(2025, 1, 10))
    a = drive(a, ["propose_filing", "approve_filing"], date(2025, 1, 10), people).case
    b = register(people, parties["福州康宁医院有限公司"], date(2025, 2, 20))
    b = drive(b, ["propose_filing", "approve_filing"], date(2025, 2, 20), people,
              {"propose_filing": {"officers": [people["officer2"].id, people["officer3"].id]}}).case
    c = register(people, parties["福州安康门诊部"], date(2025, 3, 5))
    d = cases.register_onsite_case(people["officer"], party_id=parties["福州仁和大药房有限公司"].id,
                                   summary="现场检查发现未按规定公示医保标识。")
    e = register(people, parties["鼓楼百姓药店"], date(2025, 3, 6), by="gl_officer")
    return {"A": a.id, "B": b.id, "C": c.id, "D": d.id, "E": e.id}


def _ids(api, username, query=""):
    body = api.ok(api.get(username, f"/cases{query}"))
    return [item["id"] for item in body["items"]]


def test_list_shape_and_newest_first(api, world):
    body = api.ok(api.get("officer", "/cases"))
    assert {k for k in body} == {"items", "page", "per_page", "total", "pages"}
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 20, 4, 1)
    assert [i["id"] for i in body["items"]] == [world["D"], world["C"], world["B"], world["A"]]
    a = body["items"][-1]
    assert a["case_number"] == "榕医保立〔2025〕1号"
    assert a["state"] == "investigating" and a["state_label"] == "调查取证"
    assert a["workflow"] == "general_procedure" and a["workflow_label"] == "一般程序"
    assert a["received_on"] == "2025-01-10" and a["filed_on"] == "2025-01-13"
    assert a["party"]["name"] == "福州仁和大药房有限公司"
    assert [o["name"] for o in a["officers"]] == ["林志远", "陈晓梅"]
    assert isinstance(a["version"], int)


def test_pagination(api, world):
    first = api.ok(api.get("officer", "/cases?per_page=3"))
    assert (first["total"], first["pages"], len(first["items"])) == (4, 2, 3)
    second = api.ok(api.get("officer", "/cases?per_page=3&page=2"))
    assert [i["id"] for i in second["items"]] == [world["A"]]
    beyond = api.ok(api.get("officer", "/cases?per_page=3&page=5"))
    assert beyond["items"] == [] and beyond["total"] == 4
    assert api.ok(api.get("officer", "/cases?per_page=100"))["per_page"] == 100


@pytest.mark.parametrize("query,expected", [
    ("state=investigating", ["B", "A"]),
    ("state=clue_registered", ["C"]),
    ("workflow=simplified_procedure", ["D"]),
    ("workflow=general_procedure&state=investigating", ["B", "A"]),
    ("party=康宁", ["B"]),
    ("party=仁和", ["D", "A"]),
    ("party=91350100M", ["D", "A"]),
    ("number=〔2025〕2号", ["B"]),
    ("number=安康", ["C"]),
    ("received_from=2025-02-01", ["C", "B"]),
    ("received_to=2025-02-01", ["A"]),
    ("received_from=2025-02-01&received_to=2025-02-28", ["B"]),
    ("filed_from=2025-02-01", ["B"]),
    ("filed_to=2025-01-31", ["A"]),
    ("filed_from=2025-01-01&filed_to=2025-12-31", ["B", "A"]),
    ("state=&party=", ["D", "C", "B", "A"]),  # empty filters are ignored
])
def test_each_filter(api, world, query, expected):
    assert _ids(api, "officer", "?" + query) == [world[k] for k in expected]


def test_officer_filter(api, people, world):
    assert _ids(api, "head", f"?officer_id={people['officer3'].id}") == [world["B"]]
    assert _ids(api, "head", f"?officer_id={people['officer'].id}") == [world["A"]]


@pytest.mark.parametrize("query,fields", [
    ("state=flying", {"state"}),
    ("workflow=fast_track", {"workflow"}),
    ("workflow=simplified_procedure&state=investigating", {"state"}),
    ("officer_id=abc", {"officer_id"}),
    ("received_from=2025-13-01", {"received_from"}),
    ("filed_to=yesterday", {"filed_to"}),
    ("filed_from=2025-03-01&filed_to=2025-02-01", {"filed_to"}),
    ("per_page=101", {"per_page"}),
    ("page=0", {"page"}),
    ("page=x&per_page=0", {"page", "per_page"}),
    ("colour=red", {"colour"}),
])
def test_bad_filters_are_422_with_details_per_field(api, world, query, fields):
    body = assert_error(api.get("officer", "/cases?" + query), 422, "validation_failed")
    assert set(body["details"]) == fields
    assert all(isinstance(m, str) and m for m in body["details"].values())


def test_organisation_scope(api, world):
    assert _ids(api, "gl_officer") == [world["E"]]
    assert _ids(api, "gl_head") == [world["E"]]
    assert sorted(_ids(api, "fj_head")) == sorted(world.values())   # the province sees its subordinates
    assert _ids(api, "archivist") == []                                 # no closed case yet
    assert _ids(api, "admin") == []


def test_case_of_another_organisation_is_404(api, world):
    for username in ("gl_officer", "gl_head"):
        assert_error(api.get(username, f"/cases/{world['A']}"), 404, "not_found")
        assert_error(api.get(username, f"/cases/{world['A']}/transitions"), 404, "not_found")
    assert_error(api.get("archivist", f"/cases/{world['A']}"), 404, "not_found")
    assert_error(api.get("officer", "/cases/999999"), 404, "not_found")


def test_provincial_head_reads_but_cannot_act(api, people, world):
    case = api.ok(api.get("fj_head", f"/cases/{world['C']}"))
    assert case["state"] == "clue_registered"
    assert api.ok(api.get("fj_head", f"/cases/{world['C']}/transitions"))["transitions"] == []
    proposed = api.ok(api.post("officer", f"/cases/{world['C']}/transitions", {
        "trigger": "propose_filing", "version": case["version"], "data": {
            "officers": [people["officer"].id, people["officer2"].id], "cause": "挂床住院",
            "facts": "经核查存在挂床住院情况。", "suspected_provisions": "《医疗保障基金使用监督管理条例》第三十八条"}}))
    response = api.post("fj_head", f"/cases/{world['C']}/transitions", {
        "trigger": "approve_filing", "version": proposed["version"], "data": {"opinion": "同意。"}})
    assert_error(response, 403, "forbidden")
    assert api.ok(api.get("officer", f"/cases/{world['C']}"))["state"] == "filing_proposed"


def test_full_case(api, people, world):
    case = api.ok(api.get("officer", f"/cases/{world['A']}"))
    expected = {"id", "case_number", "title", "cause", "workflow", "workflow_label", "state", "state_label",
                "stage", "terminal", "version", "organisation", "party", "clue", "officers", "approvals",
                "deadlines", "recusals", "facts", "received_on", "filed_on", "decided_on", "closed_on"}
    assert expected <= set(case)
    assert case["title"] == "福州仁和大药房有限公司涉嫌串换药品骗取医保基金案"
    assert case["cause"] == "串换药品骗取医保基金" and case["stage"] == "调查" and case["terminal"] is False
    assert case["filed_on"] == "2025-01-13" and case["decided_on"] is None and case["closed_on"] is None
    assert case["organisation"]["name"] == "福州市医疗保障局"
    assert case["clue"]["received_on"] == "2025-01-10" and case["clue"]["source_label"] == "投诉举报"
    assert [(o["name"], o["lead"], o["active"]) for o in case["officers"]] == [("林志远", True, True),
                                                                            ("陈晓梅", False, True)]
    assert case["officers"][0]["credential_no"] == "35010020230001"
    [approval] = case["approvals"]
    assert approval["kind"] == "filing" and approval["form_title"] == "立案审批表"
    assert approval["approver"] == {"id": people["head"].id, "name": "王海峰"}
    assert approval["role_label"] == "负责人" and approval["decision_label"] == "同意"
    assert approval["decided_at"].endswith("+08:00")
    deadlines = {d["code"]: d for d in case["deadlines"]}
    assert deadlines["T1"]["status"] == "met" and deadlines["T1"]["days_left"] is None
    t8 = deadlines["T8"]
    assert t8["start_on"] == "2025-01-13" and t8["unit"] in ("working", "calendar", "months")
    assert t8["legal_basis"] and t8["kind"]
    assert t8["status"] == "overdue" and t8["status_label"] == "已超期" and t8["days_left"] < 0  # long past
    assert "calendar_warning" in t8 and t8["extensions"] == [] and t8["exclusions"] == []
    assert case["facts"]["suspected_provisions"] == "《医疗保障基金使用监督管理条例》第三十八条"
    assert case["recusals"] == []


def test_party_id_number_is_masked_unless_allowed(api, people, parties):
    insured = parties["张三"]
    case = register(people, insured, date(2025, 4, 1))
    case = drive(case, ["propose_filing"], date(2025, 4, 1), people).case
    full, masked = "11010519491231002X", "110105********002X"
    for username, expected in (("officer", full), ("officer2", full), ("head", full), ("fj_head", full),
                               ("officer3", masked), ("reviewer", masked)):
        party = api.ok(api.get(username, f"/cases/{case.id}"))["party"]
        assert party["id_number"] == expected, username
        assert party["id_number_masked"] is (expected == masked)
    listed = api.ok(api.get("officer3", "/cases"))["items"][0]["party"]
    assert "id_number" not in listed
