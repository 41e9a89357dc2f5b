"""Which credentials a project uses for a provider, with their secret opened.

A trigger or a data source names credentials by id; without a name the
project's default for the provider is used (protocol §2.13). The provider
modules (:mod:`.aws`, :mod:`.gcp`, :mod:`.azure`) turn the result into SDK
credentials.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import IntegrationCredential
from ml3_platform.integrations.errors import CredentialsError
from ml3_platform.integrations.vault import SecretUnreadable, unseal
from ml3_platform.settings import Settings
from ml3_platform_sdk.enums import ExternalIntegration


@dataclass(frozen=True)
class ResolvedCredentials:
    """One set of a project's credentials, secret included: keep it in memory.

    ``public`` is what the API shows (``role_arn``; ``gcp_project_id``,
    ``client_email``; ``app_id``, ``tenant`` …); ``secret`` is the sealed
    part (``external_id``; the whole service-account key; ``password``).
    """

    credentials_id: str
    project_id: str
    name: str
    provider: ExternalIntegration
    public: dict[str, Any]
    secret: dict[str, Any] = field(repr=False)


def resolve_credentials(
    session: Session,
    settings: Settings,
    project_id: str,
    provider: ExternalIntegration,
    credentials_id: str | None = None,
) -> ResolvedCredentials:
    """The credentials ``credentials_id`` of the project, or its default.

    An empty ``credentials_id`` counts as none. Raises
    :class:`CredentialsError` when the named credentials are not the
    project's, when there is no default, when they are for another provider,
    or when their secret no longer opens.
    """
    row = _named(session, project_id, credentials_id) if credentials_id else None
    if row is None:
        row = _default(session, project_id, provider)
    if row.provider != provider.value:
        raise CredentialsError(
            "CREDENTIALS_PROVIDER_MISMATCH",
            f"credentials {row.id} are for {row.provider}, not {provider.value}",
        )

    try:
        secret = unseal(settings, row.sealed)
    except SecretUnreadable as error:
        raise CredentialsError(
            "CREDENTIALS_UNREADABLE", f"credentials {row.id}: {error}"
        ) from None
    return ResolvedCredentials(
        credentials_id=row.id,
        project_id=row.project_id,
        name=row.name,
        provider=provider,
        public=dict(row.public),
        secret=secret,
    )


def _named(
    session: Session, project_id: str, credentials_id: str
) -> IntegrationCredential:
    row = session.get(IntegrationCredential, credentials_id)
    if row is None or row.project_id != project_id:
        # Another project's credentials read exactly like unknown ones.
        raise CredentialsError(
            "CREDENTIALS_NOT_FOUND", f"credentials {credentials_id} not found"
        )
    return row


def _default(
    session: Session, project_id: str, provider: ExternalIntegration
) -> IntegrationCredential:
    row = session.scalar(
        select(IntegrationCredential).where(
            IntegrationCredential.project_id == project_id,
            IntegrationCredential.provider == provider.value,
            IntegrationCredential.is_default.is_(True),
        )
    )
    if row is None:
        raise CredentialsError(
            "CREDENTIALS_NOT_FOUND",
            f"project {project_id} has no default {provider.value} credentials; "
            "name credentials or set a default",
        )
    return row
