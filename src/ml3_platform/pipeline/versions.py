"""The ``model_version`` job: a new version of a model, with its reference.

Payload: ``{"model_id", "new_model_version"}`` and either
``"suggestion_id"`` (the reference is that suggestion's data) or
``"from_timestamp"``/``"to_timestamp"`` (the stored samples in that range,
historical and production). The new version becomes the model's current
one, gets its prediction column, and starts its own monitors: the task's
input monitors are refitted on the new reference (statuses back to ``ok``),
and the version's prediction and error monitors start from its own first
production samples, as every version's do (decisions.md "Monitors without
a reference signal").
"""

from datetime import UTC, datetime

import numpy as np
import polars as pl
from sqlalchemy import select

from ml3_platform.db.tables import (
    DataSchema,
    Model,
    ModelVersion,
    RetrainingReport,
    RetrainingSuggestion,
    Task,
)
from ml3_platform.ingest.schema import id_column, time_column
from ml3_platform.jobs import JobContext, JobFailed, handler
from ml3_platform.pipeline.ingestion import task_and_schema
from ml3_platform.pipeline.reference import MIN_REFERENCE_SAMPLES, install_reference
from ml3_platform.pipeline.retraining_data import task_samples
from ml3_platform.retraining import systematic_resample
from ml3_platform.services.data_schemas import add_prediction_column
from ml3_platform.services.errors import DomainError
from ml3_platform_sdk.enums import SuggestionType
from ml3_platform_sdk.models import ColumnInfo

# decisions.md "Retraining": a weighted reference is only as good as the
# number of samples its weights amount to.
MIN_REFERENCE_EFFECTIVE_SIZE = 300


@handler("model_version")
def new_version(ctx: JobContext) -> None:
    payload = ctx.job.payload
    model = ctx.session.get(Model, payload["model_id"])
    if model is None:
        raise JobFailed(f"model {payload['model_id']} not found")
    task, columns = task_and_schema(ctx, model.task_id)
    name = payload["new_model_version"]
    if ctx.session.scalar(
        select(ModelVersion.id).where(
            ModelVersion.model_id == model.id, ModelVersion.version == name
        )
    ):
        raise JobFailed(f"model {model.id} already has a version {name!r}")

    samples = task_samples(ctx, task, columns)
    suggestion = None
    if payload.get("suggestion_id"):
        suggestion = ctx.session.get(RetrainingSuggestion, payload["suggestion_id"])
        reference = _from_suggestion(ctx, suggestion, samples, columns)
    else:
        low, high = float(payload["from_timestamp"]), float(payload["to_timestamp"])
        reference = _from_time_range(samples, columns, low, high)

    version = _add_version(ctx, task, model, name)
    times = reference[time_column(columns).name]
    time_range = (float(times.min()), float(times.max()))
    table = reference.to_arrow(compat_level=pl.CompatLevel.oldest())
    install_reference(ctx, task, columns, version, table, time_range)
    if suggestion is not None:
        suggestion.executed = True
        suggestion.executed_at = datetime.now(UTC)


def _from_suggestion(
    ctx: JobContext,
    suggestion: RetrainingSuggestion | None,
    samples: pl.DataFrame,
    columns: list[ColumnInfo],
) -> pl.DataFrame:
    """The suggestion's samples, each repeated as often as it counts."""
    if suggestion is None:
        raise JobFailed("the suggestion was not found")
    check_executable(suggestion)
    report = ctx.session.get(RetrainingReport, suggestion.report_id)
    stored = pl.from_arrow(ctx.store.read_table(report.storage_key))
    counts = _counts(suggestion, stored)

    ids = id_column(columns).name
    chosen = stored.select(pl.col("sample_id").alias(ids)).with_columns(
        pl.Series("_count", counts)
    )
    chosen = chosen.filter(pl.col("_count") > 0)
    rows = samples.with_columns(pl.col(ids).cast(pl.Utf8)).join(chosen, on=ids)
    if rows.height < chosen.height:
        raise JobFailed(
            f"{chosen.height - rows.height} samples of suggestion {suggestion.id} "
            "are no longer stored"
        )
    repeated = rows.select(pl.all().repeat_by(pl.col("_count")).explode())
    return repeated.drop("_count").sort(time_column(columns).name, maintain_order=True)


def check_executable(suggestion: RetrainingSuggestion) -> None:
    """Refuse a suggestion already used for a version, or a weighted one
    too small to be a reference. The request checks it and the job again:
    another version may have used it in between."""
    if suggestion.executed:
        raise DomainError(
            "SUGGESTION_ALREADY_EXECUTED",
            f"suggestion {suggestion.id} was already used for a model version",
        )
    weighted = suggestion.suggestion_type == SuggestionType.SAMPLE_WEIGHTS.value
    if weighted and suggestion.effective_sample_size < MIN_REFERENCE_EFFECTIVE_SIZE:
        raise DomainError(
            "EFFECTIVE_SAMPLE_SIZE_TOO_SMALL",
            f"a weighted reference needs an effective sample size of at least "
            f"{MIN_REFERENCE_EFFECTIVE_SIZE}; suggestion {suggestion.id} has "
            f"{suggestion.effective_sample_size:.0f}",
        )


def _counts(suggestion: RetrainingSuggestion, stored: pl.DataFrame) -> np.ndarray:
    """Counts for a resampled suggestion; a weighted one is resampled to its
    effective size, so the reference holds about as many distinct samples
    as the weights are worth and the monitors' calibration sees no more."""
    if "count" in stored.columns:
        return stored["count"].to_numpy()
    size = max(MIN_REFERENCE_SAMPLES, round(suggestion.effective_sample_size))
    return systematic_resample(stored["weight"].to_numpy(), size)


def _from_time_range(
    samples: pl.DataFrame, columns: list[ColumnInfo], low: float, high: float
) -> pl.DataFrame:
    time = time_column(columns).name
    inside = (
        samples.filter(pl.col(time).is_between(low, high))
        if samples.height
        else samples
    )
    if inside.height < MIN_REFERENCE_SAMPLES:
        raise JobFailed(
            f"a reference needs at least {MIN_REFERENCE_SAMPLES} samples; the "
            f"stored data between {low:.15g} and {high:.15g} hold {inside.height}"
        )
    return inside


def _add_version(ctx: JobContext, task: Task, model: Model, name: str) -> ModelVersion:
    version = ModelVersion(model_id=model.id, version=name)
    ctx.session.add(version)
    ctx.session.flush()
    model.current_version_id = version.id
    add_prediction_column(ctx.session.get(DataSchema, task.id), task, model, name)
    return version
