"""Uploads that go straight to the object store (protocol §3.2–3.3).

With an ``s3://`` data URL the upload URL a client gets is S3's own
presigned POST, so a file's bytes never pass through an API process. The
client's side is the same as for our own upload route: it POSTs the fields
and then the file as ``multipart/form-data`` and wants a 204.

The policy pins the object key, asks S3 to check the announced SHA-256
(``x-amz-checksum-sha256``; stores that ignore it are covered by the job,
which checks the bytes again) and caps the size. The client announces no
size, so only an upper bound can be set.
"""

import base64
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from ml3_platform.settings import Settings
from ml3_platform.storage.store import Store

# S3's own limit for a single POST upload is 5 GiB.
MAX_UPLOAD_BYTES = 5 * 1024**3


def presigned_post(
    settings: Settings, store: Store, key: str, sha256_hex: str, ttl: int
) -> dict[str, Any]:
    """``{"url", "fields"}`` for a POST of ``key`` straight to the bucket."""
    bucket, _, prefix = store.root.partition("/")
    object_key = f"{prefix}/{key}" if prefix else key
    checksum = base64.b64encode(bytes.fromhex(sha256_hex)).decode()
    fields = {
        "success_action_status": "204",
        "x-amz-checksum-algorithm": "SHA256",
        "x-amz-checksum-sha256": checksum,
    }
    conditions: list[Any] = [
        {"success_action_status": "204"},
        {"x-amz-checksum-algorithm": "SHA256"},
        {"x-amz-checksum-sha256": checksum},
        ["content-length-range", 0, MAX_UPLOAD_BYTES],
    ]
    answer = _client(settings.s3_endpoint_url, settings.s3_region).generate_presigned_post(
        Bucket=bucket,
        Key=object_key,
        Fields=fields,
        Conditions=conditions,
        ExpiresIn=ttl,
    )
    return {"url": answer["url"], "fields": answer["fields"]}


def prepare(settings: Settings) -> None:
    """Make the process's S3 client now, not in the first upload request."""
    _client(settings.s3_endpoint_url, settings.s3_region)


@cache
def _client(endpoint_url: str, region: str):
    """One client per process: making one takes a good part of a second."""
    # Path-style addressing: S3-compatible stores on a plain host name or
    # loopback address (MinIO, moto) have no per-bucket DNS names.
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
