"""Every route, called as every kind of caller, answers as the table says.

The routes come from the running app's OpenAPI description, so a route
added later is covered without touching this file; one without a line in
``ROUTE_PERMISSIONS`` fails the first test. Each route is called with the
ids of a real project, task, model and KPI (in the path, the query of a GET,
or the JSON body of anything else) and otherwise harmless arguments: bodies
hold only ids, users and keys are unknown ids, so nothing is changed that
another call depends on.
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from conftest import Company
from ml3_platform.api import create_app
from ml3_platform.auth.permissions import (
    API_PREFIX,
    ROUTE_PERMISSIONS,
    Permission,
    permission_of,
)
from ml3_platform.db.tables import ApiKey
from ml3_platform_sdk.enums import (
    ApiKeyExpirationTime,
    ColumnRole,
    DataStructure,
    DataType,
    ModelMetricName,
    StoragePolicy,
    SuggestionType,
    TaskType,
    UserCompanyRole,
    UserProjectRole,
)
from ml3_platform_sdk.models import ColumnInfo, DataSchema
from support import database_session, unique

SCOPED = ("project_id", "task_id", "model_id", "kpi_id")
UNKNOWN = "f" * 32
DENIALS = {"PERMISSION_DENIED", "COMPANY_NOT_FOUND"} | {
    f"{name.removesuffix('_id').upper()}_NOT_FOUND" for name in SCOPED
}
PROJECT_RANK = {
    Permission.PROJECT_VIEW: 1,
    Permission.PROJECT_EDIT: 2,
    Permission.PROJECT_ADMIN: 3,
}
# Company users by project role, with the rank each role reaches.
PROJECT_CALLERS = {
    "project_admin": (UserProjectRole.PROJECT_ADMIN, 3),
    "project_user": (UserProjectRole.PROJECT_USER, 2),
    "project_view": (UserProjectRole.PROJECT_VIEW, 1),
}


class World:
    """A company with a caller of each kind, and a stranger."""

    def __init__(self, platform) -> None:
        self.platform = platform
        self.company, self.other = Company(platform), Company(platform)
        owner = self.company.owner
        self.keys = {
            "owner": owner.api_key,
            "admin": self.company.add(UserCompanyRole.COMPANY_ADMIN).api_key,
            "no_role": self.company.add(UserCompanyRole.COMPANY_USER).api_key,
            "outsider": self.other.owner.api_key,
        }
        self.ids = self._build(owner.client)
        for name, (role, _) in PROJECT_CALLERS.items():
            member = self.company.add(UserCompanyRole.COMPANY_USER)
            owner.client.add_user_project_role(
                member.user_id, self.ids["project_id"], role
            )
            self.keys[name] = member.api_key
        self.keys["expired"] = self._expired_key(owner.client)

    def _build(self, client) -> dict[str, str]:
        project_id = client.create_project(unique("p"), None, StoragePolicy.MLCUBE)
        task_id = client.create_task(
            project_id, unique("t"), [], TaskType.REGRESSION, DataStructure.TABULAR
        )
        columns = [
            ("sample_id", ColumnRole.ID, DataType.STRING),
            ("timestamp", ColumnRole.TIME_ID, DataType.FLOAT),
            ("x", ColumnRole.INPUT, DataType.FLOAT),
            ("y", ColumnRole.TARGET, DataType.FLOAT),
        ]
        schema = DataSchema(
            columns=[
                ColumnInfo(name=n, role=r, is_nullable=False, data_type=d)
                for n, r, d in columns
            ]
        )
        client.add_data_schema(task_id, schema)
        model_id = client.create_model(
            task_id, "m", "v1", ModelMetricName.RMSE, SuggestionType.SAMPLE_WEIGHTS
        )
        kpi_id = client.create_kpi(project_id, "k")
        return {
            "project_id": project_id,
            "task_id": task_id,
            "model_id": model_id,
            "kpi_id": kpi_id,
        }

    def _expired_key(self, client) -> str:
        key = client.create_api_key("expired", ApiKeyExpirationTime.ONE_MONTH)
        with database_session(self.platform.settings) as session:
            session.execute(
                update(ApiKey)
                .where(ApiKey.key_id == key.split(".")[0])
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
            session.commit()
        return key

    def call(
        self, method: str, path: str, caller: str, ids: dict[str, str]
    ) -> httpx.Response:
        values = {**ids, "model_version": "v1"}
        filled = re.sub(
            r"\{(\w+)\}", lambda match: values.get(match[1], UNKNOWN), path
        )
        headers = {"X-Api-Key": self.keys[caller]} if caller != "no_key" else {}
        if method == "GET":
            return httpx.get(self.platform.url + filled, params=ids, headers=headers)
        # Like the published client: a JSON body with no Content-Type.
        body = json.dumps({**ids, "user_id": UNKNOWN})
        return httpx.request(
            method, self.platform.url + filled, content=body, headers=headers
        )


@pytest.fixture(scope="module")
def world(platform) -> World:
    made = World(platform)
    yield made
    made.company.close()
    made.other.close()


def api_routes(platform) -> list[tuple[str, str]]:
    paths = create_app(platform.settings).openapi()["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(API_PREFIX)
        for method in operations
    )


def expectation(permission: Permission, caller: str) -> str:
    """``allow``, ``deny`` (PERMISSION_DENIED) or ``hide`` (as unknown)."""
    if caller == "owner":
        return "allow"
    if caller == "admin":
        return "deny" if permission == Permission.COMPANY_OWNER else "allow"
    if permission in (Permission.SIGNED_IN, Permission.COMPANY_MEMBER):
        return "allow"
    if permission in (Permission.COMPANY_ADMIN, Permission.COMPANY_OWNER):
        # A stranger is owner of their own company: the route is theirs too.
        return "allow" if caller == "outsider" else "deny"
    if caller in ("outsider", "no_role"):
        return "hide"
    rank = PROJECT_CALLERS[caller][1]
    return "allow" if rank >= PROJECT_RANK[permission] else "deny"


def test_every_route_has_a_line_in_the_table(platform):
    routes = api_routes(platform)
    assert len(routes) >= 40
    missing = [f"{m} {p}" for m, p in routes if permission_of(m, p) is None]
    assert missing == [], "add these to ROUTE_PERMISSIONS"


def test_every_route_answers_every_caller_as_the_table_says(platform, world):
    wrong = []
    for method, path in api_routes(platform):
        permission = permission_of(method, path)
        if permission is None:
            continue  # reported by the test above
        for caller in [*world.keys, "no_key"]:
            problem = _check(world, method, path, permission, caller)
            if problem:
                wrong.append(f"{method} {path} as {caller}: {problem}")
    assert wrong == []


def _check(world, method, path, permission, caller) -> str | None:
    response = world.call(method, path, caller, world.ids)
    body = response.json() if response.content else None
    code = body.get("error_code") if isinstance(body, dict) else None
    if caller in ("expired", "no_key"):
        wanted = "API_KEY_EXPIRED" if caller == "expired" else "API_KEY_INVALID"
        if response.status_code != 401 or code != wanted:
            return f"wanted 401 {wanted}, got {response.status_code} {code}"
        return None

    wanted = expectation(permission, caller)
    if wanted == "allow":
        if response.status_code == 200:
            return None
        if response.status_code == 400 and code not in DENIALS:
            return None
        return f"allowed, but got {response.status_code} {response.text[:200]}"
    if wanted == "deny":
        if response.status_code == 400 and code == "PERMISSION_DENIED":
            return None
        return f"wanted PERMISSION_DENIED, got {response.status_code} {code}"

    if response.status_code != 400 or not (code or "").endswith("_NOT_FOUND"):
        return f"wanted not found, got {response.status_code} {response.text[:200]}"
    # The same call on ids that exist nowhere must read the same.
    fresh = {name: uuid.uuid4().hex for name in world.ids}
    unknown = world.call(method, path, caller, fresh).json()
    if (unknown["error_code"], _masked(unknown["error_message"], fresh)) != (
        code,
        _masked(body["error_message"], world.ids),
    ):
        return f"tells real ids apart: {body} vs {unknown}"
    return None


def _masked(message: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        message = message.replace(value, f"<{name}>")
    return message


def test_the_table_names_only_known_permissions():
    assert set(ROUTE_PERMISSIONS.values()) <= set(Permission)
