"""An S3-compatible store (AWS S3, MinIO, Ceph …) through boto3: key <prefix>/objects/<ab>/<rest>.

Configured by STORAGE_URL `s3://bucket/prefix?endpoint_url=http://host:9000&region=…` (optionally
`&addressing_style=path|virtual|auto`; path-style by default with an endpoint_url, as S3-compatible
servers expect); credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_PROFILE …), never from the URL. A stream is hashed while it is copied into a local spooled
temporary file (memory up to `spool_max`, then disk), so the name is known and the limits are checked
before anything reaches the bucket; S3 makes an uploaded object visible whole or not at all.
"""
import hashlib
import tempfile
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import parse_qsl, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from caseflow.storage import CHUNK, Store, check_name, is_object_name, read_limited

URL_PARAMS = {"endpoint_url", "region", "addressing_style"}
NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def _not_found(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in NOT_FOUND


class S3Store(Store):
    spool_max = 8 * 1024 * 1024  # bytes of an upload kept in memory before the spool moves to disk

    def __init__(self, bucket: str, prefix: str = "", client=None, **client_kwargs):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.root = f"{self.prefix}/objects/" if self.prefix else "objects/"
        self.client = client if client is not None else boto3.client("s3", **client_kwargs)

    @classmethod
    def from_url(cls, url: str) -> "S3Store":
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"存储地址应为 s3://存储桶/前缀?endpoint_url=…&region=…：{url}")
        params = dict(parse_qsl(parts.query))
        unknown = sorted(set(params) - URL_PARAMS)
        if unknown:
            raise ValueError(f"存储地址含无法识别的参数：{'、'.join(unknown)}（可用：{'、'.join(sorted(URL_PARAMS))}）")
        kwargs = {}
        if params.get("endpoint_url"):
            kwargs["endpoint_url"] = params["endpoint_url"]
        if params.get("region"):
            kwargs["region_name"] = params["region"]
        style = params.get("addressing_style") or ("path" if "endpoint_url" in kwargs else None)
        if style:
            kwargs["config"] = Config(s3={"addressing_style": style})
        return cls(parts.netloc, parts.path, **kwargs)

    def key(self, sha256: str) -> str:
        check_name(sha256)
        return f"{self.root}{sha256[:2]}/{sha256[2:]}"

    def _head(self, sha256: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _not_found(exc):
                return None
            raise

    def exists(self, sha256: str) -> bool:
        return is_object_name(sha256) and self._head(sha256) is not None

    def size(self, sha256: str) -> int:
        head = self._head(sha256)
        if head is None:
            raise FileNotFoundError(self.key(sha256))
        return head["ContentLength"]

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        except ClientError as exc:
            if _not_found(exc):
                raise FileNotFoundError(self.key(sha256)) from exc
            raise

    def _spool(self):
        return tempfile.SpooledTemporaryFile(max_size=self.spool_max)

    def put_stream(self, fileobj: BinaryIO, max_bytes: int | None, chunk: int = CHUNK) -> tuple[str, int]:
        spool = self._spool()
        try:
            digest, size = hashlib.sha256(), 0
            for block in read_limited(fileobj, max_bytes, chunk):
                digest.update(block)
                spool.write(block)
                size += len(block)
            sha = digest.hexdigest()
            if self._head(sha) is None:  # write-once: an object of that name is kept as it is
                spool.seek(0)
                self.client.upload_fileobj(spool, self.bucket, self.key(sha), ExtraArgs={
                    "ContentType": "application/octet-stream", "Metadata": {"sha256": sha}})
            return sha, size
        finally:
            spool.close()

    def iter_objects(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.root)
        for page in pages:
            for item in page.get("Contents", ()):
                head, _, rest = item["Key"][len(self.root):].partition("/")
                if len(head) == 2 and is_object_name(head + rest):
                    yield head + rest
