"""API authentication: tokens, sessions, 401 for missing, wrong or inactive credentials."""
import pytest
from test_api_support import assert_error
from conftest import TEST_PASSWORD

from caseflow.auth import services as auth


def _token(client, username, password=TEST_PASSWORD):
    return client.post("/api/v1/tokens", json={"username": username, "password": password})


def _deactivate(people, username):
    user = people[username]
    auth.update_user(people["admin"], user.id, {
        "name": user.name, "roles": sorted(user.roles), "credential_no": user.credential_no,
        "credential_valid_from": user.credential_valid_from,
        "credential_valid_until": user.credential_valid_until, "active": False})


def test_token_is_issued_for_a_password_and_used_as_bearer(client, people):
    response = _token(client, "officer")
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["username"] == "officer" and body["user"]["name"] == "林志远"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["organisation"]["name"] == "福州市医疗保障局"
    assert {r["role"] for r in me.get_json()["roles"]} == {"officer"}


def test_a_new_token_replaces_the_old_one(client, people):
    first = _token(client, "head").get_json()["token"]
    second = _token(client, "head").get_json()["token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    old = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
    assert_error(old, 401, "not_authenticated")


@pytest.mark.parametrize("username,password", [("officer", "wrong-password"), ("nobody", TEST_PASSWORD)])
def test_wrong_credentials_are_401(client, people, username, password):
    body = assert_error(_token(client, username, password), 401, "not_authenticated")
    assert "用户名或密码错误" in body["message"]


def test_repeated_failures_lock_the_account(app, client, people):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _token(client, "officer2", "wrong-password").status_code == 401
    body = assert_error(_token(client, "officer2"), 403, "forbidden")
    assert "锁定" in body["message"]


def test_token_request_must_be_a_json_object_with_both_fields(client, people):
    body = assert_error(client.post("/api/v1/tokens", data="username=officer", content_type="text/plain"),
                        400, "bad_request")
    assert "JSON" in body["message"]
    assert_error(client.post("/api/v1/tokens", json=["officer", TEST_PASSWORD]), 400, "bad_request")
    body = assert_error(client.post("/api/v1/tokens", json={"username": "officer"}), 422, "validation_failed")
    assert body["details"] == {"password": "此项为必填项"}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-real-token", "Basic b2ZmaWNlcjpwYXNz",
                                   "Token abc"])
def test_requests_without_valid_credentials_are_401(client, people, header):
    headers = {"Authorization": header} if header is not None else {}
    for url in ("/api/v1/cases", "/api/v1/clues", "/api/v1/parties", "/api/v1/cases/1"):
        response = client.get(url, headers=headers)
        assert_error(response, 401, "not_authenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.post("/api/v1/cases/1/transitions", headers=headers,
                             json={"trigger": "propose_filing", "version": 1, "data": {}}), 401)


def test_inactive_users_are_refused_by_token_and_by_password(client, people):
    token = _token(client, "officer3").get_json()["token"]
    _deactivate(people, "officer3")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "not_authenticated")
    assert_error(_token(client, "officer3"), 401, "not_authenticated")


def _log_in_session(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def test_browser_session_authenticates_and_writes_need_json(client, people, parties):
    _log_in_session(client, people["officer"])
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["username"] == "officer"
    assert client.get("/api/v1/cases").status_code == 200
    # a cross-site HTML form cannot send JSON: form-encoded writes are refused
    form = client.post("/api/v1/clues", data={"source": "complaint"})
    assert_error(form, 400, "bad_request")


def test_session_of_a_deactivated_user_is_401(client, people):
    _log_in_session(client, people["officer2"])
    _deactivate(people, "officer2")
    assert_error(client.get("/api/v1/cases"), 401, "not_authenticated")


def test_a_wrong_token_is_refused_even_with_a_session(client, people):
    _log_in_session(client, people["officer"])
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"}), 401)


def test_unknown_paths_and_methods_answer_json(client, people):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    token = _token(client, "officer").get_json()["token"]
    assert_error(client.delete("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}), 405,
                 "method_not_allowed")
