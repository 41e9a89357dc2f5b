"""Integration credentials of a project (protocol §2.13, platform-behaviour §8).

Reading needs the project's user role, creating, deleting and choosing the
default its admin role. The secret part of each credential (the AWS external
id, the GCP private key, the Azure password) is sealed at rest and never sent
back, except the AWS external id once, in the answer that creates it, because
the customer must put it in the role's trust policy.
"""

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ml3_platform.db.tables import IntegrationCredential, Model, Project, Task, User
from ml3_platform.integrations.vault import seal
from ml3_platform.services.access import Need, project_for
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform.settings import Settings
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import (
    CreateAWSCredentials,
    CreateAzureCredentials,
    CreateGCPCredentials,
)
from ml3_platform_sdk.enums import ExternalIntegration

AnyCredentials = models.AWSCredentials | models.GCPCredentials | models.AzureCredentials


def create_aws(
    session: Session, user: User, settings: Settings, body: CreateAWSCredentials
) -> models.SecretAWSCredentials:
    external_id = secrets.token_urlsafe(24)
    row = _add(
        session,
        user,
        settings,
        body.project_id,
        body.name,
        body.default,
        ExternalIntegration.AWS,
        public={"role_arn": body.role_arn},
        secret={"external_id": external_id},
    )
    return models.SecretAWSCredentials(
        **to_wire(row).model_dump(),
        external_id=external_id,
        platform_principal_arn=settings.aws_principal_arn or None,
    )


def create_gcp(
    session: Session, user: User, settings: Settings, body: CreateGCPCredentials
) -> models.GCPCredentials:
    info = body.account_info
    row = _add(
        session,
        user,
        settings,
        body.project_id,
        body.name,
        body.default,
        ExternalIntegration.GCP,
        public={
            "gcp_project_id": info.project_id,
            "client_email": info.client_email,
            "client_id": info.client_id,
        },
        secret=info.model_dump(),
    )
    return to_wire(row)


def create_azure(
    session: Session, user: User, settings: Settings, body: CreateAzureCredentials
) -> models.AzureCredentials:
    principal = body.credentials
    row = _add(
        session,
        user,
        settings,
        body.project_id,
        body.name,
        body.default,
        ExternalIntegration.AZURE,
        public={
            "app_id": principal.app_id,
            "display_name": principal.display_name,
            "tenant": principal.tenant,
        },
        secret={"password": principal.password},
    )
    return to_wire(row)


def get_credentials(
    session: Session, user: User, credentials_id: str
) -> AnyCredentials:
    return to_wire(credential_for(session, user, credentials_id, Need.EDIT))


def list_credentials(
    session: Session, user: User, project_id: str
) -> list[AnyCredentials]:
    project = project_for(session, user, project_id, Need.EDIT)
    rows = session.scalars(
        select(IntegrationCredential)
        .where(IntegrationCredential.project_id == project.id)
        .order_by(IntegrationCredential.created_at, IntegrationCredential.id)
    )
    return [to_wire(row) for row in rows]


def delete_credentials(session: Session, user: User, credentials_id: str) -> None:
    row = credential_for(session, user, credentials_id, Need.ADMIN)
    in_use = [
        name
        for name, trigger in _triggers(session, row.project_id)
        if trigger.get("credentials_id") == row.id
    ]
    if in_use:
        raise DomainError(
            "CREDENTIALS_IN_USE",
            f"credentials {row.id} are used by the retrain trigger of model "
            f"{in_use[0]!r}; change that trigger first",
        )
    session.delete(row)
    session.commit()


def set_default(session: Session, user: User, credentials_id: str) -> None:
    row = credential_for(session, user, credentials_id, Need.ADMIN)
    _make_default(session, row)
    session.commit()


def credential_for(
    session: Session, user: User, credentials_id: str, need: Need
) -> IntegrationCredential:
    row = session.get(IntegrationCredential, credentials_id)
    if row is None:
        raise not_found("credentials", credentials_id)
    try:
        project_for(session, user, row.project_id, need)
    except DomainError as error:
        if error.code == "PROJECT_NOT_FOUND":
            raise not_found("credentials", credentials_id) from None
        raise
    return row


def usable_credentials(
    session: Session,
    project: Project,
    provider: ExternalIntegration,
    credentials_id: str | None,
) -> IntegrationCredential:
    """The named credentials of ``project``, or its default for ``provider``."""
    if credentials_id is not None:
        row = session.get(IntegrationCredential, credentials_id)
        if row is None or row.project_id != project.id:
            raise not_found("credentials", credentials_id)
    else:
        row = session.scalar(
            select(IntegrationCredential).where(
                IntegrationCredential.project_id == project.id,
                IntegrationCredential.provider == provider.value,
                IntegrationCredential.is_default.is_(True),
            )
        )
        if row is None:
            raise DomainError(
                "CREDENTIALS_NOT_FOUND",
                f"project {project.id} has no default {provider.value} credentials; "
                "name credentials or set a default",
            )
    if row.provider != provider.value:
        raise DomainError(
            "CREDENTIALS_PROVIDER_MISMATCH",
            f"credentials {row.id} are for {row.provider}, not {provider.value}",
        )
    return row


def to_wire(row: IntegrationCredential) -> AnyCredentials:
    wire = {
        ExternalIntegration.AWS.value: models.AWSCredentials,
        ExternalIntegration.GCP.value: models.GCPCredentials,
        ExternalIntegration.AZURE.value: models.AzureCredentials,
    }[row.provider]
    return wire(
        credentials_id=row.id,
        name=row.name,
        default=row.is_default,
        type=row.provider,
        **row.public,
    )


def _add(
    session: Session,
    user: User,
    settings: Settings,
    project_id: str,
    name: str,
    default: bool,
    provider: ExternalIntegration,
    public: dict,
    secret: dict,
) -> IntegrationCredential:
    project = project_for(session, user, project_id, Need.ADMIN)
    row = IntegrationCredential(
        project_id=project.id,
        name=name,
        provider=provider.value,
        is_default=False,
        public=public,
        sealed=seal(settings, secret),
    )
    session.add(row)
    session.flush()
    if default:
        _make_default(session, row)
    session.commit()
    return row


def _make_default(session: Session, row: IntegrationCredential) -> None:
    """``row`` becomes the one default of its provider in its project."""
    session.execute(
        update(IntegrationCredential)
        .where(
            IntegrationCredential.project_id == row.project_id,
            IntegrationCredential.provider == row.provider,
            IntegrationCredential.id != row.id,
        )
        .values(is_default=False),
        execution_options={"synchronize_session": False},
    )
    row.is_default = True


def _triggers(session: Session, project_id: str) -> list[tuple[str, dict]]:
    rows = session.execute(
        select(Model.name, Model.retrain_trigger)
        .join(Task, Task.id == Model.task_id)
        .where(Task.project_id == project_id)
    )
    return [(name, trigger) for name, trigger in rows if trigger]
