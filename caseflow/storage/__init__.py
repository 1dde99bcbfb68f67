"""Content-addressed file storage: every object is named by its SHA-256, written once, atomically
(temporary file in the same directory, fsync, rename, fsync of the directory), never overwritten."""
import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


def write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to `target` so that a reader sees the old file or the whole new one, never a part:
    a temporary file in the same directory, fsync, rename, fsync of the directory."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class LocalStore:
    def __init__(self, root):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("invalid object name")
        return self.root / "objects" / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            return sha  # same content, same name: written once
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)
        return sha

    def get_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


def get_store() -> LocalStore:
    store = current_app.extensions.get("caseflow_store")
    if store is None:
        store = LocalStore(current_app.config["STORAGE_DIR"])
        current_app.extensions["caseflow_store"] = store
    return store
