"""The ``retraining_report`` job: weights, suggestion and bounds for a model.

Reads every stored sample with a target (historical, reference and
production: the pool) and the samples since the model's latest drift,
computes the report with `ml3_platform.retraining`, and stores it with its
suggestion. Payload: ``{"model_id", "model_version_id", "drift_ts"}``.
"""

import numpy as np
import polars as pl
import pyarrow as pa
from sqlalchemy import select

from ml3_platform.db.tables import (
    DetectionEvent,
    Model,
    ModelVersion,
    RetrainingReport,
    RetrainingSuggestion,
    Task,
)
from ml3_platform.ingest.schema import id_column, target_column, time_column
from ml3_platform.jobs import JobContext, JobFailed, handler
from ml3_platform.pipeline.ingestion import task_and_schema
from ml3_platform.pipeline.retraining_data import (
    class_code,
    feature_columns,
    features,
    target_values,
    task_samples,
)
from ml3_platform.retraining import (
    SURROGATE_FAMILY,
    ReportRequest,
    RetrainingData,
    binary_cost,
    compute_report,
    multiclass_cost,
    regression_cost,
)
from ml3_platform_sdk.enums import SuggestionType, TaskType
from ml3_platform_sdk.models import ColumnInfo

# Fewer post-drift samples than this cannot tell their distribution from the
# pool's (the classifier is cross-fitted on five folds of at least 20).
MIN_POST_DRIFT_SAMPLES = 100
MIN_POOL_SAMPLES = 100
CONFIDENCE = 0.95
DRIFT_TARGETS = ("error", "concept", "input")


def latest_drift(session, model: Model, version: ModelVersion) -> float | None:
    """When the latest drift began (decisions.md "Retraining").

    The model version's error monitor first; else the task's concept or
    input monitor (their joint monitors, not the per-feature ones).
    """
    error = _latest(session, model.task_id, "error", version.id)
    if error is not None:
        return error
    task_wide = [_latest(session, model.task_id, t, "") for t in ("concept", "input")]
    found = [ts for ts in task_wide if ts is not None]
    return max(found) if found else None


def _latest(session, task_id: str, target: str, version_id: str) -> float | None:
    return session.scalar(
        select(DetectionEvent.sample_ts)
        .where(
            DetectionEvent.task_id == task_id,
            DetectionEvent.target == target,
            DetectionEvent.event_type == "drift_on",
            DetectionEvent.model_version_id == version_id,
            DetectionEvent.specification == "",
        )
        .order_by(DetectionEvent.sample_ts.desc(), DetectionEvent.created_at.desc())
        .limit(1)
    )


def report_key(task_id: str, job_id: str) -> str:
    return f"tasks/{task_id}/retraining/{job_id}.parquet"


@handler("retraining_report")
def compute(ctx: JobContext) -> None:
    payload = ctx.job.payload
    model = ctx.session.get(Model, payload["model_id"])
    version = ctx.session.get(ModelVersion, payload["model_version_id"])
    if model is None or version is None:
        raise JobFailed(f"model {payload['model_id']} not found")
    task, columns = task_and_schema(ctx, model.task_id)
    target = target_column(columns)
    if target is None:
        raise JobFailed("a retraining report needs a task with a target")
    drift_ts = float(payload["drift_ts"])

    samples = task_samples(ctx, task, columns)
    data, pool_frame = _data(task, columns, samples, drift_ts)
    request = _request(task, model, target, data)
    result = compute_report(data, request)
    _store(ctx, task, model, version, pool_frame, columns, result, request, drift_ts)


def _data(task: Task, columns: list[ColumnInfo], samples: pl.DataFrame, drift_ts):
    """The pool (samples with a target) and the post-drift samples."""
    if samples.height == 0:
        raise JobFailed("the task holds no samples yet")
    target = target_column(columns)
    time = time_column(columns).name
    labelled = samples.filter(pl.col(target.name).is_not_null())
    after = samples.filter(pl.col(time) >= drift_ts)
    labelled_after = after.filter(pl.col(target.name).is_not_null())
    _check_sizes(labelled, after, labelled_after, drift_ts)

    usable = feature_columns(columns, samples)
    if not usable:
        raise JobFailed("the task has no float or categorical input to weigh by")
    # With enough targets since the drift, the weights follow P(x, y) and so
    # see a concept drift; otherwise they follow the inputs alone.
    post = labelled_after if labelled_after.height >= MIN_POST_DRIFT_SAMPLES else after
    ids = id_column(columns).name
    position = {sid: row for row, sid in enumerate(labelled[ids].to_list())}
    links = np.array([position.get(sid, -1) for sid in post[ids].to_list()])
    classification = task.task_type != TaskType.REGRESSION.value
    data = RetrainingData(
        pool=features(labelled, usable),
        target=target_values(labelled, target, classification),
        post=features(post, usable),
        post_in_pool=links if post is labelled_after else np.full(post.height, -1),
    )
    return data, labelled


