"""The assessment and time-limit services answer identically over the API and the CLI."""
import json

import pytest

from tests.integration.test_api_support import Api

S01B = {"profile": "GD-SW", "subject": "pharmacy",
        "items": [{"article": "735-38", "amount": "38000.00", "fraud_purpose": False}],
        "circumstances": ["first_violation", "cooperated", "refunded_voluntarily"],
        "conduct_ended_on": "2025-01-31", "discovered_on": "2025-03-01", "proposed": {"fine": "40000.00"}}
S01 = {**S01B, "items": [{"article": "735-40", "amount": "38000.00", "fraud_purpose": True},
                         {"article": "SIL-87", "amount": "38000.00", "fraud_purpose": True}]}


@pytest.fixture
def api(client, people):
    return Api(client, people)


def _cli(app, command, payload):
    result = app.test_cli_runner().invoke(args=["caseflow", command, "-"], input=json.dumps(payload))
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize("payload", [S01B, S01], ids=["S01b", "S01"])
def test_assessment_api_equals_cli(app, api, payload):
    response = api.post("officer", "/assessments", payload)
    assert response.status_code == 200, response.get_json()
    code, cli = _cli(app, "assess", payload)
    assert code == 0
    assert response.get_json() == cli


def test_s01b_range_over_the_api(api):
    body = api.post("officer", "/assessments", S01B).get_json()
    assert (body["items"][0]["fine_min"], body["items"][0]["fine_max"]) == ("38000.00", "76000.00")
    assert body["proposed_check"]["within_range"] is True


def test_invalid_assessment_names_the_field_like_the_cli(app, api):
    bad = {"subject": "spaceship", "items": []}
    response = api.post("officer", "/assessments", bad)
    assert response.status_code == 422
    code, cli = _cli(app, "assess", bad)
    assert code == 1
    assert response.get_json()["details"] == cli["details"]
    assert "subject" in cli["details"]


def test_timelimit_api_equals_cli(app, api):
    payload = {"kind": "decision", "start": "2025-01-06"}
    response = api.post("officer", "/timelimits", payload)
    code, cli = _cli(app, "timelimit", payload)
    assert response.status_code == 200 and code == 0
    assert response.get_json() == cli
    assert cli["due"] == "2025-04-07"


def test_assessment_needs_login(client):
    response = client.post("/api/v1/assessments", json=S01B)
    assert response.status_code == 401
    assert response.get_json()["error"] == "not_authenticated"
