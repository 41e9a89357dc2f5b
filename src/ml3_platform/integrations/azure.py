"""Azure access as the customer: their service principal's client secret.

``settings.azure_authority_host`` replaces Microsoft Entra's public
authority (``login.microsoftonline.com``) when set: a sovereign cloud, or a
local stand-in in tests.
"""

from typing import Any

from azure.identity import ClientSecretCredential

from ml3_platform.integrations.errors import CredentialsError
from ml3_platform.integrations.resolver import ResolvedCredentials
from ml3_platform.settings import Settings
from ml3_platform_sdk.enums import ExternalIntegration

EVENT_GRID_SCOPE = "https://eventgrid.azure.net/.default"
STORAGE_SCOPE = "https://storage.azure.com/.default"


def azure_credential(
    settings: Settings, credentials: ResolvedCredentials
) -> ClientSecretCredential:
    """An ``azure-identity`` credential for the service principal."""
    _check_provider(credentials)
    options: dict[str, Any] = {}
    if settings.azure_authority_host:
        options["authority"] = settings.azure_authority_host
        # Instance discovery asks the public cloud which authorities exist;
        # a configured authority is trusted as it is.
        options["disable_instance_discovery"] = True
    return ClientSecretCredential(
        tenant_id=credentials.public["tenant"],
        client_id=credentials.public["app_id"],
        client_secret=credentials.secret["password"],
        **options,
    )


def azure_storage_options(credentials: ResolvedCredentials) -> dict[str, Any]:
    """Keyword arguments for ``adlfs.AzureBlobFileSystem`` (fsspec options).

    Plain values: tenant, client id and client secret; the caller adds
    ``account_name`` (or ``account_host``) for the storage account.
    """
    _check_provider(credentials)
    return {
        "tenant_id": credentials.public["tenant"],
        "client_id": credentials.public["app_id"],
        "client_secret": credentials.secret["password"],
    }


def _check_provider(credentials: ResolvedCredentials) -> None:
    if credentials.provider is not ExternalIntegration.AZURE:
        raise CredentialsError(
            "CREDENTIALS_PROVIDER_MISMATCH",
            f"credentials {credentials.credentials_id} are not Azure credentials",
        )
