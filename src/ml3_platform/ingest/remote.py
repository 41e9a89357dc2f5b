"""Objects in a customer's store (S3, GCS, Azure Blob), read through fsspec.

`Location` says where an object is, from the URL the customer gave;
`fetch` reads it whole through a file system the caller opened with the
project's credentials (`ml3_platform.pipeline.cloud_access`) and returns its
bytes with a `Fingerprint`. Whatever goes wrong is turned into a
`RemoteSourceError` of one of three kinds, so a job can say which:

- ``missing``: the bucket, container or object does not exist;
- ``refused``: the store (or the identity service) turned the credentials
  down;
- ``unreachable``: no answer from the store's endpoint;

and ``failed`` for anything else the store's client raised.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from ml3_platform_sdk.enums import RawDataSourceType

PROVIDER_NAMES = {
    RawDataSourceType.AWS_S3: "AWS S3",
    RawDataSourceType.GCS: "Google Cloud Storage",
    RawDataSourceType.ABS: "Azure Blob Storage",
}
_SCHEMES = {
    RawDataSourceType.AWS_S3: ("s3",),
    RawDataSourceType.GCS: ("gs", "gcs"),
    RawDataSourceType.ABS: ("az", "abfs", "abfss", "https"),
}
# <account>.blob.core.windows.net or <account>.dfs.core.windows.net
_AZURE_HOST = re.compile(r"^([a-z0-9]{3,24})\.(?:blob|dfs)\.core\.windows\.net$")


class RemoteSourceError(Exception):
    """A remote object could not be read; ``kind`` says why (module doc)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Location:
    """One object: ``bucket`` is the S3/GCS bucket or the Azure container.

    ``account`` is the Azure storage account, when the URL names one.
    """

    provider: RawDataSourceType
    url: str
    bucket: str
    key: str
    account: str | None = None

    @property
    def path(self) -> str:
        """The object's path for its fsspec file system."""
        return f"{self.bucket}/{self.key}"

    @property
    def store_name(self) -> str:
        return PROVIDER_NAMES[self.provider]


@dataclass(frozen=True)
class Fingerprint:
    """What identifies the bytes that were read: their SHA-256, with the
    size, ETag and modification time the store reported (for messages)."""

    sha256: str
    size: int
    etag: str | None
    modified: str | None


def parse_location(provider: RawDataSourceType, url: str) -> Location:
    """Where ``url`` points; `RemoteSourceError` (kind ``invalid``) if it
    cannot be an object of ``provider``.

    S3: ``s3://bucket/key``; GCS: ``gs://bucket/key``; Azure Blob:
    ``https://<account>.blob.core.windows.net/<container>/<blob>``,
    ``az://<container>@<account>.blob.core.windows.net/<blob>`` or
    ``az://<container>/<blob>`` (the account then comes from the stand-in's
    connection string).
    """
    if provider not in _SCHEMES:
        raise RemoteSourceError(
            "invalid", f"{provider.value} is not a remote store: upload the file"
        )
    parts = urlsplit(url)
    schemes = _SCHEMES[provider]
    if parts.scheme not in schemes:
        shown = " or ".join(f"{scheme}://" for scheme in schemes)
        raise RemoteSourceError(
            "invalid",
            f"'{url}' is not a URL of {PROVIDER_NAMES[provider]}: it should start "
            f"with {shown}",
        )
    if provider == RawDataSourceType.ABS:
        bucket, key, account = _azure_parts(url, parts)
    else:
        bucket, key, account = parts.netloc, parts.path.lstrip("/"), None
    if not bucket or not key or key.endswith("/"):
        raise RemoteSourceError(
            "invalid", f"'{url}' does not name an object (a bucket and a key)"
        )
    return Location(provider, url, bucket, key, account)


