"""Who may touch what: tenancy and roles (platform-behaviour §1, §8).

Every lookup by id goes through here. An id of another company, or of a
project the caller has no role on, answers exactly like an unknown id, so ids
never leak; a role that exists but is too low answers ``PERMISSION_DENIED``.
"""

from enum import IntEnum

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Model, Project, ProjectRole, Task, User
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform_sdk.enums import UserCompanyRole, UserProjectRole


class Need(IntEnum):
    """What a call needs on a project, weakest first."""

    VIEW = 1
    EDIT = 2
    ADMIN = 3


PROJECT_ROLE_RANK = {
    UserProjectRole.PROJECT_VIEW.value: Need.VIEW,
    UserProjectRole.PROJECT_USER.value: Need.EDIT,
    UserProjectRole.PROJECT_ADMIN.value: Need.ADMIN,
}
COMPANY_MANAGERS = {
    UserCompanyRole.COMPANY_OWNER.value,
    UserCompanyRole.COMPANY_ADMIN.value,
}


def company_id_of(user: User) -> str:
    if user.company_id is None:
        raise DomainError(
            "COMPANY_NOT_FOUND", "the user belongs to no company; create one first"
        )
    return user.company_id


def require_company_manager(user: User) -> str:
    company_id = company_id_of(user)
    if user.company_role not in COMPANY_MANAGERS:
        raise DomainError(
            "PERMISSION_DENIED", "only the company owner or an admin may do this"
        )
    return company_id


def visible_projects(user: User) -> Select[tuple[Project]]:
    """The projects ``user`` may view, as a query to refine."""
    query = select(Project).where(Project.company_id == user.company_id)
    if user.company_role in COMPANY_MANAGERS:
        return query
    return query.join(
        ProjectRole,
        (ProjectRole.project_id == Project.id) & (ProjectRole.user_id == user.id),
    )


def visible_project_ids(user: User) -> Select[tuple[str]]:
    return visible_projects(user).with_only_columns(Project.id)


def project_for(
    session: Session, user: User, project_id: str, need: Need = Need.VIEW
) -> Project:
    project = session.get(Project, project_id)
    if project is None or project.company_id != user.company_id:
        raise not_found("project", project_id)
    _check_role(session, user, project, need)
    return project


def task_for(
    session: Session, user: User, task_id: str, need: Need = Need.VIEW
) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise not_found("task", task_id)
    project = session.get(Project, task.project_id)
    if project is None or project.company_id != user.company_id:
        raise not_found("task", task_id)
    _check_role(session, user, project, need, missing=not_found("task", task_id))
    return task


def model_for(
    session: Session, user: User, model_id: str, need: Need = Need.VIEW
) -> Model:
    model = session.get(Model, model_id)
    if model is None:
        raise not_found("model", model_id)
    try:
        task_for(session, user, model.task_id, need)
    except DomainError as error:
        if error.code == "TASK_NOT_FOUND":
            raise not_found("model", model_id) from None
        raise
    return model


def _check_role(
    session: Session,
    user: User,
    project: Project,
    need: Need,
    missing: DomainError | None = None,
) -> None:
    if user.company_role in COMPANY_MANAGERS:
        return
    role = session.get(ProjectRole, (user.id, project.id))
    if role is None:
        raise missing or not_found("project", project.id)
    if PROJECT_ROLE_RANK.get(role.role, 0) < need:
        raise DomainError(
            "PERMISSION_DENIED", f"this needs a higher role on project {project.id}"
        )
