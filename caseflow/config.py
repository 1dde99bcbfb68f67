"""Settings, read from CASEFLOW_* environment variables when the app is created (never at import)."""
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_dir: Path) -> str:
    """Return the deployment's secret key, generating it once into instance/ when none is configured.

    There is deliberately no hard-coded default: a leaked default would let anyone forge sessions.
    """
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return key


def load_settings(overrides=None) -> dict:
    """Build the Flask config mapping from the environment, then apply `overrides`."""
    overrides = dict(overrides or {})
    env = os.environ
    instance_dir = Path(overrides.get("INSTANCE_DIR") or env.get("CASEFLOW_INSTANCE_DIR") or PROJECT_ROOT / "instance")
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or env.get("CASEFLOW_DATABASE_URL") \
        or f"sqlite:///{instance_dir / 'caseflow.db'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    settings = {
        "INSTANCE_DIR": str(instance_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_DIR": env.get("CASEFLOW_STORAGE_DIR") or str(instance_dir / "storage"),
        # s3://bucket/prefix?endpoint_url=…&region=… for an S3-compatible store; unset: STORAGE_DIR
        "STORAGE_URL": env.get("CASEFLOW_STORAGE_URL") or None,
        "EVIDENCE_MAX_UPLOAD": int(env.get("CASEFLOW_EVIDENCE_MAX_UPLOAD", str(200 * 1024 * 1024))),
        "ARCHIVE_BORROW_MAX_DAYS": int(env.get("CASEFLOW_ARCHIVE_BORROW_MAX_DAYS", "30")),
        "WORKFLOWS_DIR": str(PROJECT_ROOT / "workflows"),
        "DOCUMENT_TEMPLATES_DIR": str(PROJECT_ROOT / "document_templates"),
        # the address printed under the QR code of every issued document (/verify/<code>)
        "PUBLIC_URL": env.get("CASEFLOW_PUBLIC_URL", "http://127.0.0.1:5000"),
        # render the PDF when a document is issued (default); off: rendered from the frozen snapshot on
        # first use or by `flask caseflow documents render-pending` (bulk loads such as the demo)
        "RENDER_ON_ISSUE": env.get("CASEFLOW_RENDER_ON_ISSUE", "1") not in ("0", "false", "no"),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "TIMEZONE": "Asia/Shanghai",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_MAX_FAILURES": int(env.get("CASEFLOW_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(env.get("CASEFLOW_LOGIN_LOCK_MINUTES", "15")),
        "PAGE_SIZE": 20,
        # behind a reverse proxy, take the client address from X-Forwarded-For (audit client_addr)
        "PROXY_FIX": env.get("CASEFLOW_PROXY_FIX", "") in ("1", "true", "yes"),
        # a deadline this many working days away or fewer is shown as due soon (超期预警)
        "DUE_SOON_WORKING_DAYS": int(env.get("CASEFLOW_DUE_SOON_WORKING_DAYS", "3")),
    }
    if not database_url.startswith("sqlite"):
        # enough connections for every server thread (gunicorn threads, waitress threads)
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": int(env.get("CASEFLOW_DB_POOL_SIZE", "20")),
                                                 "max_overflow": 10, "pool_pre_ping": True}
    settings.update(overrides)
    if "SECRET_KEY" not in settings:
        settings["SECRET_KEY"] = env.get("CASEFLOW_SECRET_KEY") or _secret_key(instance_dir)
    return settings
