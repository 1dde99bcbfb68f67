"""The content-addressed store, local and S3 (under moto), held to the same rules: content named by its
SHA-256 computed while streaming, duplicates stored once, write-once, size limits and empty uploads
refused with nothing stored, an upload failing midway leaving nothing behind; and the verifier."""
import hashlib
import io
import os

import boto3
import pytest
from flask import Flask
from moto import mock_aws

from caseflow.storage import (CHUNK, EmptyUpload, LocalStore, TooLarge, UploadRefused, get_store,
                              store_from_url, verify)
from caseflow.storage.s3 import S3Store

BUCKET = "caseflow-test"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def aws_env(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, aws_env):
    if request.param == "local":
        yield LocalStore(tmp_path / "storage")
        return
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        s3 = S3Store.from_url(f"s3://{BUCKET}/prod/files?region=us-east-1")
        s3.spool_max = 64 * 1024  # larger uploads roll over to a temporary file on disk
        s3.spools = []
        make_spool = s3._spool

        def tracked_spool():
            spool = make_spool()
            s3.spools.append(spool)
            return spool
        s3._spool = tracked_spool
        yield s3


def leftovers(store) -> list[str]:
    """Everything the store holds or keeps open: files under a local root (objects and temporary files
    alike), keys in the bucket and spools not closed for S3."""
    if isinstance(store, LocalStore):
        return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())
    keys = [o["Key"] for o in store.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return sorted(keys) + [f"open spool {s!r}" for s in store.spools if not s.closed]


def tamper(store, name: str, content: bytes):
    """Replace an object's content behind the store's back (disk damage, an operator's mistake)."""
    if isinstance(store, LocalStore):
        store.path(name).write_bytes(content)
    else:
        store.client.put_object(Bucket=BUCKET, Key=store.key(name), Body=content)


class Recording(io.BytesIO):
    """A source stream that records the size of every read asked of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.reads = []

    def read(self, n=-1):
        self.reads.append(n)
        return super().read(n)


class Endless(io.RawIOBase):
    """A source stream that never ends, or raises `fail_after` bytes in, like a client whose connection
    drops midway."""

    def __init__(self, fail_after=None):
        self.fail_after, self.pos = fail_after, 0

    def readable(self):
        return True

    def read(self, n=-1):
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise ConnectionResetError("connection reset by peer")
        self.pos += n
        return b"e" * n


# ---------------------------------------------------------------- storing


def test_put_bytes_names_by_sha256_and_stores_duplicates_once(store):
    data = "行政处罚决定书".encode() * 100
    name = store.put_bytes(data)
    assert name == sha(data)
    assert store.put_bytes(data) == name
    assert list(store.iter_objects()) == [name]
    assert store.exists(name) and store.size(name) == len(data)
    assert store.get_bytes(name) == data
    with store.open(name) as fh:
        assert fh.read() == data
    other = store.put_bytes(b"another")
    assert sorted(store.iter_objects()) == sorted([name, other])


def test_put_stream_hashes_while_streaming_in_bounded_chunks(store):
    data = os.urandom(3 * CHUNK + 12345)
    source = Recording(data)
    name, size = store.put_stream(source, max_bytes=10 * CHUNK)
    assert (name, size) == (sha(data), len(data))
    assert max(source.reads) == CHUNK  # read 1 MiB at a time, never the whole file at once
    assert store.get_bytes(name) == data
    small = Recording(data[:100_000])
    assert store.put_stream(small, max_bytes=None, chunk=4096) == (sha(data[:100_000]), 100_000)
    assert max(small.reads) == 4096
    assert store.put_stream(io.BytesIO(data), max_bytes=len(data)) == (name, len(data))  # dedupe by hash
    assert sorted(store.iter_objects()) == sorted([name, sha(data[:100_000])])
    assert len(leftovers(store)) == 2  # the two objects, no temporary file, no open spool


def test_the_size_limit_is_inclusive_and_an_oversize_stream_stores_nothing(store):
    data = b"%PDF-1.7 " + b"0" * 1000
    assert store.put_stream(io.BytesIO(data), max_bytes=len(data))[1] == len(data)
    store_name = sha(data)
    with pytest.raises(TooLarge) as refused:
        store.put_stream(io.BytesIO(data + b"!"), max_bytes=len(data))
    assert isinstance(refused.value, UploadRefused) and isinstance(refused.value, ValueError)
    assert "大小上限" in str(refused.value)
    assert list(store.iter_objects()) == [store_name]
    assert len(leftovers(store)) == 1


def test_an_endless_stream_is_cut_off_at_the_limit(store):
    source = Endless()
    with pytest.raises(TooLarge):
        store.put_stream(source, max_bytes=5 * CHUNK)
    assert source.pos <= 6 * CHUNK  # stopped reading right after the limit
    assert leftovers(store) == []


def test_empty_uploads_are_refused(store):
    with pytest.raises(EmptyUpload, match="文件为空"):
        store.put_stream(io.BytesIO(b""), max_bytes=100)
    with pytest.raises(EmptyUpload):
        store.put_bytes(b"")
    assert leftovers(store) == []


def test_a_stream_failing_midway_leaves_nothing(store):
    source = Endless(fail_after=2 * CHUNK + 10)
    with pytest.raises(ConnectionResetError):
        store.put_stream(source, max_bytes=None)
    assert source.pos > CHUNK  # it did fail midway, after writing part of the content
    assert leftovers(store) == []


def test_objects_are_written_once_never_overwritten(store):
    data = b"original evidence"
    name = store.put_bytes(data)
    tamper(store, name, b"damaged")
    assert store.put_bytes(data) == name
    assert store.put_stream(io.BytesIO(data), max_bytes=None) == (name, len(data))
    assert store.get_bytes(name) == b"damaged"  # kept as it was: verify reports it, a re-upload hides nothing
    assert not hasattr(store, "delete")


def test_malformed_and_unknown_names(store):
    for bad in ("../../etc/passwd", "A" * 64, "g" * 64, "ab", ""):
        assert not store.exists(bad)
        with pytest.raises(ValueError):
            store.open(bad)
    unknown = sha(b"never stored")
    assert not store.exists(unknown)
    with pytest.raises(FileNotFoundError):
        store.open(unknown)
    with pytest.raises(FileNotFoundError):
        store.size(unknown)


def test_iter_objects_lists_only_objects(store):
    name = store.put_bytes(b"real")
    if isinstance(store, LocalStore):
        (store.objects_dir / ".upload-abandoned").write_bytes(b"partial")
        (store.objects_dir / "zz").mkdir()
        (store.objects_dir / "zz" / "notes.txt").write_bytes(b"stray")
        (store.root / "README").write_bytes(b"stray")
    else:
        strays = ("prod/files/objects/zz/notes.txt", "prod/files/README", f"other/objects/{name[:2]}/{name[2:]}")
        for key in strays:
            store.client.put_object(Bucket=BUCKET, Key=key, Body=b"stray")
    assert list(store.iter_objects()) == [name]


# ---------------------------------------------------------------- backend specifics


def test_local_layout_and_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    store = LocalStore(tmp_path)
    name = store.put_bytes(b"pdf")
    assert store.path(name) == tmp_path / "objects" / name[:2] / name[2:]
    inode = store.path(name).stat().st_ino
    store.put_bytes(b"pdf")
    assert store.path(name).stat().st_ino == inode  # not replaced by an identical copy

    def crash(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put_bytes(b"second")
    assert leftovers(store) == [f"objects/{name[:2]}/{name[2:]}"]


def test_s3_layout_and_url(aws_env):
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        store = S3Store.from_url(f"s3://{BUCKET}/?region=us-east-1")
        name = store.put_bytes(b"pdf")
        head = store.client.head_object(Bucket=BUCKET, Key=f"objects/{name[:2]}/{name[2:]}")
        assert head["Metadata"]["sha256"] == name
    url = "s3://archive/caseflow/prod/?endpoint_url=http://minio.local:9000&region=cn-east-1"
    store = S3Store.from_url(url)
    assert (store.bucket, store.prefix, store.root) == ("archive", "caseflow/prod", "caseflow/prod/objects/")
    assert store.client.meta.endpoint_url == "http://minio.local:9000"
    assert store.client.meta.region_name == "cn-east-1"
    assert store.client.meta.config.s3["addressing_style"] == "path"
    assert store.key("ab" + "c" * 62) == "caseflow/prod/objects/ab/" + "c" * 62
    with pytest.raises(ValueError, match="无法识别的参数"):
        S3Store.from_url("s3://archive/x?secret_key=oops")
    with pytest.raises(ValueError):
        S3Store.from_url("s3:///no-bucket")


def test_get_store_follows_the_config_and_is_cached_per_app(tmp_path, aws_env):
    app = Flask(__name__)
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")
    with app.app_context():
        store = get_store()
        assert isinstance(store, LocalStore) and store.root == tmp_path / "storage"
        assert get_store() is store
    other = Flask(__name__)
    other.config.update(STORAGE_DIR=str(tmp_path), STORAGE_URL="s3://files/caseflow?region=us-east-1")
    with other.app_context():
        s3 = get_store()
        assert isinstance(s3, S3Store) and (s3.bucket, s3.prefix) == ("files", "caseflow")
        assert get_store() is s3
    assert isinstance(store_from_url(f"file://{tmp_path}"), LocalStore)
    with pytest.raises(ValueError, match="无法识别的存储地址"):
        store_from_url("ftp://example.org/files")


# ---------------------------------------------------------------- verification


def test_verify_reports_corrupted_and_missing_objects_with_their_labels(store):
    good = store.put_bytes(b"intact")
    damaged = store.put_bytes(b"will be damaged")
    stray = store.put_stream(io.BytesIO(b"x" * (3 * CHUNK)), max_bytes=None)[0]
    absent = sha(b"lost")
    calls = []
    expected = [(good, "文书 1 立案审批表 PDF"), (damaged, "文书 2 行政处罚决定书 榕医保罚〔2025〕1号 PDF"),
                (absent, "送达记录 3 送达凭证")]
    report = verify(store, expected, progress=calls.append)
    assert calls == [1, 1, 1] and report.checked == 3 and report.referenced == 3
    assert [(p.kind, p.sha256, p.label) for p in report.problems] == [("missing", absent, "送达记录 3 送达凭证")]

    tamper(store, damaged, b"will be damagee")
    tamper(store, stray, b"y")
    report = verify(store, expected)
    assert not report.ok and report.checked == 3 and report.referenced == 3
    assert {(p.sha256, p.label) for p in report.corrupted} == {
        (damaged, "文书 2 行政处罚决定书 榕医保罚〔2025〕1号 PDF"), (stray, "（未被引用）")}
    assert [(p.sha256, p.label) for p in report.missing] == [(absent, "送达记录 3 送达凭证")]
    assert all(p.kind_label == "损坏" for p in report.corrupted) and report.missing[0].kind_label == "缺失"
    assert verify(store, [(good, "文书 1")]).corrupted  # unreferenced damage is still damage
    assert verify(store, [(good, "文书 1")], stored=[good]).ok  # only the names given are re-hashed


def test_verify_counts_unreadable_objects_and_ones_gone_since_listed(tmp_path):
    store = LocalStore(tmp_path)
    locked, vanished = store.put_bytes(b"locked"), store.put_bytes(b"vanished")

    class Flaky(LocalStore):
        def open(self, name):
            if name == locked:
                raise PermissionError("permission denied")
            return super().open(name)
    flaky = Flaky(tmp_path)
    store.path(vanished).unlink()
    report = verify(flaky, [(vanished, "文书 5")], stored=[locked, vanished])
    assert report.checked == 1
    assert [(p.kind, p.sha256) for p in report.problems] == [("corrupted", locked), ("missing", vanished)]
    assert "无法读取" in report.problems[0].detail
