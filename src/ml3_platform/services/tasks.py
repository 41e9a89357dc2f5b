"""Tasks: what is monitored, and how it is described (platform-behaviour §1)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import MonitorState, Task, User
from ml3_platform.services.access import Need, project_for, task_for
from ml3_platform.services.common import check_name, iso
from ml3_platform.services.errors import DomainError
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import CreateTask, UpdateTask
from ml3_platform_sdk.enums import DataStructure, MonitoringTarget, TaskType

COST_INFO_CLASS = {
    TaskType.REGRESSION: models.RegressionTaskCostInfo,
    TaskType.CLASSIFICATION_BINARY: models.BinaryClassificationTaskCostInfo,
    TaskType.CLASSIFICATION_MULTICLASS: models.MulticlassClassificationTaskCostInfo,
    TaskType.CLASSIFICATION_MULTILABEL: models.MultilabelClassificationTaskCostInfo,
}
TARGET_ORDER = [target.value for target in MonitoringTarget]


def create_task(session: Session, user: User, body: CreateTask) -> str:
    project = project_for(session, user, body.project_id, Need.EDIT)
    _check_name_free(session, project.id, body.name)
    _check_kind(body)
    task = Task(
        project_id=project.id,
        name=body.name,
        tags=body.tags or [],
        task_type=body.task_type.value,
        data_structure=body.data_structure.value,
        optional_target=body.optional_target,
        text_language=body.text_language and body.text_language.value,
        positive_class=body.positive_class,
        cost_info=_checked_cost_info(body.task_type, body.cost_info),
    )
    session.add(task)
    session.commit()
    return task.id


def update_task(session: Session, user: User, body: UpdateTask) -> None:
    task = task_for(session, user, body.task_id, Need.EDIT)
    if body.name is not None and body.name != task.name:
        _check_name_free(session, task.project_id, body.name)
        task.name = body.name
    if body.tags is not None:
        task.tags = body.tags
    if body.cost_info is not None:
        task.cost_info = _checked_cost_info(TaskType(task.task_type), body.cost_info)
    session.commit()


def get_task(session: Session, user: User, task_id: str) -> models.Task:
    return to_wire(session, task_for(session, user, task_id))


def list_tasks(session: Session, user: User, project_id: str) -> list[models.Task]:
    project = project_for(session, user, project_id)
    tasks = session.scalars(
        select(Task)
        .where(Task.project_id == project.id)
        .order_by(Task.created_at, Task.id)
    )
    return [to_wire(session, task) for task in tasks]


def to_wire(session: Session, task: Task) -> models.Task:
    return models.Task(
        task_id=task.id,
        name=task.name,
        type=task.task_type,
        input_status=task.input_status,
        input_status_insert_datetime=iso(task.input_status_at),
        concept_status=task.concept_status,
        concept_status_insert_datetime=iso(task.concept_status_at),
        cost_info=task.cost_info,
        optional_target=task.optional_target,
        monitoring_targets=_running_targets(session, task.id),
        positive_class=task.positive_class,
        text_language=task.text_language,
    )


def _running_targets(session: Session, task_id: str) -> list[str]:
    # Only what actually runs (decisions: "Statuses before a reference").
    targets = set(
        session.scalars(
            select(MonitorState.target).where(
                MonitorState.task_id == task_id,
                MonitorState.status != "not_initialized",
            )
        )
    )
    return [target for target in TARGET_ORDER if target in targets]


def _check_kind(body: CreateTask) -> None:
    is_text = body.data_structure == DataStructure.TEXT
    if body.task_type == TaskType.RAG and not is_text:
        raise DomainError("TASK_INVALID", "a RAG task needs the text data structure")
    if is_text and body.text_language is None:
        raise DomainError("TASK_INVALID", "a text task needs a text_language")
    if (
        body.positive_class is not None
        and body.task_type != TaskType.CLASSIFICATION_BINARY
    ):
        raise DomainError(
            "TASK_INVALID", "positive_class applies to binary classification only"
        )


def _checked_cost_info(task_type: TaskType, cost_info) -> dict | None:
    if cost_info is None:
        return None
    expected = COST_INFO_CLASS.get(task_type)
    if expected is None or not isinstance(cost_info, expected):
        raise DomainError(
            "TASK_COST_INFO_INVALID",
            f"cost_info does not match the task type {task_type.value}",
        )
    return cost_info.model_dump(mode="json")


def _check_name_free(session: Session, project_id: str, name: str) -> None:
    check_name("TASK_NAME_INVALID", "task", name)
    taken = session.scalar(
        select(Task.id).where(Task.project_id == project_id, Task.name == name)
    )
    if taken is not None:
        raise DomainError(
            "TASK_ALREADY_EXISTS", f"a task named {name!r} already exists"
        )
