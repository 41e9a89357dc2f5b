"""Integration credentials (protocol §2.13)."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep
from ml3_platform.services import credentials
from ml3_platform.services.credentials import AnyCredentials
from ml3_platform_sdk.bodies import (
    CreateAWSCredentials,
    CreateAzureCredentials,
    CreateGCPCredentials,
)
from ml3_platform_sdk.models import (
    AzureCredentials,
    GCPCredentials,
    SecretAWSCredentials,
)

router = APIRouter(tags=["integration credentials"])


@router.post("/integration/aws/credentials")
def create_aws_credentials(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    body: JsonBody[CreateAWSCredentials],
) -> SecretAWSCredentials:
    """Register an IAM role; the answer holds the external id, once."""
    return credentials.create_aws(session, user, settings, body)


@router.post("/integration/gcp/credentials")
def create_gcp_credentials(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    body: JsonBody[CreateGCPCredentials],
) -> GCPCredentials:
    """Register a GCP service account; its private key is never sent back."""
    return credentials.create_gcp(session, user, settings, body)


@router.post("/integration/azure/credentials")
def create_azure_credentials(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    body: JsonBody[CreateAzureCredentials],
) -> AzureCredentials:
    """Register an Azure service principal; its password is never sent back."""
    return credentials.create_azure(session, user, settings, body)


@router.get("/integration/credentials/{credentials_id}")
def get_credentials(
    session: SessionDep, user: CurrentUser, credentials_id: str
) -> AnyCredentials:
    """One set of credentials, without its secret."""
    return credentials.get_credentials(session, user, credentials_id)


@router.get("/project/{project_id}/integration-credentials")
def list_credentials(
    session: SessionDep, user: CurrentUser, project_id: str
) -> list[AnyCredentials]:
    """Every set of credentials of a project, oldest first."""
    return credentials.list_credentials(session, user, project_id)


@router.delete("/integration/credentials/{credentials_id}")
def delete_credentials(
    session: SessionDep, user: CurrentUser, credentials_id: str
) -> None:
    """Delete credentials that no retrain trigger uses."""
    credentials.delete_credentials(session, user, credentials_id)


@router.post("/integration/credentials/{credentials_id}/default")
def set_default_credentials(
    session: SessionDep, user: CurrentUser, credentials_id: str
) -> None:
    """Make these the project's default credentials for their provider."""
    credentials.set_default(session, user, credentials_id)
