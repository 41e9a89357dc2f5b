"""Every route, called as every kind of caller, answers as the table says.

The table ``ROUTE_PERMISSIONS`` drives the test: it must list exactly the
63 routes of protocol §2.0, and the app must serve exactly the table's
routes.
Each route is called with the ids of a real project, task, model, KPI and
integration credentials (in the path, the query of a GET, or the JSON body
of anything else) and otherwise harmless arguments: bodies hold only ids,
users and keys are unknown ids, and a deletion gets ids made for it, so
nothing is changed that another call depends on. The upload target, outside
``/sdk/v1``, answers to its token alone.
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from conftest import Company
from scaleout_support import skip_when_distributed
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
from shared_docs import protocol_routes
from support import CSV, database_session, presign, unique, upload

UNKNOWN = "f" * 32
# What a denial may read: the scoped ids' "not found", as their resolvers word it.
DENIALS = {
    "PERMISSION_DENIED",
    "COMPANY_NOT_FOUND",
    "PROJECT_NOT_FOUND",
    "TASK_NOT_FOUND",
    "MODEL_NOT_FOUND",
    "KPI_NOT_FOUND",
    "INTEGRATION_CREDENTIALS_NOT_FOUND",
}
ROLE_ARN = "arn:aws:iam::123456789012:role/ml3"
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
        # One connection pool for the many calls of the test.
        self.http = httpx.Client(timeout=60)

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
            "credentials_id": self._credentials(client, project_id),
        }

    @staticmethod
    def _credentials(client, project_id: str) -> str:
        made = client.create_aws_integration_credentials(
            unique("aws"), False, project_id, ROLE_ARN
        )
        return made.credentials_id

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
        if method == "DELETE" and "{credentials_id}" in path and ids is self.ids:
            # Each caller deletes credentials of its own, so the next caller
            # still meets real ones.
            owner = self.company.owner.client
            values["credentials_id"] = self._credentials(owner, ids["project_id"])
        filled = re.sub(
            r"\{(\w+)\}", lambda match: values.get(match[1], UNKNOWN), path
        )
        headers = {"X-Api-Key": self.keys[caller]} if caller != "no_key" else {}
        if method == "GET":
            url = self.platform.url + filled
            return self.http.get(url, params=ids, headers=headers)
        # Like the published client: a JSON body with no Content-Type.
        body = json.dumps({**ids, "user_id": UNKNOWN})
        return self.http.request(
            method, self.platform.url + filled, content=body, headers=headers
        )


@pytest.fixture(scope="module")
def world(platform) -> World:
    made = World(platform)
    yield made
    made.http.close()
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


def table_routes() -> list[tuple[str, str]]:
    """The table's routes, as (method, full path)."""
    lines = sorted(ROUTE_PERMISSIONS)
    return [
        (method, API_PREFIX + path)
        for method, path in (line.split(" ", 1) for line in lines)
    ]


def test_the_table_lists_exactly_the_protocol_routes():
    assert len(protocol_routes()) == 63
    assert set(ROUTE_PERMISSIONS) == protocol_routes()


def test_the_app_serves_exactly_the_table(platform):
    served = {f"{m} {p.removeprefix(API_PREFIX)}" for m, p in api_routes(platform)}
    assert served - set(ROUTE_PERMISSIONS) == set(), "served, but not in the table"
    assert set(ROUTE_PERMISSIONS) - served == set(), "in the table, not served"


CALLERS = [
    "owner",
    "admin",
    *PROJECT_CALLERS,
    "no_role",
    "outsider",
    "expired",
    "no_key",
]


# One test per caller: each makes two calls or so per route of the table.
@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_answers_every_caller_as_the_table_says(world, caller):
    wrong = []
    for method, path in table_routes():
        problem = _check(world, method, path, permission_of(method, path), caller)
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


def test_the_upload_target_answers_to_its_token_alone(world):
    skip_when_distributed(
        "our own upload route; scaled out, clients post to the bucket's "
        "presigned POST (tests/scaleout/test_direct_upload.py)"
    )
    with httpx.Client(
        base_url=f"{world.platform.url}{API_PREFIX}",
        headers={"X-Api-Key": world.keys["owner"]},
    ) as api:
        presigned = presign(api, world.ids["task_id"], CSV)
    url = presigned["presigned_url"]["url"]

    # A key opens nothing here: another token, even with the owner's key,
    # reads as an invalid URL, whatever follows it.
    for token in ("nope", "f" * 43, url.rsplit("/", 1)[1][:-1]):
        refused = httpx.post(
            url.rsplit("/", 1)[0] + "/" + token,
            files={"file": ("data.csv", CSV)},
            headers={"X-Api-Key": world.keys["owner"]},
        )
        assert (refused.status_code, refused.json()["error_code"]) == (
            400,
            "UPLOAD_URL_INVALID",
        )
    # The issued URL needs no key (protocol §1.2: the client sends none).
    assert upload(presigned, CSV).status_code == 204
