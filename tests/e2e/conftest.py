"""End-to-end fixtures: the real app served on 127.0.0.1 (a free port) from a background thread, on a copy
of the migrated SQLite template with the demo organisations, users and parties, CSRF enabled as in
production; and Debian's Chromium driven by Playwright (`playwright install` cannot download here)."""
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from caseflow import create_app
from caseflow.config import PROJECT_ROOT
from caseflow.extensions import db

E2E_PASSWORD = "e2e-pass-2026"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Chromium 未安装：端到端测试需要 Debian 的 chromium（PATH 中找不到 `chromium`）。"
                    "请运行 `make test`（它会安装 chromium），或 `apt-get install chromium`。", pytrace=False)
    return path


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class LiveServer:
    password = E2E_PASSWORD  # every demo user's

    def __init__(self, app, url, world):
        self.app, self.url, self.world = app, url, world


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """The app with the demo world, served for a real browser; `world` holds the ids a test needs."""
    path = tmp_path / "e2e.db"
    shutil.copy(sqlite_template, path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "INSTANCE_DIR": str(tmp_path),
                      "STORAGE_DIR": str(tmp_path / "storage"), "SECRET_KEY": "e2e-secret-key",
                      "WTF_CSRF_ENABLED": True})
    with app.app_context():
        from caseflow.auth.services import hash_password
        from caseflow.demo import build_world, parties
        people = build_world(password_hash=hash_password(E2E_PASSWORD))
        world = {"users": {name: u.id for name, u in people.items()},
                 "parties": {p.name: p.id for p in parties()}}
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", world)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def browser(chromium_path):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(15000)
    tab.on("dialog", lambda dialog: dialog.accept())
    yield tab
    context.close()
