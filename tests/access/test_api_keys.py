"""API keys: shown once, stored as hashes, expiry and deletion at once."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import inspect, select, text, update

from ml3_platform.db.session import make_engine
from ml3_platform.db.tables import ApiKey
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import ApiKeyExpirationTime, UserCompanyRole
from ml3_platform_sdk.exceptions import SDKClientException
from support import database_session, unique

URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")


def raw_get(platform, key: str, path: str = "/api-key") -> httpx.Response:
    return httpx.get(f"{platform.url}/sdk/v1{path}", headers={"X-Api-Key": key})


def test_own_keys_are_listed_by_id_and_deleted_at_once(platform, company, capsys):
    owner = company.owner.client
    key = owner.create_api_key("laptop", ApiKeyExpirationTime.ONE_MONTH)
    assert URL_SAFE.fullmatch(key)

    listed = {k.name: k for k in owner.get_api_keys()}
    shown = listed["laptop"].api_key
    assert shown != key and shown in key  # the public id, never the secret
    expires = datetime.fromisoformat(listed["laptop"].expiration_time)
    assert abs(expires - datetime.now(UTC) - timedelta(days=30)) < timedelta(minutes=5)
    owner.show_api_keys()
    assert shown in capsys.readouterr().out

    assert raw_get(platform, key).status_code == 200
    owner.delete_api_key(shown)
    response = raw_get(platform, key)
    assert response.status_code == 401
    assert response.json()["error_code"] == "API_KEY_INVALID"

    # The whole key is accepted too, as users may paste it.
    another = owner.create_api_key("ci", ApiKeyExpirationTime.NEVER)
    owner.delete_api_key(another)
    assert raw_get(platform, another).status_code == 401
    with pytest.raises(SDKClientException) as raised:
        owner.delete_api_key(another)
    assert raised.value.error_code == "API_KEY_NOT_FOUND"


def test_an_expired_key_gets_401_at_once(platform, company):
    key = company.owner.client.create_api_key("short", ApiKeyExpirationTime.ONE_MONTH)
    key_id = key.split(".")[0]
    with database_session(platform.settings) as session:
        session.execute(
            update(ApiKey)
            .where(ApiKey.key_id == key_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    response = raw_get(platform, key)
    assert response.status_code == 401
    assert response.json()["error_code"] == "API_KEY_EXPIRED"
    with pytest.raises(SDKClientException) as raised:
        ML3PlatformClient(platform.url, key).get_company()
    assert raised.value.error_code == "API_KEY_EXPIRED"


def test_owners_manage_other_users_keys(platform, company):
    owner = company.owner.client
    user = company.add(UserCompanyRole.COMPANY_USER)
    key = owner.create_user_api_key(user.user_id, "extra", ApiKeyExpirationTime.NEVER)
    names = {k.name: k.api_key for k in owner.get_user_api_keys(user.user_id)}
    assert set(names) == {"main", "extra"}
    assert names["extra"] in key and names["extra"] != key
    assert {k.name for k in user.client.get_api_keys()} == {"main", "extra"}

    owner.delete_user_api_key(user.user_id, names["extra"])
    assert raw_get(platform, key).status_code == 401
    assert raw_get(platform, user.api_key).status_code == 200
    owner.show_user_api_keys(user.user_id)


def test_a_user_without_company_manages_own_keys(platform):
    with ML3PlatformClient(platform.url, platform.create_user(unique("u"))) as client:
        key = client.create_api_key("second", ApiKeyExpirationTime.SIX_MONTHS)
        assert {k.name for k in client.get_api_keys()} == {"default", "second"}
        assert raw_get(platform, key).status_code == 200


def test_no_table_holds_a_key_in_clear(platform, company):
    owner = company.owner.client
    user = company.add(UserCompanyRole.COMPANY_USER)
    keys = [
        company.owner.api_key,
        user.api_key,
        owner.create_api_key("mine", ApiKeyExpirationTime.ONE_YEAR),
        owner.create_user_api_key(user.user_id, "theirs", ApiKeyExpirationTime.NEVER),
    ]
    secrets = [key.split(".", 1)[1] for key in keys]

    engine = make_engine(platform.settings)
    try:
        dumped = []
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f'SELECT * FROM "{table}"'))
                dumped.extend(repr(tuple(row)) for row in rows)
    finally:
        engine.dispose()
    everything = "\n".join(dumped)
    assert "api_keys" in inspect(engine).get_table_names()
    for secret in secrets:
        assert secret not in everything
    # The hashes are there: the check above looked at the right rows.
    with database_session(platform.settings) as session:
        stored = set(session.scalars(select(ApiKey.key_hash)))
    assert all(h in everything for h in stored)
