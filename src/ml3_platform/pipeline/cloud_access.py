"""Read one object of a customer's store with the project's credentials.

The credentials are the ones the source names, else the project's default
for the provider (`ml3_platform.integrations.resolver`); they become fsspec
storage options through the provider modules: S3 through the customer's
role, assumed with the sealed external id; GCS as the service account of
the sealed key; Azure Blob as the service principal. Every failure is a
`RemoteSourceError` whose message says which of missing, refused or
unreachable it was, naming the URL, the credentials or the endpoint.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ml3_platform.ingest.remote import (
    Fingerprint,
    Location,
    RemoteSourceError,
    classify,
    fetch,
)
from ml3_platform.integrations.aws import s3_storage_options
from ml3_platform.integrations.errors import CloudError, CredentialsError
from ml3_platform.integrations.gcp import gcs_storage_options
from ml3_platform.integrations.resolver import ResolvedCredentials, resolve_credentials
from ml3_platform.settings import Settings
from ml3_platform_sdk.enums import ExternalIntegration, RawDataSourceType

_PROVIDERS = {
    RawDataSourceType.AWS_S3: ExternalIntegration.AWS,
    RawDataSourceType.GCS: ExternalIntegration.GCP,
    RawDataSourceType.ABS: ExternalIntegration.AZURE,
}


@dataclass(frozen=True)
class Access:
    """An open file system on the customer's store, and how to name it."""

    fs: Any
    endpoint: str
    credentials: ResolvedCredentials
    # What authenticated instead of the credentials (a stand-in's setting).
    instead: str | None = None

    @property
    def label(self) -> str:
        if self.instead:
            return f"{self.instead} (standing in for {_label(self.credentials)})"
        return _label(self.credentials)


def _label(credentials: ResolvedCredentials) -> str:
    return f"'{credentials.name}' ({credentials.credentials_id})"


def read_object(
    session: Session,
    settings: Settings,
    project_id: str,
    location: Location,
    credentials_id: str | None,
) -> tuple[bytes, Fingerprint]:
    """The object's bytes, read as the project; `RemoteSourceError` if not."""
    credentials = _credentials(session, settings, project_id, location, credentials_id)
    access = _open(settings, location, credentials)
    try:
        return fetch(access.fs, location)
    except RemoteSourceError as error:
        raise _named(error, location, access) from None


def _credentials(
    session: Session,
    settings: Settings,
    project_id: str,
    location: Location,
    credentials_id: str | None,
) -> ResolvedCredentials:
    try:
        return resolve_credentials(
            session, settings, project_id, _PROVIDERS[location.provider],
            credentials_id,
        )  # fmt: skip
    except CredentialsError as error:
        raise RemoteSourceError("credentials", error.message) from None


def _open(
    settings: Settings, location: Location, credentials: ResolvedCredentials
) -> Access:
    """A file system for ``location``; the role is assumed here for S3."""
    opener = {
        RawDataSourceType.AWS_S3: _s3,
        RawDataSourceType.GCS: _gcs,
        RawDataSourceType.ABS: _azure,
    }[location.provider]
    endpoint = _endpoint(settings, location)
    try:
        fs = opener(settings, location, credentials)
    except RemoteSourceError:
        raise
    except CloudError as error:  # STS: the role was not assumed
        kind = classify(error, location).kind
        if kind == "unreachable":
            message = f"AWS STS at {endpoint} cannot be reached: {error.message}"
        else:
            message = f"AWS STS refused credentials {_label(credentials)}: "
            message += error.message
        raise RemoteSourceError(kind, message) from None
    except Exception as error:  # a client's set-up
        access = Access(None, endpoint, credentials)
        raise _named(classify(error, location), location, access) from None
    instead = None
    if location.provider == RawDataSourceType.ABS:
        if settings.azure_blob_connection_string:
            instead = "ML3_AZURE_BLOB_CONNECTION_STRING"
    return Access(fs, endpoint, credentials, instead)


def _s3(settings: Settings, location: Location, credentials: ResolvedCredentials):
    import s3fs

    options = s3_storage_options(settings, credentials)
    return s3fs.S3FileSystem(
        **options,
        skip_instance_cache=True,
        config_kwargs={
            "connect_timeout": settings.remote_timeout,
            "read_timeout": settings.remote_timeout,
            "retries": {"total_max_attempts": 2},
        },
    )


def _gcs(settings: Settings, location: Location, credentials: ResolvedCredentials):
    # The JSON-API file system itself: the package's default export first
    # asks a gRPC control API for the bucket's layout, which neither
    # emulators nor every firewall let through.
    from gcsfs.core import GCSFileSystem

    return GCSFileSystem(
        **gcs_storage_options(credentials),
        endpoint_url=settings.gcs_endpoint_url or None,
        skip_instance_cache=True,
        timeout=settings.remote_timeout,
    )


def _azure(settings: Settings, location: Location, credentials: ResolvedCredentials):
    import adlfs

    if settings.azure_blob_connection_string:
        # A stand-in (Azurite): its account key replaces the service
        # principal, which only Microsoft Entra over HTTPS can check.
        return adlfs.AzureBlobFileSystem(
            connection_string=settings.azure_blob_connection_string,
            skip_instance_cache=True,
        )
    if location.account is None:
        raise RemoteSourceError(
            "invalid",
            f"'{location.url}' names no storage account: write it as "
            "https://<account>.blob.core.windows.net/<container>/<blob>",
        )
    from azure.identity.aio import ClientSecretCredential

    options: dict[str, Any] = {}
    if settings.azure_authority_host:
        options = {
            "authority": settings.azure_authority_host,
            "disable_instance_discovery": True,
        }
    principal = ClientSecretCredential(
        tenant_id=credentials.public["tenant"],
        client_id=credentials.public["app_id"],
        client_secret=credentials.secret["password"],
        **options,
    )
    return adlfs.AzureBlobFileSystem(
        account_name=location.account, credential=principal, skip_instance_cache=True
    )


def _endpoint(settings: Settings, location: Location) -> str:
    if location.provider == RawDataSourceType.AWS_S3:
        return settings.aws_endpoint_url or "https://s3.amazonaws.com"
    if location.provider == RawDataSourceType.GCS:
        return settings.gcs_endpoint_url or "https://storage.googleapis.com"
    fields = dict(
        part.split("=", 1)
        for part in settings.azure_blob_connection_string.split(";")
        if "=" in part
    )
    if "BlobEndpoint" in fields:
        return fields["BlobEndpoint"]
    return f"https://{location.account or '<account>'}.blob.core.windows.net"


def _named(
    error: RemoteSourceError, location: Location, access: Access
) -> RemoteSourceError:
    """``error`` with the credentials or the endpoint in its message."""
    store = location.store_name
    if error.kind == "refused":
        message = (
            f"{store} refused credentials {access.label} for {location.url}: "
            f"{error.message}"
        )
    elif error.kind == "unreachable":
        message = f"{store} at {access.endpoint} cannot be reached: {error.message}"
    elif error.kind == "failed":
        message = f"reading {location.url} from {store} failed: {error.message}"
    else:
        return error
    return RemoteSourceError(error.kind, message)
