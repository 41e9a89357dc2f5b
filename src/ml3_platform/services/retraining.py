"""Retraining reports, suggestions and new model versions (protocol §2.4, §2.8).

Reports and new versions are jobs (``retraining_report``, ``model_version``
in `ml3_platform.pipeline`); what can be checked before the job is checked
here, so a bad request answers 400 at once.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform import jobs
from ml3_platform.db.session import check_text_length
from ml3_platform.db.tables import (
    DataSchema,
    Model,
    ModelVersion,
    RetrainingReport,
    RetrainingSuggestion,
    Task,
    User,
)
from ml3_platform.pipeline.retraining import latest_drift
from ml3_platform.pipeline.versions import check_executable
from ml3_platform.services.access import Need, model_for
from ml3_platform.services.data_schemas import check_prediction_column_free
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform.services.models import (
    check_suggestion_type,
    check_version_name,
    current_version,
)
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import (
    SetModelSuggestionType,
    UpdateModelVersionBySuggestionId,
    UpdateModelVersionFromTimeRange,
)
from ml3_platform_sdk.enums import SuggestionType
from ml3_platform.storage import Store


def compute_report(session: Session, user: User, model_id: str) -> str:
    model = model_for(session, user, model_id, Need.EDIT)
    version = current_version(session, model)
    drift_ts = latest_drift(session, model, version)
    if drift_ts is None:
        raise DomainError(
            "NO_DRIFT_DETECTED",
            f"model {model.id} has seen no drift yet (no drift_on of its error "
            "monitor, nor of the task's concept or input monitor); a report "
            "answers a drift",
        )
    payload = {
        "model_id": model.id,
        "model_version_id": version.id,
        "drift_ts": drift_ts,
    }
    return _submit(session, user, model, "retraining_report", payload)


def get_report(
    session: Session, user: User, store: Store, model_id: str
) -> models.RetrainingReport:
    """The latest report of the model's current version."""
    model = model_for(session, user, model_id)
    version = current_version(session, model)
    report = session.scalar(
        select(RetrainingReport)
        .where(RetrainingReport.model_version_id == version.id)
        .order_by(RetrainingReport.created_at.desc())
        .limit(1)
    )
    if report is None:
        raise DomainError(
            "RETRAINING_REPORT_NOT_FOUND",
            f"model {model.id} at version {version.version} has no retraining "
            "report yet; compute one with compute_retraining_report",
        )
    suggestion = session.scalar(
        select(RetrainingSuggestion).where(RetrainingSuggestion.report_id == report.id)
    )
    return _report_wire(report, suggestion, store)


def list_suggestions(
    session: Session, user: User, model_id: str, version_name: str
) -> list[models.SuggestionInfo]:
    model = model_for(session, user, model_id)
    version = _version(session, model, version_name)
    rows = session.scalars(
        select(RetrainingSuggestion)
        .where(RetrainingSuggestion.model_version_id == version.id)
        .order_by(RetrainingSuggestion.created_at)
    )
    return [
        models.SuggestionInfo(
            id=row.id, executed=row.executed, timestamp=row.created_at.timestamp()
        )
        for row in rows
    ]


def set_suggestion_type(session: Session, user: User, body: SetModelSuggestionType):
    model = model_for(session, user, body.model_id, Need.EDIT)
    check_suggestion_type(body.preferred_suggestion_type, body.resampled_dataset_size)
    model.preferred_suggestion_type = body.preferred_suggestion_type.value
    model.resampled_dataset_size = body.resampled_dataset_size
    session.commit()


def version_from_suggestion(
    session: Session, user: User, body: UpdateModelVersionBySuggestionId
) -> str:
    model = model_for(session, user, body.model_id, Need.EDIT)
    _check_new_version(session, model, body.new_model_version)
    suggestion = session.get(RetrainingSuggestion, body.suggestion_id)
    if suggestion is None or suggestion.model_id != model.id:
        raise not_found("suggestion", body.suggestion_id)
    check_executable(suggestion)
    payload = {
        "model_id": model.id,
        "new_model_version": body.new_model_version,
        "suggestion_id": suggestion.id,
    }
    return _submit(session, user, model, "model_version", payload)


def version_from_time_range(
    session: Session, user: User, body: UpdateModelVersionFromTimeRange
) -> str:
    model = model_for(session, user, body.model_id, Need.EDIT)
    _check_new_version(session, model, body.new_model_version)
    if body.from_timestamp > body.to_timestamp:
        raise DomainError(
            "TIME_RANGE_INVALID", "from_timestamp is later than to_timestamp"
        )
    payload = {
        "model_id": model.id,
        "new_model_version": body.new_model_version,
        "from_timestamp": body.from_timestamp,
        "to_timestamp": body.to_timestamp,
    }
    return _submit(session, user, model, "model_version", payload)


def _submit(session: Session, user: User, model: Model, group: str, payload) -> str:
    task = session.get(Task, model.task_id)
    job = jobs.submit(
        session, group, task.project_id, task.id, model.id, payload, user_id=user.id
    )
    session.commit()
    return job.id


def _version(session: Session, model: Model, name: str) -> ModelVersion:
    version = session.scalar(
        select(ModelVersion).where(
            ModelVersion.model_id == model.id, ModelVersion.version == name
        )
    )
    if version is None:
        raise not_found("model version", f"{model.id}@{name}")
    return version


def _check_new_version(session: Session, model: Model, name: str) -> None:
    """The checks ``create_model`` makes of a version name, made before the
    version job is queued so that a bad name never becomes a version."""
    check_version_name(name)
    check_text_length(ModelVersion, "version", name)
    if session.scalar(
        select(ModelVersion.id).where(
            ModelVersion.model_id == model.id, ModelVersion.version == name
        )
    ):
        raise DomainError(
            "MODEL_VERSION_ALREADY_EXISTS",
            f"model {model.id} already has a version {name!r}",
        )
    schema = session.get(DataSchema, model.task_id)
    if schema is not None:
        check_prediction_column_free(schema, model.name, name)


def _report_wire(
    report: RetrainingReport, suggestion: RetrainingSuggestion, store: Store
) -> models.RetrainingReport:
    table = store.read_table(report.storage_key)
    ids = table.column("sample_id").to_pylist()
    body = {
        "suggestion_id": suggestion.id,
        "suggestion_type": suggestion.suggestion_type,
        "sample_ids": ids,
    }
    if suggestion.suggestion_type == SuggestionType.RESAMPLED_DATASET.value:
        counts = table.column("count").to_pylist()
        kept = [i for i, count in enumerate(counts) if count > 0]
        body["sample_ids"] = [ids[i] for i in kept]
        body["sample_counts"] = [int(counts[i]) for i in kept]
    else:
        body["sample_weights"] = table.column("weight").to_pylist()
    return models.RetrainingReport(
        report_id=report.id,
        suggestion=models.Suggestion(**body),
        effective_sample_size=report.effective_sample_size,
        model_metric_name=report.metric_name,
        performance_upper_bound=report.performance_upper,
        performance_lower_bound=report.performance_lower,
        cost_upper_bound=report.cost_upper,
        cost_lower_bound=report.cost_lower,
    )
