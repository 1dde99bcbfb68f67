"""An administrator adds or edits a jurisdiction profile, validated, without code changes (issue 3)."""
from sqlalchemy import select

from caseflow.audit.models import AuditEvent
from caseflow.extensions import db
from caseflow.rules.profiles import profiles
from tests.integration.test_api_support import Api

FUJIAN = {"extends": "national", "name": "福建省（示例）", "level": "PROV",
          "hearing": {"thresholds": {"citizen": "3000.00", "organisation": "50000.00", "confiscation": False,
                                     "mark": "⚠", "basis": [{"law": "APL", "article": 63, "mark": "✅"}]},
                      "thresholds_note": None}}
S01B = {"subject": "pharmacy", "items": [{"article": "735-38", "amount": "38000.00", "fraud_purpose": False}],
        "circumstances": [], "conduct_ended_on": "2025-01-31", "discovered_on": "2025-03-01",
        "proposed": {"fine": "60000.00"}}


def test_an_admin_adds_a_profile_that_assessments_then_use(client, people):
    api = Api(client, people)
    refused = api.post("officer", "/assessments", {**S01B, "profile": "FJ"})
    assert refused.status_code == 422 and "profile" in refused.get_json()["details"]
    response = client.put("/api/v1/profiles/FJ", json=FUJIAN, headers=api.headers("admin"))
    assert response.status_code == 200, response.get_json()
    assert "FJ" in profiles()
    body = api.ok(api.post("officer", "/assessments", {**S01B, "profile": "FJ"}))
    # a 60,000 fine on an organisation reaches Fujian's 50,000 threshold: a hearing must be offered
    assert body["hearing_right"] is True
    listed = {p["code"]: p for p in api.ok(api.get("officer", "/profiles"))["items"]}
    assert listed["FJ"]["source"] == "admin" and listed["GD-SW"]["source"] == "shipped"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.code == "PROFILE_SAVED")).scalar_one()
    assert "FJ" in event.summary


def test_invalid_profiles_are_refused_field_by_field_and_nothing_is_stored(client, people):
    api = Api(client, people)
    bad = {**FUJIAN, "hearing": {"thresholds": {"citizen": "-5", "organisation": "abc", "confiscation": False,
                                                "mark": "?", "basis": []}}}
    response = client.put("/api/v1/profiles/FJ", json=bad, headers=api.headers("admin"))
    assert response.status_code == 422
    details = response.get_json()["details"]
    assert any("citizen" in key for key in details) and any("organisation" in key for key in details)
    assert "FJ" not in profiles()
    national = client.put("/api/v1/profiles/national", json=FUJIAN, headers=api.headers("admin"))
    assert national.status_code == 422 and "code" in national.get_json()["details"]
    officer = client.put("/api/v1/profiles/FJ", json=FUJIAN, headers=api.headers("officer"))
    assert officer.status_code == 403


def test_a_deactivated_user_cannot_log_in_and_loses_the_api_token(client, people):
    import pytest
    from caseflow.auth.services import deactivate_user
    from caseflow.errors import ValidationFailed
    api = Api(client, people)
    assert api.get("officer3", "/me").status_code == 200
    with pytest.raises(ValidationFailed):
        deactivate_user(people["admin"], people["officer3"].id, "")
    deactivate_user(people["admin"], people["officer3"].id, "调离执法岗位")
    assert api.get("officer3", "/me").status_code == 401
    response = client.post("/login", data={"username": "officer3", "password": "testpass123"})
    assert response.status_code != 302


def test_assess_works_before_the_database_is_migrated(tmp_path):
    """`flask caseflow assess` is a pure calculation: it answers in a fresh checkout with no database yet."""
    import json
    from caseflow import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}", "INSTANCE_DIR": str(tmp_path),
                      "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["caseflow", "assess", "-"], input=json.dumps({**S01B, "profile": "GD-SW"}))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["items"][0]["fine_max"] == "76000.00"
