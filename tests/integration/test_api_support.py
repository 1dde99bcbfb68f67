"""Helpers shared by the API tests (tests/integration/test_api_*.py). This module holds no tests."""
import json
import re
from datetime import date

from sqlalchemy import func, select

from caseflow.audit.models import AuditEvent
from caseflow.auth.services import issue_token
from caseflow.cases import services as cases
from caseflow.extensions import db

ERROR_KEYS = {"error", "message", "details"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class Api:
    """The test client with a bearer token per user (issued once per test through the service)."""

    def __init__(self, client, people):
        self.client, self.people, self._tokens = client, people, {}

    def sign_in(self, *usernames):
        """Issue the tokens now (each issue is audited), e.g. before counting audit events."""
        for username in usernames:
            self.headers(username)

    def headers(self, username):
        if username not in self._tokens:
            user = self.people[username]
            self._tokens[username] = issue_token(user, user.id)
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def get(self, username, url, **kwargs):
        return self.client.get(f"/api/v1{url}", headers=self.headers(username), **kwargs)

    def post(self, username, url, payload=None, **kwargs):
        if "data" not in kwargs:
            kwargs["json"] = payload
        return self.client.post(f"/api/v1{url}", headers=self.headers(username), **kwargs)

    def ok(self, response, status=200):
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response.get_json()


def assert_error(response, status, code=None) -> dict:
    """The error shape of every API failure: exactly error, message (Chinese) and details (an object)."""
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and CHINESE.search(body["message"]), body["message"]
    assert isinstance(body["details"], dict)
    if code is not None:
        assert body["error"] == code, body
    return body


def payload_text(response) -> str:
    """The decoded JSON payload as text (Chinese unescaped), to search for what must not be there."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def audit_count(**where) -> int:
    stmt = select(func.count()).select_from(AuditEvent)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    return db.session.execute(stmt).scalar_one()


def register(people, party, received_on: date, *, by="officer", reporter=None, summary=None):
    """A clue registered through the service on its day of receipt (for cases driven from the past)."""
    return cases.register_clue(people[by], source="complaint", received_on=received_on,
                               summary=summary or f"关于{party.name}的线索。", party_id=party.id,
                               reporter=reporter, on=received_on)
