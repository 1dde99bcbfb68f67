"""The workflow through the API: GET/POST /api/v1/cases/<id>/transitions, from clue to filing, and every
way a request can be refused (nothing is written when it is)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_api_support import Api, assert_error, audit_count

from caseflow.cases import services as cases
from caseflow.cases.models import Approval, Case, CaseOfficer
from caseflow.demo import drive
from caseflow.extensions import db
from caseflow.timeutil import today

OPINION = {"opinion": "同意。"}


@pytest.fixture
def api(client, people):
    return Api(client, people)


def _filing_data(people, **changes):
    data = {"officers": [people["officer"].id, people["officer2"].id], "cause": "串换药品骗取医保基金",
            "facts": "经数据筛查发现该药店将日用品串换为目录内药品结算。",
            "suspected_provisions": "《医疗保障基金使用监督管理条例》第三十八条",
            "conduct_ended_on": (today() - timedelta(days=60)).isoformat()}
    data.update(changes)
    return data


@pytest.fixture
def clue_case(api, parties):
    """A clue registered through the API three days ago; returns the POST /clues payload."""
    return api.ok(api.post("officer", "/clues", {
        "source": "data_screening", "received_on": (today() - timedelta(days=3)).isoformat(),
        "summary": "数据筛查发现该药店日用品销售异常。", "party_id": parties["福州仁和大药房有限公司"].id}), 201)


def _fire(api, username, case_id, trigger, version, data=None):
    payload = {"trigger": trigger, "version": version, "data": data}
    return api.post(username, f"/cases/{case_id}/transitions", payload)


def _options(api, username, case_id) -> dict:
    body = api.ok(api.get(username, f"/cases/{case_id}/transitions"))
    return {t["trigger"]: t for t in body["transitions"]}


def _snapshot(case_id):
    """Everything a refused request could have written."""
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    counts = [db.session.execute(select(func.count()).select_from(model).where(model.case_id == case_id))
              .scalar_one() for model in (Approval, CaseOfficer)]
    return {"state": case.state, "version": case.version, "number": case.case_number,
            "facts": dict(case.facts), "audit": audit_count(), "counts": counts}


def test_clue_to_filing_through_the_api(api, people, clue_case):
    case_id = clue_case["case_id"]
    assert clue_case["case_state"] == "clue_registered" and clue_case["case_number"] is None

    listing = api.ok(api.get("officer", f"/cases/{case_id}/transitions"))
    assert listing["version"] == clue_case["case_version"] and listing["state"] == "clue_registered"
    options = {t["trigger"]: t for t in listing["transitions"]}
    assert set(options) == {"propose_filing", "propose_not_filing", "propose_clue_transfer"}
    propose = options["propose_filing"]
    assert propose == {**propose, "label": "提请立案", "dest": "filing_proposed", "dest_label": "立案待审批",
                       "allowed": True, "reasons": [], "internal": False}
    fields = {f["name"]: f for f in propose["fields"]}
    assert list(fields) == ["officers", "cause", "facts", "suspected_provisions", "conduct_ended_on",
                            "life_health_harm"]
    assert fields["officers"]["type"] == "officers" and fields["officers"]["required"] is True
    assert fields["cause"]["max_length"] == 100 and fields["conduct_ended_on"]["required"] is False
    not_filing = {f["name"]: f for f in options["propose_not_filing"]["fields"]}
    assert {"value": "no_violation", "label": "违法事实不存在"} in not_filing["reason_kind"]["choices"]

    version = listing["version"]
    proposed = api.ok(_fire(api, "officer", case_id, "propose_filing", version, _filing_data(people)))
    assert proposed["state"] == "filing_proposed" and proposed["state_label"] == "立案待审批"
    assert proposed["version"] > version
    assert [o["name"] for o in proposed["officers"]] == ["林志远", "陈晓梅"]
    assert proposed["title"] == "福州仁和大药房有限公司涉嫌串换药品骗取医保基金案"

    head_options = _options(api, "head", case_id)
    assert {k: t["allowed"] for k, t in head_options.items()} == {"approve_filing": True,
                                                                   "return_filing": True}
    assert _options(api, "officer", case_id) == {}

    approved = api.ok(_fire(api, "head", case_id, "approve_filing", proposed["version"],
                            {"opinion": "同意立案。"}))
    number = f"榕医保立〔{today().year}〕1号"
    assert approved["case_number"] == number and approved["state"] == "investigating"
    assert approved["filed_on"] == today().isoformat()

    seen = api.ok(api.get("officer", f"/cases/{case_id}"))
    assert seen["case_number"] == number and seen["version"] == approved["version"]
    assert [(a["kind"], a["opinion"], a["approver"]["name"]) for a in seen["approvals"]] == [
        ("filing", "同意立案。", "王海峰")]
    deadlines = {d["code"]: d for d in seen["deadlines"]}
    assert deadlines["T1"]["status"] == "met"
    assert deadlines["T8"]["status"] == "open" and deadlines["T8"]["start_on"] == today().isoformat()
    assert deadlines["T8"]["days_left"] > 0
    listed = api.ok(api.get("officer", f"/cases?number={number}"))["items"]
    assert [c["id"] for c in listed] == [case_id]
    trail = api.ok(api.get("head", f"/audit?case_id={case_id}"))["items"]
    assert [e["code"] for e in trail] == ["CLUE_REGISTERED", "PROPOSE_FILING", "APPROVE_FILING"]



def test_stale_version_is_409_and_writes_nothing(api, people, clue_case):
    case_id, seen = clue_case["case_id"], clue_case["case_version"]
    proposed = api.ok(_fire(api, "officer", case_id, "propose_filing", seen, _filing_data(people)))
    api.sign_in("head", "officer2")
    before = _snapshot(case_id)
    body = assert_error(_fire(api, "head", case_id, "approve_filing", seen, OPINION), 409, "conflict")
    assert body["details"] == {"current_version": proposed["version"], "your_version": seen}
    assert "刷新" in body["message"]
    assert _snapshot(case_id) == before
    # a second officer's proposal made on the page seen before the first one went through
    response = _fire(api, "officer2", case_id, "propose_filing", seen, _filing_data(people))
    assert_error(response, 409, "conflict")
    assert _snapshot(case_id) == before


def test_failing_guards_list_every_reason_and_write_nothing(api, people, clue_case):
    case_id = clue_case["case_id"]
    before = _snapshot(case_id)
    long_ago = (today() - timedelta(days=3 * 365)).isoformat()
    data = _filing_data(people, officers=[people["officer"].id, people["gl_officer"].id, 999999],
                        conduct_ended_on=long_ago)
    response = _fire(api, "officer", case_id, "propose_filing", before["version"], data)
    body = assert_error(response, 409, "transition_refused")
    reasons = body["details"]["reasons"]
    assert len(reasons) == 3, reasons
    assert f"人员编号 {people['gl_officer'].id} 不是本单位人员" in reasons
    assert "人员编号 999999 不是本单位人员" in reasons
    assert any("追责时效" in r and "第三十六条" in r for r in reasons)
    assert all(r in body["message"] for r in reasons)
    assert _snapshot(case_id) == before


def test_refused_transitions_are_listed_with_their_reasons(api, people, parties):
    start = today() - timedelta(days=20)
    case = cases.register_clue(people["officer"], source="inspection", received_on=start,
                               summary="监督检查发现问题。", party_id=parties["福州康宁医院有限公司"].id)
    case = drive(case, ["propose_filing", "approve_filing"], start, people).case
    options = _options(api, "head", case.id)
    extend = options["extend_time_limit"]
    assert extend["allowed"] is True and extend["internal"] is True
    assert extend["dest"] is None and extend["dest_label"] is None
    collective = options["extend_time_limit_collectively"]
    assert collective["allowed"] is False and len(collective["reasons"]) == 1
    assert "须先经负责人批准延长三十日" in collective["reasons"][0]
    data = {"days": 30, "attendees": "王海峰、刘振国", "reason": "需鉴定。", "opinion": "同意。"}
    body = assert_error(_fire(api, "head", case.id, "extend_time_limit_collectively", case.version, data),
                        409, "transition_refused")
    assert body["details"]["reasons"] == collective["reasons"]
    refused = _options(api, "officer3", case.id)["conclude_investigation"]   # officer3 is not assigned
    assert refused["allowed"] is False and "只有本案承办人员才能执行该操作" in refused["reasons"]


def test_transition_in_the_wrong_state_is_refused(api, clue_case):
    response = _fire(api, "head", clue_case["case_id"], "approve_closing", clue_case["case_version"], OPINION)
    body = assert_error(response, 409, "transition_refused")
    assert body["details"]["reasons"] == ["案件当前处于「线索核查中」，不能执行该操作"]


def test_wrong_role_is_403(api, people, clue_case):
    case_id, version = clue_case["case_id"], clue_case["case_version"]
    api.sign_in("reviewer")
    before = _snapshot(case_id)
    response = _fire(api, "reviewer", case_id, "propose_filing", version, _filing_data(people))
    body = assert_error(response, 403, "forbidden")
    assert "执法人员" in body["message"] and body["details"]["roles"] == ["officer"]
    response = _fire(api, "officer", case_id, "extend_verification", version, {"reason": "需调取数据。", **OPINION})
    assert_error(response, 403, "forbidden")
    assert _snapshot(case_id) == before


def test_unknown_trigger_is_404(api, clue_case):
    response = _fire(api, "officer", clue_case["case_id"], "fly_to_the_moon", clue_case["case_version"])
    body = assert_error(response, 404, "not_found")
    assert body["details"] == {"trigger": "fly_to_the_moon"}


def test_case_not_visible_is_404_on_post(api, people, clue_case):
    response = _fire(api, "gl_officer", clue_case["case_id"], "propose_filing", clue_case["case_version"],
                     _filing_data(people))
    assert_error(response, 404, "not_found")
    assert_error(_fire(api, "officer", 999999, "propose_filing", 1, _filing_data(people)), 404, "not_found")


def test_invalid_form_data_is_422_per_field(api, people, clue_case):
    case_id = clue_case["case_id"]
    before = _snapshot(case_id)
    data = {"officers": [people["officer"].id], "cause": "", "conduct_ended_on": "2025-02-30",
            "life_health_harm": "maybe"}
    response = _fire(api, "officer", case_id, "propose_filing", clue_case["case_version"], data)
    body = assert_error(response, 422, "validation_failed")
    assert body["details"] == {"officers": "至少需要两名执法人员", "cause": "此项不能为空", "facts": "此项为必填项",
                               "suspected_provisions": "此项为必填项", "conduct_ended_on": "日期格式应为 YYYY-MM-DD",
                               "life_health_harm": "应为是或否"}
    assert _snapshot(case_id) == before


@pytest.mark.parametrize("payload,fields", [
    ({"version": 1, "data": {}}, {"trigger"}),
    ({"trigger": "propose_filing", "data": {}}, {"version"}),
    ({"trigger": "propose_filing", "version": "abc"}, {"version"}),
    ({"trigger": "propose_filing", "version": 1, "data": ["officers"]}, {"data"}),
    ({"trigger": "propose_filing", "version": 1, "data": "officers=1"}, {"data"}),
    ({"trigger": "propose_filing", "version": 1, "extra": True}, {"extra"}),
])
def test_malformed_request_is_422(api, clue_case, payload, fields):
    response = api.post("officer", f"/cases/{clue_case['case_id']}/transitions", payload)
    body = assert_error(response, 422, "validation_failed")
    assert set(body["details"]) == fields


@pytest.mark.parametrize("kwargs", [
    {"data": "trigger=propose_filing&version=1", "content_type": "application/x-www-form-urlencoded"},
    {"data": "{not json", "content_type": "application/json"},
    {"data": "[1, 2]", "content_type": "application/json"},
    {"data": "\"propose_filing\"", "content_type": "application/json"},
])
def test_body_that_is_not_a_json_object_is_400(api, clue_case, kwargs):
    response = api.post("officer", f"/cases/{clue_case['case_id']}/transitions", **kwargs)
    body = assert_error(response, 400, "bad_request")
    assert "JSON" in body["message"]


def test_decimal_fields_are_strings_in_and_out(api, people, parties):
    case = cases.register_onsite_case(people["officer"], party_id=parties["福州仁和大药房有限公司"].id,
                                      summary="现场检查发现未按规定公示医保标识。")
    data = {"officers": [people["officer"].id, people["officer2"].id], "cause": "未按规定悬挂定点标识",
            "facts": "现场检查发现未悬挂定点医药机构标识。", "legal_basis": "《医疗保障基金使用监督管理条例》第三十八条",
            "decided_on": today().isoformat(), "place": "当事人经营场所", "form_number": f"榕医保当〔{today().year}〕0001"}

    def decide(fine):
        return _fire(api, "officer", case.id, "decide_on_spot", case.version, {**data, "fine_amount": fine})

    for bad, message in (("12.345", "金额最多保留两位小数"), ("abc", "金额格式不正确，应为如 1234.56 的数字"),
                         ("-5", "金额不能为负数")):
        assert assert_error(decide(bad), 422, "validation_failed")["details"] == {"fine_amount": message}
    too_much = assert_error(decide("3000.01"), 409, "transition_refused")
    assert any("第五十一条" in r for r in too_much["details"]["reasons"])
    decided = api.ok(decide("1500.5"))
    assert decided["facts"]["fine_amount"] == "1500.50"
    assert decided["case_number"] == f"榕医保简〔{today().year}〕1号"
    assert decided["decided_on"] == today().isoformat()
    assert decided["workflow_label"] == "简易程序"
