"""Which permission each route needs: one table, enforced on every request.

``ROUTE_PERMISSIONS`` maps ``"<METHOD> <path>"`` (the path as declared under
``/sdk/v1``) to a :class:`Permission`. :func:`enforce_permission` is a
dependency of the whole ``/sdk/v1`` router, so a route is checked against
its line before its handler runs, and a route with no line answers 500
(the permission test lists such routes).

Company permissions are decided by the caller's company role alone. Project
permissions are decided on the project of every id the request names (in
its path, its query or the top level of its JSON body) that has a scope
resolver: ``project_id``, ``task_id``, ``model_id``, ``kpi_id``,
``rule_id``, ``credentials_id``. An id of another company, or of a project
the caller has no role on, answers exactly like an unknown id, so a denial
never tells whether an id exists. An area that adds a new kind of id
registers its resolver with :func:`project_scope`.
"""

import json
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ml3_platform.auth.dependencies import current_user
from ml3_platform.db.session import request_session
from ml3_platform.db.tables import (
    DetectionEventRule,
    IntegrationCredential,
    Kpi,
    Model,
    Task,
    User,
)
from ml3_platform.services.access import (
    COMPANY_MANAGERS,
    Need,
    company_id_of,
    project_for,
)
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform_sdk.enums import UserCompanyRole

API_PREFIX = "/sdk/v1"


class Permission(Enum):
    """What a route needs; the project levels hold on the named project."""

    SIGNED_IN = "any user with a valid key"
    COMPANY_MEMBER = "any member of a company"
    COMPANY_ADMIN = "company owner or admin"
    COMPANY_OWNER = "company owner"
    PROJECT_VIEW = "PROJECT_VIEW or higher on the project"
    PROJECT_EDIT = "PROJECT_USER or higher on the project"
    PROJECT_ADMIN = "PROJECT_ADMIN on the project"

    @property
    def project_need(self) -> Need | None:
        return _PROJECT_NEEDS.get(self)


_PROJECT_NEEDS = {
    Permission.PROJECT_VIEW: Need.VIEW,
    Permission.PROJECT_EDIT: Need.EDIT,
    Permission.PROJECT_ADMIN: Need.ADMIN,
}

SIGNED_IN = Permission.SIGNED_IN
MEMBER = Permission.COMPANY_MEMBER
COMPANY_ADMIN = Permission.COMPANY_ADMIN
OWNER = Permission.COMPANY_OWNER
VIEW = Permission.PROJECT_VIEW
EDIT = Permission.PROJECT_EDIT
PROJECT_ADMIN = Permission.PROJECT_ADMIN

# platform-behaviour §8. "Work on project" (retrain triggers, reading
# credentials) is granted to PROJECT_USER, the same role as edit.
# Owners and admins pass every project permission in their company.
ROUTE_PERMISSIONS: dict[str, Permission] = {
    # company
    "POST /company": SIGNED_IN,
    "GET /company": MEMBER,
    "PATCH /company": COMPANY_ADMIN,
    # projects
    "POST /project": COMPANY_ADMIN,
    "PATCH /project": EDIT,
    "GET /projects": SIGNED_IN,  # lists only what the caller may view
    "GET /project/{project_id}": VIEW,
    # tasks, models, schema
    "POST /task": EDIT,
    "PATCH /task": EDIT,
    "GET /task/{task_id}": VIEW,
    "GET /tasks/{project_id}": VIEW,
    "POST /model": EDIT,
    "GET /model/{model_id}": VIEW,
    "GET /models/{task_id}": VIEW,
    "PUT /model/suggestion-type": EDIT,
    "POST /model/reference": EDIT,
    "PATCH /model-version-suggestion-id": EDIT,
    "PATCH /model-version-time-range": EDIT,
    "GET /suggestions/{model_id}/{model_version}": VIEW,
    "POST /data-schema": EDIT,
    "GET /data-schema/{task_id}": VIEW,
    # data
    "GET /data/presigned-url": EDIT,
    "POST /data/historical": EDIT,
    "POST /data/target": EDIT,
    "POST /data/production": EDIT,
    "POST /data/kpi": EDIT,
    # KPIs
    "POST /kpi": EDIT,
    "GET /kpi/{kpi_id}": VIEW,
    "GET /kpis/{project_id}": VIEW,
    # retraining
    "POST /retraining-report": EDIT,
    "GET /retraining-report": VIEW,
    "POST /model/{model_id}/retrain-trigger": EDIT,
    "DELETE /model/{model_id}/retrain-trigger": EDIT,
    "POST /test-retrain-trigger": EDIT,
    "POST /retrain-model": EDIT,
    # jobs and events
    "GET /job": SIGNED_IN,  # lists only what the caller may view
    "GET /task/{task_id}/sdk-detection-events": VIEW,
    "GET /task/detection-event/rules": VIEW,
    "GET /task/detection-event/rule/{rule_id}": VIEW,
    "POST /task/detection-event/rule": EDIT,
    "PATCH /task/detection-event/rule": EDIT,
    "DELETE /task/detection-event/rule/{rule_id}": EDIT,
    # users and roles
    "POST /company-user": OWNER,
    "GET /company-user": MEMBER,
    "DELETE /company-user/{user_id}": COMPANY_ADMIN,
    "POST /change-user-company-role": OWNER,
    "POST /company-owner/{user_id}": OWNER,
    "GET /user-project/{user_id}": MEMBER,
    "POST /user-project-role": COMPANY_ADMIN,
    "DELETE /user-project-role": COMPANY_ADMIN,
    # API keys: one's own, then other users' (not other admins': the service)
    "GET /api-key": SIGNED_IN,
    "POST /api-key": SIGNED_IN,
    "DELETE /api-key/{api_key}": SIGNED_IN,
    "GET /user-api-key/{user_id}": COMPANY_ADMIN,
    "POST /user-api-key": COMPANY_ADMIN,
    "DELETE /user-api-key/{user_id}/{api_key}": COMPANY_ADMIN,
    # integration credentials
    "GET /integration/credentials/{credentials_id}": EDIT,
    "GET /project/{project_id}/integration-credentials": EDIT,
    "DELETE /integration/credentials/{credentials_id}": PROJECT_ADMIN,
    "POST /integration/credentials/{credentials_id}/default": PROJECT_ADMIN,
    "POST /integration/aws/credentials": PROJECT_ADMIN,
    "POST /integration/gcp/credentials": PROJECT_ADMIN,
    "POST /integration/azure/credentials": PROJECT_ADMIN,
}


