"""Logging in and out of the web UI: messages, throttling, CSRF, the navigation bar."""
import re

from conftest import TEST_PASSWORD, login, make_app

from caseflow.extensions import db


def text(response) -> str:
    return response.get_data(as_text=True)


def test_pages_need_a_login(client, people):
    response = client.get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    page = text(client.get(response.headers["Location"]))
    assert "请先登录" in page
    assert "用户登录" in page


def test_login_shows_name_organisation_roles_and_links_for_the_role(client, people):
    response = login(client, "officer")
    assert response.headers["Location"].endswith("/")
    page = text(client.get("/"))
    assert "林志远" in page and "福州市医保局" in page and "执法人员" in page
    assert "我的待办" in page and "登记线索" in page and "案件列表" in page
    assert "用户管理" not in page and "法制审核</a>" not in page

    login(client, "head")
    page = text(client.get("/"))
    assert "王海峰" in page and "负责人" in page and "审批事项" in page and "登记线索" not in page


def test_login_returns_to_the_page_asked_for(client, people):
    response = client.post("/login?next=/cases", data={"username": "officer", "password": TEST_PASSWORD})
    assert response.headers["Location"].endswith("/cases")
    response = client.post("/login?next=https://evil.example/", data={"username": "officer", "password": TEST_PASSWORD})
    assert response.headers["Location"].endswith("/")


def test_wrong_password_is_refused_in_chinese_and_keeps_the_username(client, people):
    response = client.post("/login", data={"username": "officer", "password": "wrong-password"})
    assert response.status_code == 422
    page = text(response)
    assert "用户名或密码错误" in page
    assert 'value="officer"' in page


def test_repeated_failures_lock_the_account(app, client, people):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert client.post("/login", data={"username": "officer2", "password": "nope-nope"}).status_code == 422
    response = client.post("/login", data={"username": "officer2", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "账号已锁定" in text(response)
    # another account is not affected
    login(client, "officer")


def test_logout_is_a_post_and_ends_the_session(client, people):
    login(client, "officer")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert "您已安全退出" in text(client.get("/login"))
    assert client.get("/").status_code == 302


def test_admin_lands_on_administration(client, people):
    login(client, "admin")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    page = text(client.get("/admin/users"))
    assert "用户管理" in page and "单位管理" in page and "节假日安排" in page and "我的待办" not in page


def test_security_headers_and_local_assets(client, people):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    page = text(response)
    assert "/assets/css/app.css" in page and "/assets/js/app.js" in page
    assert "http://" not in page and "https://" not in page  # nothing from outside (no CDN)
    assert client.get("/assets/css/app.css").status_code == 200
    assert client.get("/assets/js/app.js").status_code == 200


def test_with_csrf_enabled_a_post_without_token_is_refused(backend, request, tmp_path, password_hash):
    """The real configuration: every form POST needs the CSRF token of the session."""
    app = make_app(backend, request, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        from caseflow.demo import build_world
        build_world(password_hash=password_hash)
        client = app.test_client()
        response = client.post("/login", data={"username": "officer", "password": TEST_PASSWORD})
        assert response.status_code == 400
        assert "安全令牌" in text(response)

        token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/login"))).group(1)
        response = client.post("/login", data={"username": "officer", "password": TEST_PASSWORD, "csrf_token": token})
        assert response.status_code == 303
        # a logged-in user's form POST without the token is refused too, and nothing is registered
        response = client.post("/onsite/new", data={"party_id": "1", "summary": "现场发现"})
        assert response.status_code == 400
        from caseflow.cases.models import Case
        assert db.session.query(Case).count() == 0
        db.session.remove()
        db.engine.dispose()
