"""The ``reference`` job: a model version's reference from historical data."""

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from ml3_platform.db.tables import Model, ModelVersion, Task
from ml3_platform.ingest.schema import id_column, target_column, time_column
from ml3_platform.jobs import JobContext, JobFailed, handler
from ml3_platform.pipeline.ingestion import (
    historical_batches,
    removed_on_failure,
    task_and_schema,
)
from ml3_platform.pipeline.monitoring import fit_input_monitors
from ml3_platform.pipeline.remote_sources import BatchReader
from ml3_platform_sdk.models import ColumnInfo

# As in the original product (platform-behaviour §3).
MIN_REFERENCE_SAMPLES = 300


def reference_key(task_id: str, version_id: str, job_id: str) -> str:
    """Named after the job, so a failed or repeated job never clobbers the
    reference that ``ModelVersion.reference_key`` points at."""
    return f"tasks/{task_id}/references/{version_id}/{job_id}.parquet"


@handler("reference")
def set_reference(ctx: JobContext) -> None:
    payload = ctx.job.payload
    model = ctx.session.get(Model, payload["model_id"])
    if model is None:
        raise JobFailed(f"model {payload['model_id']} not found")
    version_id = payload.get("model_version_id") or model.current_version_id
    version = ctx.session.get(ModelVersion, version_id or "")
    if version is None:
        raise JobFailed(f"model {model.id} has no version")
    task, columns = task_and_schema(ctx, model.task_id)
    low, high = float(payload["from_timestamp"]), float(payload["to_timestamp"])

    reference = historical_between(ctx, task, columns, low, high)
    if reference.num_rows < MIN_REFERENCE_SAMPLES:
        raise JobFailed(
            f"a reference needs at least {MIN_REFERENCE_SAMPLES} samples; the "
            f"historical data between {low:.15g} and {high:.15g} hold "
            f"{reference.num_rows}"
        )

    install_reference(ctx, task, columns, version, reference, (low, high))


def install_reference(
    ctx: JobContext,
    task: Task,
    columns: list[ColumnInfo],
    version: ModelVersion,
    reference: pa.Table,
    time_range: tuple[float, float],
) -> None:
    """Make ``reference`` the version's reference and refit the monitors."""
    low, high = time_range
    key = reference_key(task.id, version.id, ctx.job.id)
    with removed_on_failure(ctx.store, key):
        # Rows kept in a customer's store are not copied into a reference
        # file either: the range finds them again (``historical_between``).
        if _all_stored_here(ctx, task):
            ctx.store.write_table(key, reference)
            version.reference_key = key
        else:
            version.reference_key = None
        version.reference_from_ts = low
        version.reference_to_ts = high
        # Task monitors follow the latest reference of any model of the task.
        fit_input_monitors(ctx, task, columns, reference)


def historical_between(
    ctx: JobContext, task: Task, columns: list[ColumnInfo], low: float, high: float
) -> pa.Table:
    """Historical inputs with time in [low, high], with their target if known.

    Rows are in time order; the target column is null where no target came.
    """
    ids, time = id_column(columns).name, time_column(columns).name
    reader = BatchReader(ctx.session, ctx.store, ctx.settings)
    parts = []
    for batch in historical_batches(ctx, task.id, "input"):
        if batch.max_ts is not None and (batch.max_ts < low or batch.min_ts > high):
            continue
        table = reader.read(batch)
        times = table.column(time)
        inside = pc.and_(pc.greater_equal(times, low), pc.less_equal(times, high))
        parts.append(table.filter(inside))
    if not parts:
        return pa.table({})
    inputs = pl.from_arrow(pa.concat_tables(parts))

    target = target_column(columns)
    if target is not None:
        wanted = inputs[ids].to_arrow(compat_level=pl.CompatLevel.oldest())
        labels = [
            reader.read(batch, columns=[ids, target.name])
            for batch in historical_batches(ctx, task.id, "target")
        ]
        labels = [
            table.filter(pc.is_in(table.column(ids), value_set=wanted))
            for table in labels
        ]
        if labels:
            found = pl.from_arrow(pa.concat_tables(labels))
            inputs = inputs.join(found, on=ids, how="left", maintain_order="left")
    return inputs.sort(time, maintain_order=True).to_arrow(
        compat_level=pl.CompatLevel.oldest()
    )


def _all_stored_here(ctx: JobContext, task: Task) -> bool:
    """Whether none of the task's historical data stayed in a customer's store."""
    return not any(
        batch.remote_source
        for category in ("input", "target")
        for batch in historical_batches(ctx, task.id, category)
    )