def _azure_parts(url: str, parts) -> tuple[str, str, str | None]:
    if parts.scheme == "https":
        match = _AZURE_HOST.match(parts.hostname or "")
        if match is None:
            raise RemoteSourceError(
                "invalid",
                f"'{url}' is not an Azure Blob URL: the host should be "
                "<account>.blob.core.windows.net",
            )
        container, _, key = parts.path.lstrip("/").partition("/")
        return container, key, match.group(1)
    container, at, host = parts.netloc.partition("@")
    account = None
    if at:
        match = _AZURE_HOST.match(host)
        if match is None:
            raise RemoteSourceError(
                "invalid",
                f"'{url}': '{host}' is not <account>.blob.core.windows.net",
            )
        account = match.group(1)
    return container, parts.path.lstrip("/"), account


def fetch(fs: Any, location: Location) -> tuple[bytes, Fingerprint]:
    """The object's bytes and fingerprint, read once from ``fs``.

    Raises `RemoteSourceError`; its message names the URL for ``missing``
    and is completed by the caller (credentials, endpoint) for the others.
    """
    try:
        # The bytes first: a GET carries the store's reason for a refusal,
        # where a HEAD has no body to say it in.
        data = fs.cat_file(location.path)
        info = fs.info(location.path)
    except Exception as error:  # each store's client raises its own types
        raise classify(error, location) from error
    fingerprint = Fingerprint(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        etag=_text(info.get("ETag") or info.get("etag")),
        modified=_text(
            info.get("LastModified") or info.get("last_modified")
            or info.get("updated") or info.get("mtime")
        ),
    )  # fmt: skip
    return data, fingerprint


def classify(error: BaseException, location: Location) -> RemoteSourceError:
    """Which of missing, refused or unreachable ``error`` means."""
    chain = list(_chain(error))
    # The provider's own error, deeper in the chain, says more than the
    # file system's translation of it ("Forbidden").
    said = next((e for e in chain if isinstance(e, _errors().provider)), chain[0])
    for cause in chain:
        kind = _kind(cause)
        if kind == "missing":
            return RemoteSourceError(
                "missing", f"{location.url} was not found in {location.store_name}"
            )
        if kind is not None:
            return RemoteSourceError(kind, _describe(said))
    return RemoteSourceError("failed", _describe(said))


@cache
def _errors() -> SimpleNamespace:
    """The clients' exception types, imported when first needed: the API
    process checks URLs with this module and never reads a store."""
    import aiohttp
    import botocore.exceptions as boto
    from azure.core import exceptions as azure
    from google.auth import exceptions as google

    return SimpleNamespace(
        boto=boto, azure=azure, google=google,
        provider=(boto.ClientError, azure.AzureError, google.RefreshError),
        unreachable=(
            boto.EndpointConnectionError, boto.ConnectTimeoutError,
            azure.ServiceRequestError, aiohttp.ClientConnectionError,
            ConnectionError, TimeoutError,
        ),
    )  # fmt: skip


def _kind(error: BaseException) -> str | None:
    known = _errors()
    if isinstance(error, FileNotFoundError | known.azure.ResourceNotFoundError):
        return "missing"
    if isinstance(
        error,
        PermissionError
        | known.azure.ClientAuthenticationError
        | known.google.RefreshError
        | known.google.DefaultCredentialsError,
    ):
        return "refused"
    if isinstance(error, known.boto.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = error.response.get("Error", {}).get("Code", "")
        if status == 404 or code in ("NoSuchKey", "NoSuchBucket", "404"):
            return "missing"
        return "refused" if status in (401, 403) or "Denied" in code else None
    if isinstance(error, known.azure.HttpResponseError):
        return "refused" if error.status_code in (401, 403) else None
    if isinstance(error, OSError) and str(error).startswith("Forbidden"):
        return "refused"  # gcsfs reports a 403 this way
    if isinstance(error, known.unreachable):
        return "unreachable"
    return None


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _describe(error: BaseException) -> str:
    known = _errors()
    if isinstance(error, known.boto.ClientError):
        failure = error.response.get("Error", {})
        return f"{failure.get('Code', 'error')}: {failure.get('Message', '')}".strip()
    if isinstance(error, known.google.RefreshError) and error.args:
        return f"the token endpoint answered {error.args[0]}"
    if isinstance(error, known.azure.AzureError):
        # The service's first line carries its error code and reason.
        return str(error.message or error).splitlines()[0]
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _text(value: Any) -> str | None:
    return None if value is None else str(value).strip('"')
