"""Content-addressed, write-once object storage behind one interface.

Every object is named by the SHA-256 of its content, stored once (the same content uploaded twice is
one object) and never overwritten or deleted: a name that is referenced from the database always
means the same bytes, and `verify` can prove it by re-hashing. Two backends implement `Store`: the
local filesystem (`LocalStore`, the default, under STORAGE_DIR) and any S3-compatible service
(`S3Store`, when STORAGE_URL is `s3://bucket/prefix?endpoint_url=…&region=…`).
"""
import hashlib
import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from flask import current_app

CHUNK = 1024 * 1024  # streams are read, hashed and written this many bytes at a time
HEX = frozenset("0123456789abcdef")


class UploadRefused(ValueError):
    """A stream was refused before anything was stored; the message is meant for the user."""


class TooLarge(UploadRefused):
    def __init__(self, max_bytes: int):
        super().__init__(f"文件超过大小上限（{_human(max_bytes)}）")
        self.max_bytes = max_bytes


class EmptyUpload(UploadRefused):
    def __init__(self):
        super().__init__("文件为空（0 字节）")


def _human(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} 字节"


def is_object_name(name: str) -> bool:
    """True for a well-formed object name: 64 lowercase hex digits (what SHA-256 hexdigest returns)."""
    return isinstance(name, str) and len(name) == 64 and set(name) <= HEX


def check_name(sha256: str) -> str:
    """Return `sha256` unchanged, or raise ValueError: a malformed name must never become a path or key."""
    if not is_object_name(sha256):
        raise ValueError("invalid object name")
    return sha256


def read_limited(fileobj: BinaryIO, max_bytes: int | None, chunk: int) -> Iterator[bytes]:
    """Yield `fileobj` in chunks of at most `chunk` bytes; raise TooLarge as soon as more than
    `max_bytes` (None: no limit) have been read, EmptyUpload at the end if nothing was."""
    total = 0
    while True:
        block = fileobj.read(chunk)
        if not block:
            break
        total += len(block)
        if max_bytes is not None and total > max_bytes:
            raise TooLarge(max_bytes)
        yield block
    if total == 0:
        raise EmptyUpload()


class Store(ABC):
    """What the application needs from storage. Write-once: there is no delete and no overwrite."""

    @abstractmethod
    def put_stream(self, fileobj: BinaryIO, max_bytes: int | None, chunk: int = CHUNK) -> tuple[str, int]:
        """Store what `fileobj` yields, read and hashed `chunk` bytes at a time (never whole in memory),
        into a temporary object; refuse it (TooLarge, EmptyUpload) with nothing stored; only then move it
        into place under its SHA-256, keeping an existing object of that name. Returns (sha256, size)."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """The object's content as a binary file object (FileNotFoundError when there is none)."""

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """Whether the object is stored (False for a malformed name)."""

    @abstractmethod
    def size(self, sha256: str) -> int:
        """The object's size in bytes (FileNotFoundError when there is none)."""

    @abstractmethod
    def iter_objects(self) -> Iterator[str]:
        """The names of the objects actually stored, in no guaranteed order."""

    def put_bytes(self, data: bytes) -> str:
        """Store bytes already in memory (rendered PDFs, small proofs); returns the SHA-256 name.
        Same rules as put_stream without a size limit: empty content is refused (EmptyUpload)."""
        return self.put_stream(io.BytesIO(data), None)[0]

    def get_bytes(self, sha256: str) -> bytes:
        with self.open(sha256) as fh:
            return fh.read()


# ---------------------------------------------------------------- verification


@dataclass
class Problem:
    kind: str       # "corrupted": content no longer hashes to its name; "missing": referenced, not stored
    sha256: str
    label: str      # what references the object, e.g. "文书 12 行政处罚决定书 榕医保罚〔2025〕1号 PDF"
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return {"corrupted": "损坏", "missing": "缺失"}[self.kind]


@dataclass
class VerifyReport:
    checked: int = 0          # stored objects re-hashed
    referenced: int = 0       # references checked (one per (sha, label) given)
    problems: list[Problem] = field(default_factory=list)

    @property
    def corrupted(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "corrupted"]

    @property
    def missing(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "missing"]

    @property
    def ok(self) -> bool:
        return not self.problems


def hash_object(store: Store, sha256: str, chunk: int = CHUNK) -> str:
    """Re-hash a stored object by streaming it (large evidence never whole in memory)."""
    digest = hashlib.sha256()
    with store.open(sha256) as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify(store: Store, expected: Iterable[tuple[str, str]], progress: Callable[[int], object] | None = None,
           stored: Iterable[str] | None = None) -> VerifyReport:
    """Re-hash every stored object and check that every expected (sha256, label) is stored.

    Reports (a) each stored object whose content no longer hashes to its name, with the labels of
    whatever references it, and (b) each expected object that is not stored, with its label.
    `progress(1)` is called after each object re-hashed (click.progressbar's `update` fits); pass
    `stored` when the names were listed already (to size the progress bar), else the store is listed.
    """
    labels: dict[str, list[str]] = {}
    report = VerifyReport()
    for sha, label in expected:
        labels.setdefault(sha, []).append(label)
        report.referenced += 1
    present = set()
    for sha in (store.iter_objects() if stored is None else stored):
        problem = _check_object(store, sha, labels)
        if problem != "gone":  # gone since it was listed: a reference to it is reported missing below
            present.add(sha)
            report.checked += 1
            if problem:
                report.problems.append(problem)
        if progress is not None:
            progress(1)
    for sha, refs in labels.items():
        if sha not in present:
            report.problems.extend(Problem("missing", sha, label) for label in refs)
    return report


def _check_object(store: Store, sha: str, labels: dict[str, list[str]]) -> Problem | str | None:
    """None when the object hashes to its name, "gone" when it no longer exists, else the problem."""
    try:
        actual = hash_object(store, sha)
    except FileNotFoundError:
        return "gone"
    except OSError as exc:
        return Problem("corrupted", sha, _joined(labels.get(sha)), f"无法读取：{exc}")
    if actual != sha:
        return Problem("corrupted", sha, _joined(labels.get(sha)), f"内容的 SHA-256 为 {actual}")
    return None


def _joined(refs: list[str] | None) -> str:
    return "；".join(refs) if refs else "（未被引用）"


# ---------------------------------------------------------------- the application's store

# the backends subclass Store and use the helpers above, so they are imported after them
from caseflow.storage.local import LocalStore, write_atomically  # noqa: E402


def store_from_url(url: str) -> Store:
    """A store for STORAGE_URL: `s3://bucket/prefix?endpoint_url=…&region=…` or `file:///path`."""
    if url.startswith("s3://"):
        from caseflow.storage.s3 import S3Store
        return S3Store.from_url(url)
    if url.startswith("file://"):
        return LocalStore(url[len("file://"):])
    raise ValueError(f"无法识别的存储地址（STORAGE_URL）：{url}，应为 s3://… 或 file://…")


def get_store() -> Store:
    """The current app's store, built once per app: STORAGE_URL when set, else LocalStore(STORAGE_DIR)."""
    store = current_app.extensions.get("caseflow_store")
    if store is None:
        url = current_app.config.get("STORAGE_URL")
        store = store_from_url(url) if url else LocalStore(current_app.config["STORAGE_DIR"])
        current_app.extensions["caseflow_store"] = store
    return store


__all__ = ["CHUNK", "EmptyUpload", "LocalStore", "Problem", "Store", "TooLarge", "UploadRefused",
           "VerifyReport", "check_name", "get_store", "hash_object", "is_object_name", "store_from_url",
           "verify", "write_atomically"]
