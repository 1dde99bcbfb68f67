"""Parties, clues and the audit trail through the API."""
from datetime import date, timedelta

import pytest
from test_api_support import Api, assert_error, audit_count, register

from caseflow.timeutil import today


@pytest.fixture
def api(client, people):
    return Api(client, people)


NEW_INSTITUTION = {"kind": "institution", "name": "福州协和门诊部", "credit_code": "91350102MA2XYC123Q",
                   "legal_representative": "林大夫", "address": "福州市鼓楼区东街 1 号", "phone": "0591-87654321"}


# ---- parties ----

def test_parties_of_the_users_organisation_with_masked_id_numbers(api, parties):
    body = api.ok(api.get("officer", "/parties"))
    assert body["total"] == 4 and body["pages"] == 1
    names = {p["name"]: p for p in body["items"]}
    assert "鼓楼百姓药店" not in names
    assert names["张三"]["id_number"] == "110105********002X" and names["张三"]["id_number_masked"] is True
    assert names["福州康宁医院有限公司"]["credit_code"] == "91110000802100433B"
    assert names["福州康宁医院有限公司"]["id_number"] is None
    head = {p["name"]: p for p in api.ok(api.get("head", "/parties"))["items"]}
    assert head["张三"]["id_number"] == "11010519491231002X" and head["张三"]["id_number_masked"] is False
    assert [p["name"] for p in api.ok(api.get("gl_officer", "/parties"))["items"]] == ["鼓楼百姓药店"]


def test_parties_search_and_pagination(api, parties):
    assert [p["name"] for p in api.ok(api.get("officer", "/parties?q=康宁"))["items"]] == ["福州康宁医院有限公司"]
    page = api.ok(api.get("officer", "/parties?per_page=3&page=2"))
    assert (page["total"], page["pages"], len(page["items"])) == (4, 2, 1)
    body = assert_error(api.get("officer", "/parties?per_page=500"), 422, "validation_failed")
    assert set(body["details"]) == {"per_page"}


def test_create_party(api, people, parties):
    body = api.ok(api.post("officer", "/parties", NEW_INSTITUTION), 201)
    assert body["name"] == "福州协和门诊部" and body["kind_label"] == "定点医疗机构"
    assert body["organisation_id"] == people["officer"].organisation_id
    assert audit_count(code="PARTY_CREATED") == 1
    assert "福州协和门诊部" in [p["name"] for p in api.ok(api.get("officer2", "/parties"))["items"]]
    assert_error(api.post("officer", "/parties", NEW_INSTITUTION), 409, "conflict")


def test_create_person_party_returns_masked_id_to_an_officer(api, people):
    body = api.ok(api.post("officer", "/parties", {"kind": "insured", "name": "李四",
                                                   "id_number": "350102198001011233"}), 201)
    assert body["id_number"] == "350102********1233"


@pytest.mark.parametrize("payload,fields", [
    ({**NEW_INSTITUTION, "credit_code": "91350102MA2XYC1230"}, {"credit_code"}),
    ({**NEW_INSTITUTION, "kind": "hospital"}, {"kind"}),
    ({k: v for k, v in NEW_INSTITUTION.items() if k != "name"}, {"name"}),
    ({**NEW_INSTITUTION, "legal_representative": None}, {"legal_representative"}),
    ({"kind": "insured", "name": "王五", "id_number": "350102198001011234"}, {"id_number"}),
    ({**NEW_INSTITUTION, "name": 42}, {"name"}),
    ({**NEW_INSTITUTION, "nickname": "协和"}, {"nickname"}),
])
def test_invalid_party_is_422_per_field(api, people, payload, fields):
    body = assert_error(api.post("officer", "/parties", payload), 422, "validation_failed")
    assert set(body["details"]) == fields


def test_only_officers_register_parties(api, people):
    assert_error(api.post("reviewer", "/parties", NEW_INSTITUTION), 403, "forbidden")


# ---- clues ----

def _clue(parties, **changes):
    data = {"source": "complaint", "received_on": (today() - timedelta(days=1)).isoformat(),
            "summary": "群众举报该药店串换药品。", "party_id": parties["福州仁和大药房有限公司"].id}
    data.update(changes)
    return data


