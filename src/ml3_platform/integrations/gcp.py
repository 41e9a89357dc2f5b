"""GCP access as the customer: the service account whose key they gave us.

The whole key (the eleven fields of ``GCPAccountInfo``) is sealed at rest;
the credentials sign their own token requests to the key's ``token_uri``.
"""

from typing import Any

from google.oauth2 import service_account

from ml3_platform.integrations.errors import CredentialsError
from ml3_platform.integrations.resolver import ResolvedCredentials
from ml3_platform_sdk.enums import ExternalIntegration

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
PUBSUB_SCOPE = "https://www.googleapis.com/auth/pubsub"


def gcp_credentials(
    credentials: ResolvedCredentials,
    scopes: tuple[str, ...] = (CLOUD_PLATFORM_SCOPE,),
) -> service_account.Credentials:
    """``google.oauth2`` service-account credentials from the sealed key.

    Raises :class:`CredentialsError` ``CREDENTIALS_INVALID`` when the key
    does not load (a private key that is not PEM, a missing field).
    """
    _check_provider(credentials)
    try:
        return service_account.Credentials.from_service_account_info(
            credentials.secret, scopes=list(scopes)
        )
    except (ValueError, KeyError) as error:
        raise CredentialsError(
            "CREDENTIALS_INVALID",
            f"the service-account key of credentials {credentials.credentials_id} "
            f"does not load: {error}",
        ) from None


def gcp_project_id(credentials: ResolvedCredentials) -> str:
    """The GCP project the service account belongs to."""
    _check_provider(credentials)
    return credentials.secret["project_id"]


def gcs_storage_options(credentials: ResolvedCredentials) -> dict[str, Any]:
    """Keyword arguments for ``gcsfs.GCSFileSystem`` (fsspec storage options).

    Plain values: the service-account key as a dict (gcsfs's ``token``
    accepts one) and its project.
    """
    _check_provider(credentials)
    return {"token": dict(credentials.secret), "project": gcp_project_id(credentials)}


def _check_provider(credentials: ResolvedCredentials) -> None:
    if credentials.provider is not ExternalIntegration.GCP:
        raise CredentialsError(
            "CREDENTIALS_PROVIDER_MISMATCH",
            f"credentials {credentials.credentials_id} are not GCP credentials",
        )
