"""AWS access as the customer: assume their role with the sealed external id.

The platform's own identity (the default boto3 chain: environment, config
files, instance role) calls STS ``AssumeRole`` on the customer's role, with
the external id generated when the credentials were created; the customer's
trust policy allows exactly that (protocol §2.13). Every AWS client goes to
``settings.aws_endpoint_url`` when it is set, so tests can point the whole
platform at a local moto server.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from ml3_platform.integrations.errors import CloudError, CredentialsError
from ml3_platform.integrations.resolver import ResolvedCredentials
from ml3_platform.settings import Settings
from ml3_platform_sdk.enums import ExternalIntegration

# Short timeouts and one retry: an unreachable endpoint is reported in
# seconds rather than after botocore's default minutes of retries.
CLIENT_CONFIG = Config(
    connect_timeout=10, read_timeout=30, retries={"total_max_attempts": 2}
)


@dataclass(frozen=True)
class AWSTemporaryCredentials:
    """What ``AssumeRole`` gave: valid until ``expiration``."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    region_name: str


def assume_role(
    settings: Settings,
    credentials: ResolvedCredentials,
    region_name: str | None = None,
) -> AWSTemporaryCredentials:
    """Temporary credentials of the customer's role, for ``region_name``.

    Raises :class:`CloudError` ``AWS_ASSUME_ROLE_FAILED`` when STS refuses
    (wrong role, trust policy or external id) or cannot be reached.
    """
    if credentials.provider is not ExternalIntegration.AWS:
        raise CredentialsError(
            "CREDENTIALS_PROVIDER_MISMATCH",
            f"credentials {credentials.credentials_id} are not AWS credentials",
        )
    role_arn = credentials.public["role_arn"]
    sts = boto3.client(
        "sts",
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url or None,
        config=CLIENT_CONFIG,
    )

    try:
        answer = sts.assume_role(
            RoleArn=role_arn,
            RoleSessionName=f"ml3-platform-{credentials.project_id}"[:64],
            ExternalId=credentials.secret["external_id"],
            DurationSeconds=settings.aws_role_session_seconds,
        )
    except (BotoCoreError, ClientError) as error:
        raise CloudError(
            "AWS_ASSUME_ROLE_FAILED",
            f"could not assume role {role_arn} of credentials "
            f"{credentials.credentials_id}: {describe_aws_error(error)}",
        ) from None

    issued = answer["Credentials"]
    return AWSTemporaryCredentials(
        access_key_id=issued["AccessKeyId"],
        secret_access_key=issued["SecretAccessKey"],
        session_token=issued["SessionToken"],
        expiration=issued["Expiration"],
        region_name=region_name or settings.aws_region,
    )


def aws_session(
    settings: Settings,
    credentials: ResolvedCredentials,
    region_name: str | None = None,
) -> boto3.Session:
    """A boto3 session acting as the customer's role.

    Its credentials last ``settings.aws_role_session_seconds``; make clients
    from it with :func:`aws_client` so they honour ``aws_endpoint_url``.
    """
    issued = assume_role(settings, credentials, region_name)
    return boto3.Session(
        aws_access_key_id=issued.access_key_id,
        aws_secret_access_key=issued.secret_access_key,
        aws_session_token=issued.session_token,
        region_name=issued.region_name,
    )


def aws_client(
    settings: Settings,
    session: boto3.Session,
    service_name: str,
    region_name: str | None = None,
) -> Any:
    """A client of ``service_name`` from ``session``, on the configured endpoint."""
    return session.client(
        service_name,
        region_name=region_name or session.region_name or settings.aws_region,
        endpoint_url=settings.aws_endpoint_url or None,
        config=CLIENT_CONFIG,
    )


def s3_storage_options(
    settings: Settings,
    credentials: ResolvedCredentials,
    region_name: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``s3fs.S3FileSystem`` (fsspec storage options).

    Plain values: the role's temporary key, secret and token, and the
    endpoint when one is configured.
    """
    issued = assume_role(settings, credentials, region_name)
    options: dict[str, Any] = {
        "key": issued.access_key_id,
        "secret": issued.secret_access_key,
        "token": issued.session_token,
        "client_kwargs": {"region_name": issued.region_name},
    }
    if settings.aws_endpoint_url:
        options["endpoint_url"] = settings.aws_endpoint_url
    return options


def describe_aws_error(error: Exception) -> str:
    """What AWS said, in one line: ``<code>: <message>`` or the transport's fault."""
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        code = detail.get("Code", "Unknown")
        return f"{code}: {detail.get('Message') or error}"
    if isinstance(error, NoCredentialsError):
        return "the platform has no AWS credentials of its own to call STS with"
    return str(error)
