"""Fixtures: an app on SQLite always, and on PostgreSQL too when CASEFLOW_TEST_DATABASE_URL is set.

Every test that takes `app` (or `people`, `client` …) runs once per backend. SQLite gets a copy of a
migrated template file per test; PostgreSQL is migrated once per run and truncated between tests.
The schema always comes from the real Alembic migrations, never from create_all().
Under pytest-xdist (`make test` runs two workers) each worker gets its own PostgreSQL database, created beside the
one CI hands over and dropped at the end of the run.
"""
import os
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from caseflow import create_app
from caseflow.extensions import db

PG_URL = os.environ.get("CASEFLOW_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_PASSWORD = "testpass123"


def pytest_report_header(config):
    if PG_URL:
        return f"database backends: sqlite, postgresql ({PG_URL.rsplit('/', 1)[-1]})"
    return "database backends: sqlite only (set CASEFLOW_TEST_DATABASE_URL to run every database test on PostgreSQL too)"


def _settings(uri, instance_dir, **extra):
    return {"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_DIR": str(instance_dir), "SECRET_KEY": "test-secret-key",
            "TESTING": True, "WTF_CSRF_ENABLED": False, "STORAGE_DIR": str(instance_dir / "storage"),
            "SQLITE_EXTRA_PRAGMAS": ("synchronous=OFF",),
            # documents issued while driving cases are frozen but rendered on first use; the document
            # tests switch rendering on issue back on (rendering_app)
            "RENDER_ON_ISSUE": False, **extra}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    app = create_app(_settings(f"sqlite:///{path}", folder))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


def _admin_engine(url):
    from sqlalchemy import create_engine
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory, worker_id):
    if not PG_URL:
        pytest.skip("CASEFLOW_TEST_DATABASE_URL is not set")
    url = PG_URL
    if worker_id != "master":
        base, name = PG_URL.rsplit("/", 1)
        url = f"{base}/{name}_{worker_id}"
        admin = _admin_engine(PG_URL)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_{worker_id}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}_{worker_id}"'))
    folder = tmp_path_factory.mktemp("pg")
    app = create_app(_settings(url, folder))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    if worker_id != "master":
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_{worker_id}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def worker_id(request):
    """pytest-xdist's worker name ("gw0", "gw1" …), or "master" when the suite runs in one process."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "master"


def _truncate_postgres():
    tables = [t.name for t in db.metadata.sorted_tables]
    # the audit trail refuses TRUNCATE too; between tests (as the owner) the trigger is set aside for a moment
    db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate"))
    db.session.execute(text("TRUNCATE TABLE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
    db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate"))
    db.session.commit()


@pytest.fixture(scope="session")
def password_hash():
    from caseflow.auth.services import hash_password
    return hash_password(TEST_PASSWORD)


def make_app(backend, request, tmp_path, **extra):
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        uri = f"sqlite:///{path}"
    else:
        uri = request.getfixturevalue("pg_url")
    app = create_app(_settings(uri, tmp_path, **extra))
    if backend == "postgresql":
        with app.app_context():
            _truncate_postgres()
    return app


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(backend, request, tmp_path):
    app = make_app(backend, request, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def people(app, password_hash):
    """Demo organisations, users of every role and parties; users by username (password TEST_PASSWORD)."""
    from caseflow.demo import build_world
    return build_world(password_hash=password_hash)


@pytest.fixture
def parties(people):
    from caseflow.demo import parties as all_parties
    return {p.name: p for p in all_parties()}


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username, password=TEST_PASSWORD):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response
