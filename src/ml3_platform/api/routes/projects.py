"""Projects."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep
from ml3_platform.services import projects
from ml3_platform_sdk.bodies import CreateProject, UpdateProject
from ml3_platform_sdk.models import Project

router = APIRouter(tags=["projects"])


@router.post("/project")
def create_project(
    session: SessionDep, user: CurrentUser, body: JsonBody[CreateProject]
) -> str:
    """Create a project in the caller's company."""
    return projects.create_project(session, user, body)


@router.patch("/project")
def update_project(
    session: SessionDep, user: CurrentUser, body: JsonBody[UpdateProject]
) -> Project:
    """Change a project; fields left null stay as they are."""
    return projects.update_project(session, user, body)


@router.get("/projects")
def list_projects(session: SessionDep, user: CurrentUser) -> list[Project]:
    """The projects the caller may view."""
    return projects.list_projects(session, user)


@router.get("/project/{project_id}")
def get_project(session: SessionDep, user: CurrentUser, project_id: str) -> Project:
    """One project."""
    return projects.get_project(session, user, project_id)
