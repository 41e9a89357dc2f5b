"""The integrations modules on their own: credentials as the SDKs use them."""

import json

import boto3
import pytest

from ml3_platform.integrations.aws import (
    assume_role,
    aws_client,
    aws_session,
    s3_storage_options,
)
from ml3_platform.integrations.azure import (
    EVENT_GRID_SCOPE,
    azure_credential,
    azure_storage_options,
)
from ml3_platform.integrations.errors import CredentialsError
from ml3_platform.integrations.gcp import gcp_credentials, gcs_storage_options
from ml3_platform.integrations.resolver import resolve_credentials
from ml3_platform_sdk.enums import ExternalIntegration
from standins import AWS_ACCOUNT, service_account_key
from support import database_session, unique
from trigger_support import aws_credentials, ready_model


@pytest.fixture
def resolve(trigger_platform):
    """``resolve(project_id, provider, credentials_id=None)`` on the platform."""
    settings = trigger_platform.settings

    def resolved(project_id, provider, credentials_id=None):
        with database_session(settings) as session:
            return resolve_credentials(
                session, settings, project_id, provider, credentials_id
            )

    return resolved


def test_the_role_is_assumed_with_the_sealed_external_id(
    client, aws, resolve, trigger_platform
):
    project_id, _ = ready_model(client)
    secret = aws_credentials(client, aws, project_id)
    credentials = resolve(project_id, ExternalIntegration.AWS)
    asked = []
    # A botocore hook sees the parameters of the real call that goes to moto.
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register(
        "provide-client-params.sts.AssumeRole",
        lambda params, **_: asked.append(dict(params)),
    )
    try:
        issued = assume_role(trigger_platform.settings, credentials, "eu-central-1")
    finally:
        boto3.DEFAULT_SESSION = None

    [params] = asked
    assert params["RoleArn"] == secret.role_arn
    assert params["ExternalId"] == secret.external_id
    assert params["RoleSessionName"] == f"ml3-platform-{project_id}"
    assert issued.region_name == "eu-central-1"
    assert issued.access_key_id and issued.session_token


def test_an_assumed_session_reads_the_customers_bucket(
    client, aws, resolve, trigger_platform
):
    project_id, _ = ready_model(client)
    aws_credentials(client, aws, project_id)
    bucket = unique("bucket")
    aws("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    aws("s3").put_object(Bucket=bucket, Key="data.csv", Body=b"a,b\n1,2\n")
    settings = trigger_platform.settings
    credentials = resolve(project_id, ExternalIntegration.AWS)

    session = aws_session(settings, credentials, "eu-west-1")
    s3 = aws_client(settings, session, "s3")
    body = s3.get_object(Bucket=bucket, Key="data.csv")["Body"].read()
    identity = aws_client(settings, session, "sts").get_caller_identity()
    options = s3_storage_options(settings, credentials, "eu-west-1")

    assert body == b"a,b\n1,2\n"
    assert identity["Arn"].startswith(f"arn:aws:sts::{AWS_ACCOUNT}:assumed-role/")
    assert options["endpoint_url"] == settings.aws_endpoint_url
    assert options["client_kwargs"] == {"region_name": "eu-west-1"}
    assert {"key", "secret", "token"} <= options.keys()


def test_gcp_credentials_are_the_service_account_of_the_key(client, resolve):
    project_id, _ = ready_model(client)
    key = service_account_key(token_uri="http://127.0.0.1:1/token")
    client.create_gcp_integration_credentials(
        unique("gcp"), True, project_id, json.dumps(key)
    )
    credentials = resolve(project_id, ExternalIntegration.GCP)

    google = gcp_credentials(credentials)
    options = gcs_storage_options(credentials)

    assert google.service_account_email == key["client_email"]
    assert google.project_id == key["project_id"]
    assert options == {"token": key, "project": key["project_id"]}


def test_azure_credential_gets_a_token_from_the_authority(
    client, azure, resolve, trigger_platform
):
    project_id, _ = ready_model(client)
    principal = azure.add_principal()
    client.create_azure_integration_credentials(
        unique("azure"), True, project_id, json.dumps(principal)
    )
    credentials = resolve(project_id, ExternalIntegration.AZURE)

    token = azure_credential(trigger_platform.settings, credentials).get_token(
        EVENT_GRID_SCOPE
    )

    assert azure.tokens[token.token] == EVENT_GRID_SCOPE
    assert azure_storage_options(credentials) == {
        "tenant_id": principal["tenant"],
        "client_id": principal["appId"],
        "client_secret": principal["password"],
    }


def test_no_default_and_a_wrong_provider_are_typed_errors(client, aws, resolve):
    project_id, _ = ready_model(client)
    with pytest.raises(CredentialsError) as raised:
        resolve(project_id, ExternalIntegration.GCP)
    assert raised.value.code == "CREDENTIALS_NOT_FOUND"

    secret = aws_credentials(client, aws, project_id)
    with pytest.raises(CredentialsError) as raised:
        resolve(project_id, ExternalIntegration.AZURE, secret.credentials_id)
    assert raised.value.code == "CREDENTIALS_PROVIDER_MISMATCH"
