"""Models and their versions; every version shares its model's id."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Model, ModelVersion, Task, User
from ml3_platform.services.access import Need, model_for, task_for
from ml3_platform.services.common import as_utc, check_name
from ml3_platform.services.data_schemas import (
    add_prediction_column,
    check_prediction_column_free,
    schema_of,
)
from ml3_platform.services.errors import DomainError
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import CreateModel
from ml3_platform_sdk.enums import ModelMetricName, SuggestionType, TaskType

_CLASSIFICATION = {ModelMetricName.ACCURACY}
METRICS = {
    TaskType.REGRESSION: {ModelMetricName.RMSE, ModelMetricName.RSQUARE},
    TaskType.CLASSIFICATION_BINARY: _CLASSIFICATION,
    TaskType.CLASSIFICATION_MULTICLASS: _CLASSIFICATION,
    TaskType.CLASSIFICATION_MULTILABEL: _CLASSIFICATION,
    # A RAG task has no target, so its model's metric is never computed.
    TaskType.RAG: set(ModelMetricName),
}


def create_model(session: Session, user: User, body: CreateModel) -> str:
    task = task_for(session, user, body.task_id, Need.EDIT)
    schema = schema_of(session, task)
    check_name("MODEL_NAME_INVALID", "model", body.name)
    check_version_name(body.version)
    check_prediction_column_free(schema, body.name, body.version)
    # (Non-finite numbers are refused with the request.)
    if body.retraining_cost < 0:
        raise DomainError(
            "RETRAINING_COST_INVALID",
            f"retraining_cost must be 0 or more, not {body.retraining_cost}",
        )
    _check_metric(task, body.metric_name)
    check_suggestion_type(body.preferred_suggestion_type, body.resampled_dataset_size)
    if session.scalar(
        select(Model.id).where(Model.task_id == task.id, Model.name == body.name)
    ):
        raise DomainError(
            "MODEL_ALREADY_EXISTS",
            f"task {task.id} already has a model named {body.name!r}",
        )

    model = Model(
        task_id=task.id,
        name=body.name,
        metric_name=body.metric_name.value,
        retraining_cost=body.retraining_cost,
        preferred_suggestion_type=body.preferred_suggestion_type.value,
        resampled_dataset_size=body.resampled_dataset_size,
    )
    session.add(model)
    session.flush()
    version = ModelVersion(model_id=model.id, version=body.version)
    session.add(version)
    session.flush()
    model.current_version_id = version.id
    add_prediction_column(schema, task, model, body.version)
    session.commit()
    return model.id


def get_model(session: Session, user: User, model_id: str) -> models.Model:
    model = model_for(session, user, model_id)
    return to_wire(model, current_version(session, model))


def list_models(session: Session, user: User, task_id: str) -> list[models.Model]:
    """One entry per model version (protocol §2.4, 17)."""
    task = task_for(session, user, task_id)
    rows = session.execute(
        select(Model, ModelVersion)
        .join(ModelVersion, ModelVersion.model_id == Model.id)
        .where(Model.task_id == task.id)
        .order_by(Model.created_at, Model.id, ModelVersion.created_at)
    )
    return [to_wire(model, version) for model, version in rows]


def current_version(session: Session, model: Model) -> ModelVersion:
    return session.get(ModelVersion, model.current_version_id)


def check_version_name(name: str) -> None:
    """Refuse a version name no path could name: a blank one, or one with
    a "/", which would end it early in ``/suggestions/{model}/{version}``."""
    check_name("MODEL_VERSION_INVALID", "model", name, field="version")
    if "/" in name:
        raise DomainError(
            "MODEL_VERSION_INVALID",
            f"a model version cannot contain '/', which ends it in the paths "
            f"that name it: {name!r}",
        )


def task_models(session: Session, task: Task) -> list[Model]:
    return list(session.scalars(select(Model).where(Model.task_id == task.id)))


# A resampled suggestion becomes a version's reference one row per count
# (pipeline/versions.py), so the size is what one job can hold in memory.
MAX_RESAMPLED_DATASET_SIZE = 10_000_000


def check_suggestion_type(kind: SuggestionType, size: int | None) -> None:
    """Refuse a size no resample could have, whatever the type: the model
    stores the size either way, and a huge one would not even fit its column."""
    missing = size is None and kind == SuggestionType.RESAMPLED_DATASET
    if missing or (size is not None and not 0 < size <= MAX_RESAMPLED_DATASET_SIZE):
        raise DomainError(
            "RESAMPLED_DATASET_SIZE_INVALID",
            f"resampled_dataset_size must be from 1 to "
            f"{MAX_RESAMPLED_DATASET_SIZE:,} (resampled_dataset needs one), "
            f"not {size}",
        )


def to_wire(model: Model, version: ModelVersion) -> models.Model:
    return models.Model(
        model_id=model.id,
        task_id=model.task_id,
        name=model.name,
        version=version.version,
        status=version.status,
        status_data_start_timestamp=version.status_data_start_ts,
        status_insert_datetime=as_utc(version.status_at),
        prediction_status=version.prediction_status,
        prediction_status_data_start_timestamp=version.prediction_status_data_start_ts,
        prediction_status_insert_datetime=as_utc(version.prediction_status_at),
        metric_name=model.metric_name,
        creation_datetime=as_utc(version.created_at),
        retrain_trigger=model.retrain_trigger,
        retraining_cost=model.retraining_cost,
    )


def _check_metric(task: Task, metric: ModelMetricName) -> None:
    task_type = TaskType(task.task_type)
    if metric not in METRICS[task_type]:
        allowed = ", ".join(sorted(m.value for m in METRICS[task_type]))
        raise DomainError(
            "MODEL_METRIC_INVALID",
            f"metric {metric.value} does not fit a {task_type.value} task; "
            f"use {allowed}",
        )
