"""Tasks."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep
from ml3_platform.services import tasks
from ml3_platform_sdk.bodies import CreateTask, UpdateTask
from ml3_platform_sdk.models import Task

router = APIRouter(tags=["tasks"])


@router.post("/task")
def create_task(
    session: SessionDep, user: CurrentUser, body: JsonBody[CreateTask]
) -> str:
    """Create a task in a project."""
    return tasks.create_task(session, user, body)


@router.patch("/task")
def update_task(
    session: SessionDep, user: CurrentUser, body: JsonBody[UpdateTask]
) -> None:
    """Change a task's name, tags or cost info."""
    tasks.update_task(session, user, body)


@router.get("/task/{task_id}")
def get_task(session: SessionDep, user: CurrentUser, task_id: str) -> Task:
    """One task with its statuses."""
    return tasks.get_task(session, user, task_id)


@router.get("/tasks/{project_id}")
def list_tasks(session: SessionDep, user: CurrentUser, project_id: str) -> list[Task]:
    """The tasks of a project."""
    return tasks.list_tasks(session, user, project_id)
