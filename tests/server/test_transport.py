"""How requests travel: keys, bodies, paths and error shapes (protocol §1)."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, text, update

from ml3_platform.auth import issue_key
from ml3_platform.db.tables import ApiKey, User
from ml3_platform.embedded import EmbeddedPlatform
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import ApiKeyExpirationTime, StoragePolicy
from ml3_platform_sdk.exceptions import SDKClientException
from support import create_project, database_session, ok, post, sdk_client, unique


def test_missing_key_is_401_with_error_body(platform):
    response = httpx.get(f"{platform.url}/sdk/v1/projects")
    assert response.status_code == 401
    assert response.json()["error_code"] == "API_KEY_INVALID"
    assert response.json()["error_message"]


def test_unknown_key_is_401(platform):
    with sdk_client(platform, "abc.def") as client:
        response = client.get("/projects")
    assert response.status_code == 401
    assert response.json()["error_code"] == "API_KEY_INVALID"


def test_expired_key_is_401(platform):
    platform.create_user(username := unique("user"))
    with database_session(platform.settings) as session:
        user = session.scalar(select(User).where(User.username == username))
        key = issue_key(session, user, "old", ApiKeyExpirationTime.ONE_MONTH)
        session.execute(
            update(ApiKey)
            .where(ApiKey.user_id == user.id, ApiKey.name == "old")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()

    with sdk_client(platform, key) as client:
        response = client.get("/projects")
    assert response.status_code == 401
    assert response.json()["error_code"] == "API_KEY_EXPIRED"


def test_keys_are_url_path_safe(platform):
    key = platform.create_user(unique("user"))
    assert set(key) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-"
    )


def test_json_body_without_content_type(api):
    project_id = create_project(api)  # sent with no Content-Type at all
    assert isinstance(project_id, str)


def test_json_body_whatever_the_content_type(api):
    body = '{"name":"Société","description":null,"default_storage_policy":"mlcube"}'
    response = api.post(
        "/project", content=body.encode(), headers={"Content-Type": "text/plain"}
    )
    project_id = ok(response)
    assert ok(api.get(f"/project/{project_id}"))["name"] == "Société"
    assert response.headers["content-type"].startswith("application/json")


def test_doubled_leading_slash(platform, api):
    project_id = create_project(api)
    response = httpx.get(
        f"{platform.url}//sdk/v1/project/{project_id}", headers=api.headers
    )
    assert ok(response)["project_id"] == project_id


def test_invalid_body_is_400_naming_the_field(api):
    response = post(api, "/project", {"name": "p", "description": None})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_REQUEST"
    assert "default_storage_policy" in response.json()["error_message"]


def test_malformed_json_is_400(api):
    response = api.post("/project", content=b"{not json")
    assert response.status_code == 400
    assert set(response.json()) == {"error_code", "error_message"}


def test_unknown_id_is_400_not_found(api):
    response = api.get("/project/nope")
    assert response.status_code == 400
    assert response.json() == {
        "error_code": "PROJECT_NOT_FOUND",
        "error_message": "project nope not found",
    }


def test_ignored_body_is_null(api):
    response = api.patch("/company", content='{"name":"x","address":null,"vat":null}')
    assert response.status_code == 200
    assert response.content == b"null"


def test_second_company_is_refused(api):
    response = post(api, "/company", {"name": "again", "address": "", "vat": ""})
    assert response.status_code == 400
    assert response.json()["error_code"] == "COMPANY_ALREADY_EXISTS"


def test_unknown_route_keeps_the_error_shape(api):
    response = api.get("/no-such-route")
    assert response.status_code == 404
    assert set(response.json()) == {"error_code", "error_message"}


def test_the_call_after_a_server_fault_still_works(tmp_path):
    """A 500 ends its connection; the client's next call opens a new one."""
    with EmbeddedPlatform(home=tmp_path) as platform:
        with ML3PlatformClient(platform.url, platform.create_user("u")) as client:
            client.create_company(name="Acme", address="Main St 1", vat="IT0")
            project_id = client.create_project("p", None, StoragePolicy.MLCUBE)
            with database_session(platform.settings) as session:
                session.execute(text("DROP TABLE kpis"))
                session.commit()

            with pytest.raises(SDKClientException) as fault:
                client.get_kpis(project_id)

            assert fault.value.error_code == "INTERNAL_ERROR"
            assert [p.project_id for p in client.get_projects()] == [project_id]
