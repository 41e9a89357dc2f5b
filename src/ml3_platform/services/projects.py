"""Projects of the caller's company."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Project, User
from ml3_platform.services.access import (
    Need,
    project_for,
    require_company_manager,
    visible_projects,
)
from ml3_platform.services.common import check_name
from ml3_platform.services.errors import DomainError
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import CreateProject, UpdateProject


def to_wire(project: Project) -> models.Project:
    return models.Project(project_id=project.id, name=project.name)


def create_project(session: Session, user: User, body: CreateProject) -> str:
    company_id = require_company_manager(user)
    _check_name_free(session, company_id, body.name)
    project = Project(
        company_id=company_id,
        name=body.name,
        description=body.description,
        default_storage_policy=body.default_storage_policy.value,
    )
    session.add(project)
    session.commit()
    return project.id


def list_projects(session: Session, user: User) -> list[models.Project]:
    if user.company_id is None:
        return []
    query = visible_projects(user).order_by(Project.created_at, Project.id)
    return [to_wire(project) for project in session.scalars(query)]


def get_project(session: Session, user: User, project_id: str) -> models.Project:
    return to_wire(project_for(session, user, project_id))


def update_project(
    session: Session, user: User, body: UpdateProject
) -> models.Project:
    project = project_for(session, user, body.project_id, Need.EDIT)
    if body.name is not None and body.name != project.name:
        _check_name_free(session, project.company_id, body.name)
        project.name = body.name
    if body.description is not None:
        project.description = body.description
    if body.default_storage_policy is not None:
        project.default_storage_policy = body.default_storage_policy.value
    session.commit()
    return to_wire(project)


def _check_name_free(session: Session, company_id: str, name: str) -> None:
    check_name("PROJECT_NAME_INVALID", "project", name)
    taken = session.scalar(
        select(Project.id).where(
            Project.company_id == company_id, Project.name == name
        )
    )
    if taken is not None:
        raise DomainError(
            "PROJECT_ALREADY_EXISTS", f"a project named {name!r} already exists"
        )
