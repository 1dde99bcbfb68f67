"""The reporter's identity (Order 735 Art. 35; spec §8): in no API payload but the audited reporter
view, which only the heads of the handling organisation and the case's assigned officers may open."""
import json
from datetime import date, timedelta

import pytest
from test_api_support import Api, assert_error, audit_count, payload_text

from caseflow.audit.models import AuditEvent
from caseflow.cases import services as cases
from caseflow.cases.models import Case
from caseflow.demo import GENERAL_PENALTY_PATH, drive
from caseflow.extensions import db
from caseflow.timeutil import today

REPORTER = {"name": "欧阳保密", "phone": "13912345678", "id_number": "350102198001011233",
            "address": "福州市鼓楼区隐秘巷 7 号", "real_name": True, "statement": "我在该药店看到串换药品。"}
SECRETS = ("欧阳保密", "13912345678", "350102198001011233", "隐秘巷")


@pytest.fixture
def api(client, people):
    return Api(client, people)


@pytest.fixture
def open_case(api, people, parties):
    """Registered through the API with a reporter, then proposed for filing (officer, officer2 assigned)."""
    body = api.ok(api.post("officer", "/clues", {
        "source": "complaint", "received_on": (today() - timedelta(days=5)).isoformat(),
        "summary": "举报该药店串换药品。", "party_id": parties["福州仁和大药房有限公司"].id, "reporter": REPORTER}), 201)
    assert not any(s in payload_text_of(body) for s in SECRETS)
    assert "has_reporter" not in body  # before filing, the registering officer is not assigned yet
    case = db.session.get(Case, body["case_id"])
    return drive(case, ["propose_filing"], today() - timedelta(days=5), people).case


@pytest.fixture
def closed_case(people, parties):
    case = cases.register_clue(people["officer"], source="complaint", received_on=date(2025, 3, 3),
                               summary="举报该医院挂床住院。", party_id=parties["福州康宁医院有限公司"].id,
                               reporter=REPORTER, on=date(2025, 3, 3))
    return drive(case, GENERAL_PENALTY_PATH[:15], date(2025, 3, 3), people).case


def payload_text_of(body) -> str:
    return json.dumps(body, ensure_ascii=False)


def _urls(case_id):
    return ["/clues", "/cases", "/cases?state=filing_proposed", f"/cases/{case_id}",
            f"/cases/{case_id}/transitions"]


def _assert_nowhere(api, username, case_id):
    for url in _urls(case_id):
        response = api.get(username, url)
        assert response.status_code == 200, (username, url, response.get_data(as_text=True)[:300])
        text = payload_text(response)
        for secret in SECRETS:
            assert secret not in text, (username, url, secret)


@pytest.mark.parametrize("username", ["reviewer", "officer3", "head", "principal", "officer", "officer2",
                                      "fj_head"])
def test_reporter_is_in_no_payload_of_an_open_case(api, open_case, username):
    _assert_nowhere(api, username, open_case.id)


@pytest.mark.parametrize("username", ["archivist", "reviewer", "officer3", "head", "officer"])
def test_reporter_is_in_no_payload_of_a_closed_case(api, closed_case, username):
    _assert_nowhere(api, username, closed_case.id)
    # the transitions payload after the archivist's own act carries no reporter either
    if username == "archivist":
        case = api.ok(api.get("archivist", f"/cases/{closed_case.id}"))
        assert case["state"] == "closed"
        archived = api.post("archivist", f"/cases/{closed_case.id}/transitions", {
            "trigger": "archive_case", "version": case["version"],
            "data": {"archive_no": "榕医保-2025-0001", "retention": "permanent", "pages": 86}})
        assert archived.status_code == 200, archived.get_data(as_text=True)
        assert not any(s in payload_text(archived) for s in SECRETS)


def test_only_allowed_users_learn_that_there_is_a_reporter(api, open_case):
    for username, allowed in (("head", True), ("officer", True), ("officer2", True), ("officer3", False),
                              ("reviewer", False), ("fj_head", False)):
        case = api.ok(api.get(username, f"/cases/{open_case.id}"))
        [clue] = [c for c in api.ok(api.get(username, "/clues"))["items"] if c["case_id"] == open_case.id]
        if allowed:
            assert case["has_reporter"] is True and clue["has_reporter"] is True, username
        else:
            assert "has_reporter" not in case and "has_reporter" not in clue, username


def test_reporter_view_for_head_and_assigned_officers_is_audited(api, people, open_case):
    api.sign_in("head", "officer", "officer2", "officer3", "reviewer", "fj_head", "gl_officer")
    assert audit_count(code="REPORTER_VIEWED") == 0
    for username in ("head", "officer", "officer2"):
        body = api.ok(api.get(username, f"/cases/{open_case.id}/reporter"))
        assert body == REPORTER
    for username in ("officer3", "reviewer", "fj_head"):
        body = assert_error(api.get(username, f"/cases/{open_case.id}/reporter"), 403, "forbidden")
        assert not any(s in payload_text_of(body) for s in SECRETS)
    assert_error(api.get("gl_officer", f"/cases/{open_case.id}/reporter"), 404, "not_found")
    events = db.session.execute(db.select(AuditEvent).where(AuditEvent.code == "REPORTER_VIEWED")
                                .order_by(AuditEvent.seq)).scalars().all()
    assert [(e.actor_id, e.case_id) for e in events] == [(people[u].id, open_case.id)
                                                        for u in ("head", "officer", "officer2")]
    assert all(not any(s in (e.summary or "") for s in SECRETS) for e in events)


def test_archivist_may_not_open_the_reporter_of_a_closed_case(api, closed_case):
    assert_error(api.get("archivist", f"/cases/{closed_case.id}/reporter"), 403, "forbidden")
    assert api.ok(api.get("head", f"/cases/{closed_case.id}/reporter"))["name"] == "欧阳保密"


def test_case_without_reporter_is_404_for_allowed_and_403_for_others(api, people, parties):
    case = cases.register_clue(people["officer"], source="data_screening", received_on=today(),
                               summary="数据筛查。", party_id=parties["福州安康门诊部"].id)
    api.sign_in("head", "reviewer")
    before = audit_count()
    assert_error(api.get("head", f"/cases/{case.id}/reporter"), 404, "not_found")
    assert_error(api.get("reviewer", f"/cases/{case.id}/reporter"), 403, "forbidden")
    assert audit_count() == before
    assert api.ok(api.get("head", f"/cases/{case.id}"))["has_reporter"] is False
