"""No table holds an API key or a credential secret in clear (issue 3).

The raw rows of every table are read straight from the database (SQLite,
and PostgreSQL when it is configured), bypassing the ORM, and searched for
each secret the platform was given or issued.
"""

import json
import secrets

from sqlalchemy import inspect, select, text

from ml3_platform.db.session import make_engine
from ml3_platform.db.tables import ApiKey, IntegrationCredential
from ml3_platform.integrations.vault import unseal
from ml3_platform_sdk.enums import (
    ApiKeyExpirationTime,
    StoragePolicy,
    UserCompanyRole,
)
from support import database_session, unique


def every_row(settings) -> str:
    """Every row of every table, as text, bytes included."""
    engine = make_engine(settings)
    try:
        dumped = []
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f'SELECT * FROM "{table}"'))
                dumped.extend(repr(tuple(row)) for row in rows)
        return "\n".join(dumped)
    finally:
        engine.dispose()


def gcp_key(private_key: str) -> dict[str, str]:
    return {
        "type": "service_account",
        "project_id": "demo",
        "private_key_id": secrets.token_hex(8),
        "private_key": private_key,
        "client_email": "ml3@demo.iam.gserviceaccount.com",
        "client_id": "1",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/x509/ml3",
        "universe_domain": "googleapis.com",
    }


def test_no_table_holds_a_key_or_a_secret_in_clear(platform, company):
    owner = company.owner.client
    member = company.add(UserCompanyRole.COMPANY_USER)
    keys = [
        company.owner.api_key,
        member.api_key,
        owner.create_api_key("mine", ApiKeyExpirationTime.ONE_YEAR),
    ]
    project_id = owner.create_project(unique("p"), None, StoragePolicy.MLCUBE)
    private_key = f"-----BEGIN PRIVATE KEY-----\n{secrets.token_hex(32)}\n"
    password = secrets.token_urlsafe(24)
    aws = owner.create_aws_integration_credentials(
        "aws", True, project_id, "arn:aws:iam::123456789012:role/ml3"
    )
    owner.create_gcp_integration_credentials(
        "gcp", True, project_id, json.dumps(gcp_key(private_key))
    )
    principal = {
        "appId": "00000000-0000-0000-0000-000000000001",
        "displayName": "ml3",
        "password": password,
        "tenant": "00000000-0000-0000-0000-000000000002",
    }
    owner.create_azure_integration_credentials(
        "azure", True, project_id, json.dumps(principal)
    )
    # Secrets as they may be written: raw, JSON-escaped (newlines), and the
    # secret half of each key.
    wanted = [key.split(".", 1)[1] for key in keys] + [
        aws.external_id,
        password,
        private_key.splitlines()[1],
        json.dumps(private_key)[1:-1],
    ]

    everything = every_row(platform.settings)

    found = [secret for secret in wanted if secret in everything]
    assert found == []
    # The check read the right rows: the hashes are there, and the sealed
    # secrets open to what was given.
    with database_session(platform.settings) as session:
        hashes = set(session.scalars(select(ApiKey.key_hash)))
        sealed = session.scalars(
            select(IntegrationCredential.sealed).where(
                IntegrationCredential.project_id == project_id
            )
        ).all()
    assert hashes and all(h in everything for h in hashes)
    opened = [unseal(platform.settings, token) for token in sealed]
    assert {"external_id": aws.external_id} in opened
    assert any(secret.get("password") == password for secret in opened)
    assert any(secret.get("private_key") == private_key for secret in opened)


def test_no_answer_returns_a_secret_after_creation(company):
    owner = company.owner.client
    project_id = owner.create_project(unique("p"), None, StoragePolicy.MLCUBE)
    aws = owner.create_aws_integration_credentials(
        "aws", True, project_id, "arn:aws:iam::123456789012:role/ml3"
    )
    private_key = f"-----BEGIN PRIVATE KEY-----\n{secrets.token_hex(32)}\n"
    owner.create_gcp_integration_credentials(
        "gcp", False, project_id, json.dumps(gcp_key(private_key))
    )

    listed = owner.get_all_project_integration_credentials(project_id)
    fetched = owner.get_integration_credentials(aws.credentials_id)

    answers = repr(listed) + repr(fetched)
    assert len(listed) == 2
    assert aws.external_id not in answers
    assert private_key.splitlines()[1] not in answers