def _check_sizes(labelled, after, labelled_after, drift_ts: float) -> None:
    if after.height < MIN_POST_DRIFT_SAMPLES:
        raise JobFailed(
            f"a retraining report needs at least {MIN_POST_DRIFT_SAMPLES} samples "
            f"since the drift at {drift_ts:.15g}; the task holds {after.height} "
            f"({labelled_after.height} with a target): send more production data"
        )
    if labelled.height < MIN_POOL_SAMPLES:
        raise JobFailed(
            f"a retraining report needs at least {MIN_POOL_SAMPLES} stored samples "
            f"with a target; the task holds {labelled.height}: add targets"
        )


def _request(task: Task, model: Model, target: ColumnInfo, data) -> ReportRequest:
    size = None
    if model.preferred_suggestion_type == SuggestionType.RESAMPLED_DATASET.value:
        size = model.resampled_dataset_size
    return ReportRequest(
        metric=model.metric_name,
        classification=task.task_type != TaskType.REGRESSION.value,
        confidence=CONFIDENCE,
        resampled_size=size,
        cost=_cost(task, target),
        retraining_cost=model.retraining_cost,
    )


def _cost(task: Task, target: ColumnInfo):
    """The task's cost model over class codes, or None without cost info."""
    info = task.cost_info
    if not info:
        return None
    if "overestimation_cost" in info:
        return regression_cost(info["overestimation_cost"], info["underestimation_cost"])
    if "false_positive_cost" in info:
        positive = class_code(target, task.positive_class)
        if positive is None:
            positive = len(target.possible_values or [0, 1]) - 1
        return binary_cost(
            info["false_positive_cost"], info["false_negative_cost"], positive
        )
    if "misclassification_cost" in info:
        costs = {
            class_code(target, name): float(value)
            for name, value in info["misclassification_cost"].items()
        }
        return multiclass_cost(costs)
    # Multilabel tasks have no per-sample error monitor yet, so no cost either.
    return None


def _store(ctx, task, model, version, pool_frame, columns, result, request, drift_ts):
    ids = pool_frame[id_column(columns).name].cast(pl.Utf8).to_list()
    table = {"sample_id": ids, "weight": result.weights}
    if result.sample_counts is not None:
        table["count"] = result.sample_counts
    key = report_key(task.id, ctx.job.id)
    ctx.store.write_table(key, pa.table(table))

    cost = result.cost
    report = RetrainingReport(
        model_id=model.id,
        model_version_id=version.id,
        job_id=ctx.job.id,
        drift_ts=drift_ts,
        effective_sample_size=result.effective_sample_size,
        metric_name=model.metric_name,
        performance_lower=result.metric.lower,
        performance_upper=result.metric.upper,
        cost_lower=cost.lower if cost else None,
        cost_upper=cost.upper if cost else None,
        details={
            "surrogate_family": SURROGATE_FAMILY,
            "confidence": request.confidence,
            "performance_estimate": result.metric.estimate,
            "cost_estimate": cost.estimate if cost else None,
            "weights_over": "inputs and target" if result.joint else "inputs",
            "weighting": result.weighting,
            "weightings_compared": result.compared,
            "pool_samples": len(ids),
        },
        storage_key=key,
    )
    ctx.session.add(report)
    ctx.session.flush()
    kind = SuggestionType.SAMPLE_WEIGHTS.value
    if result.sample_counts is not None:
        kind = SuggestionType.RESAMPLED_DATASET.value
    ctx.session.add(
        RetrainingSuggestion(
            report_id=report.id,
            model_id=model.id,
            model_version_id=version.id,
            suggestion_type=kind,
            effective_sample_size=result.effective_sample_size,
            n_samples=len(ids),
        )
    )