def test_register_clue_opens_a_case(api, people, parties):
    body = api.ok(api.post("officer", "/clues", _clue(parties, cause="串换药品")), 201)
    assert body["case_state"] == "clue_registered" and body["case_number"] is None
    assert body["source_label"] == "投诉举报" and body["party"]["name"] == "福州仁和大药房有限公司"
    assert body["registered_by"] == {"id": people["officer"].id, "name": "林志远"}
    case = api.ok(api.get("officer", f"/cases/{body['case_id']}"))
    assert case["cause"] == "串换药品" and case["clue"]["id"] == body["id"]
    assert {d["code"] for d in case["deadlines"]} == {"T1"}
    assert audit_count(code="CLUE_REGISTERED", case_id=body["case_id"]) == 1


@pytest.mark.parametrize("changes,fields", [
    ({"source": "rumour"}, {"source"}),
    ({"received_on": "2025-02-30"}, {"received_on"}),
    ({"received_on": (date.today() + timedelta(days=3)).isoformat()}, {"received_on"}),
    ({"summary": "   "}, {"summary"}),
    ({"summary": "长" * 4001}, {"summary"}),
    ({"party_id": "abc"}, {"party_id"}),
    ({"party_id": 999999}, {"party_id"}),
    ({"reporter": {"phone": "13900000000"}}, {"reporter.name"}),
    ({"reporter": {"name": "王某", "id_number": "350102198001011234"}}, {"reporter.id_number"}),
    ({"reporter": "王某"}, {"reporter"}),
    ({"urgent": True}, {"urgent"}),
])
def test_invalid_clue_is_422_per_field(api, parties, changes, fields):
    body = assert_error(api.post("officer", "/clues", _clue(parties, **changes)), 422, "validation_failed")
    assert set(body["details"]) == fields, body


def test_only_officers_register_clues(api, parties):
    assert_error(api.post("head", "/clues", _clue(parties)), 403, "forbidden")


def test_clue_list_is_paginated_and_scoped_to_visible_cases(api, people, parties):
    for day in (3, 5, 7):
        register(people, parties["福州康宁医院有限公司"], today() - timedelta(days=day))
    register(people, parties["鼓楼百姓药店"], today() - timedelta(days=2), by="gl_officer")
    body = api.ok(api.get("officer", "/clues?per_page=2"))
    assert (body["total"], body["pages"], len(body["items"])) == (3, 2, 2)
    newest_first = [(today() - timedelta(days=d)).isoformat() for d in (3, 5)]
    assert [c["received_on"] for c in body["items"]] == newest_first
    assert api.ok(api.get("gl_officer", "/clues"))["total"] == 1
    assert api.ok(api.get("fj_head", "/clues"))["total"] == 4
    assert api.ok(api.get("archivist", "/clues"))["total"] == 0
    assert_error(api.get("officer", "/clues?page=-1"), 422, "validation_failed")


# ---- audit trail ----

def test_audit_trail_of_a_case_for_heads(api, people, parties):
    case = register(people, parties["福州康宁医院有限公司"], today() - timedelta(days=2))
    body = api.ok(api.get("head", f"/audit?case_id={case.id}"))
    [event] = body["items"]
    assert event["code"] == "CLUE_REGISTERED" and event["actor_name"] == "林志远"
    assert event["occurred_at"].endswith("+08:00") and len(event["hash"]) == 64
    assert_error(api.get("officer", f"/audit?case_id={case.id}"), 403, "forbidden")
    assert_error(api.get("gl_head", f"/audit?case_id={case.id}"), 404, "not_found")
    body = assert_error(api.get("head", "/audit"), 422, "validation_failed")
    assert set(body["details"]) == {"case_id"}


def test_clue_for_a_party_of_another_organisation_is_refused(api, parties):
    response = api.post("gl_officer", "/clues", _clue(parties, party_id=parties["张三"].id))
    body = assert_error(response, 422, "validation_failed")
    assert set(body["details"]) == {"party_id"}
