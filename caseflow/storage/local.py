"""The local filesystem store (the default): objects/<ab>/<rest of the SHA-256> under its root.

Crash-safe writes: content goes to a temporary file in objects/ (the same filesystem as its final
place, so the rename is atomic), is fsynced, renamed into place with os.replace and the directory
fsynced; a reader sees no object or the whole object, never a part. A refused or failed write removes
its temporary file before the error propagates. (A process killed outright can leave a `.upload-*`
file in objects/; it is never taken for an object and may be removed.)
"""
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from caseflow.storage import CHUNK, HEX, Store, check_name, is_object_name, read_limited

TEMP_PREFIX = ".upload-"


def _fsync_dir(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


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
    _fsync_dir(target.parent)


class LocalStore(Store):
    def __init__(self, root):
        self.root = Path(root)

    @property
    def objects_dir(self) -> Path:
        return self.root / "objects"

    def path(self, sha256: str) -> Path:
        """Where the object lives on disk (ValueError for a malformed name, so none can escape the root)."""
        check_name(sha256)
        return self.objects_dir / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return is_object_name(sha256) and self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def put_stream(self, fileobj: BinaryIO, max_bytes: int | None, chunk: int = CHUNK) -> tuple[str, int]:
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.objects_dir, prefix=TEMP_PREFIX)
        try:
            digest, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as fh:
                for block in read_limited(fileobj, max_bytes, chunk):
                    digest.update(block)
                    fh.write(block)
                    size += len(block)
                fh.flush()
                os.fsync(fh.fileno())
            sha = digest.hexdigest()
            self._move_into_place(tmp, self.path(sha))
            return sha, size
        finally:
            if os.path.exists(tmp):  # refused, failed, or the object was already stored
                os.unlink(tmp)

    def _move_into_place(self, tmp: str, target: Path) -> None:
        """Rename the finished temporary file to `target` unless an object is there already (write-once:
        the existing one is kept; with the same name it holds the same content, or verify will say not)."""
        if target.is_file():
            return
        if not target.parent.is_dir():
            target.parent.mkdir(exist_ok=True)
            _fsync_dir(self.objects_dir)
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    def iter_objects(self) -> Iterator[str]:
        if not self.objects_dir.is_dir():
            return
        for sub in sorted(os.scandir(self.objects_dir), key=lambda e: e.name):
            if len(sub.name) != 2 or not set(sub.name) <= HEX or not sub.is_dir():
                continue
            for entry in sorted(os.scandir(sub.path), key=lambda e: e.name):
                if entry.is_file() and is_object_name(sub.name + entry.name):
                    yield sub.name + entry.name