# --- Scopes: from an id in a request to its project --------------------------

Resolver = Callable[[Session, str], str | None]
# id name -> (the noun of its "not found" error, its resolver)
_SCOPES: dict[str, tuple[str, Resolver]] = {}


def project_scope(id_name: str, noun: str) -> Callable[[Resolver], Resolver]:
    """Register how an id named ``id_name`` leads to its project's id.

    The resolver returns None for an unknown id; the denial then reads
    ``<NOUN>_NOT_FOUND``, as the services word it.
    """

    def register(resolver: Resolver) -> Resolver:
        _SCOPES[id_name] = (noun, resolver)
        return resolver

    return register


def scope_names() -> set[str]:
    return set(_SCOPES)


@project_scope("project_id", "project")
def _project(session: Session, project_id: str) -> str | None:
    return project_id


@project_scope("task_id", "task")
def _task(session: Session, task_id: str) -> str | None:
    task = session.get(Task, task_id)
    return task.project_id if task else None


@project_scope("model_id", "model")
def _model(session: Session, model_id: str) -> str | None:
    model = session.get(Model, model_id)
    return _task(session, model.task_id) if model else None


@project_scope("kpi_id", "kpi")
def _kpi(session: Session, kpi_id: str) -> str | None:
    kpi = session.get(Kpi, kpi_id)
    return kpi.project_id if kpi else None


@project_scope("rule_id", "detection event rule")
def _rule(session: Session, rule_id: str) -> str | None:
    rule = session.get(DetectionEventRule, rule_id)
    return _task(session, rule.task_id) if rule else None


@project_scope("credentials_id", "integration credentials")
def _credentials(session: Session, credentials_id: str) -> str | None:
    credentials = session.get(IntegrationCredential, credentials_id)
    return credentials.project_id if credentials else None


# --- Enforcement -------------------------------------------------------------


def permission_of(method: str, path: str) -> Permission | None:
    """The table's line for a route; ``path`` as declared, prefix or not."""
    return ROUTE_PERMISSIONS.get(f"{method} {path.removeprefix(API_PREFIX)}")


async def _named_ids(request: Request) -> dict[str, str]:
    """Every id the request names: path, query, then the body's top level."""
    ids: dict[str, str] = {}
    body = await request.body()
    if body.strip():
        try:
            parsed: Any = json.loads(body)
        except ValueError:
            parsed = None  # the handler reports the malformed body
        if isinstance(parsed, dict):
            ids.update(
                (key, value) for key, value in parsed.items() if isinstance(value, str)
            )
    ids.update(request.query_params.items())
    ids.update(request.path_params)
    return ids


def enforce_permission(
    request: Request,
    session: Annotated[Session, Depends(request_session)],
    user: Annotated[User, Depends(current_user)],
    ids: Annotated[dict[str, str], Depends(_named_ids)],
) -> None:
    """Refuse the request unless the caller holds the route's permission."""
    route = request.scope["route"]
    permission = permission_of(request.method, route.path)
    if permission is None:
        raise RuntimeError(
            f"{request.method} {route.path} has no line in ROUTE_PERMISSIONS"
        )
    check(session, user, permission, ids)


def check(
    session: Session, user: User, permission: Permission, ids: dict[str, str]
) -> None:
    """Company roles first, so that a denial never depends on an id."""
    if permission == SIGNED_IN:
        return
    company_id_of(user)
    role = user.company_role
    if permission == COMPANY_ADMIN and role not in COMPANY_MANAGERS:
        raise DomainError(
            "PERMISSION_DENIED", "only the company owner or an admin may do this"
        )
    if permission == OWNER and role != UserCompanyRole.COMPANY_OWNER.value:
        raise DomainError("PERMISSION_DENIED", "only the company owner may do this")

    need = permission.project_need
    if need is None:
        return
    # A request that names no scoped id (a malformed body) is left to its
    # handler, whose service looks its ids up through ``access`` as well.
    for name, value in ids.items():
        # An empty id names nothing: a trigger's empty ``credentials_id``
        # asks for the project's default credentials.
        if name in _SCOPES and value:
            _check_scope(session, user, name, value, need)


def _check_scope(
    session: Session, user: User, name: str, value: str, need: Need
) -> None:
    noun, resolver = _SCOPES[name]
    project_id = resolver(session, value)
    if project_id is None:
        raise not_found(noun, value)
    try:
        project_for(session, user, project_id, need)
    except DomainError as error:
        if error.code == "PROJECT_NOT_FOUND":
            raise not_found(noun, value) from None
        raise
