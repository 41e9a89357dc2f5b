"""Job handlers that store data: historical, production and late targets.

Each handler validates every file of its call before it stores anything;
then it writes one Parquet file per category (and model version) under a
folder named after the job, with a sidecar of id hashes, and adds a ``Batch``
row for each, with the keys of its samples. The job's commit makes them
visible; if anything fails, the folder is removed and the rollback drops the
rows, so nothing is half stored, and running the job again writes the same
storage keys.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from ml3_platform.db.tables import Batch, DataSchema, Model, ModelVersion, Task
from ml3_platform.ingest.ids import hash_ids, hash_table
from ml3_platform.ingest.schema import (
    Category,
    category_columns,
    id_column,
    parse_columns,
    prediction_column_name,
    target_column,
    time_column,
)
from ml3_platform.jobs import JobContext, JobFailed, handler
from ml3_platform.pipeline.monitoring import monitor_batch
from ml3_platform.pipeline.samples import (
    SampleIndex,
    add_sample_keys,
    batch_folder,
    batch_key,
    ids_key,
)
from ml3_platform.pipeline.sources import Part, load_part
from ml3_platform.storage import Store
from ml3_platform_sdk.bodies import AddHistorical, AddProduction, AddTarget
from ml3_platform_sdk.models import ColumnInfo, DataInfo


@handler("historical")
def add_historical(ctx: JobContext) -> None:
    body = AddHistorical.model_validate(ctx.job.payload["body"])
    task, columns = task_and_schema(ctx, body.task_id)
    if body.target is None and not task.optional_target and target_column(columns):
        raise JobFailed(
            "historical data of this task need a target: the task's target is "
            "not optional"
        )
    parts = [_load(ctx, task, columns, body.inputs, Category.INPUT)]
    if body.target is not None:
        parts.append(_load(ctx, task, columns, body.target, Category.TARGET))
    _store_checked(ctx, task, columns, parts, kind="historical")


@handler("production")
def add_production(ctx: JobContext) -> None:
    body = AddProduction.model_validate(ctx.job.payload["body"])
    task, columns = task_and_schema(ctx, body.task_id)
    parts = []
    if body.inputs is not None:
        parts.append(_load(ctx, task, columns, body.inputs, Category.INPUT))
    if body.target is not None:
        parts.append(_load(ctx, task, columns, body.target, Category.TARGET))
    for model_id, data in body.predictions or []:
        parts.append(_load_predictions(ctx, task, columns, model_id, data))
    if not parts:
        raise JobFailed("no data given: send inputs, target or predictions")
    _store_checked(ctx, task, columns, parts, kind="production", monitor=True)


@handler("task_target")
def add_target(ctx: JobContext) -> None:
    body = AddTarget.model_validate(ctx.job.payload["body"])
    task, columns = task_and_schema(ctx, body.task_id)
    if target_column(columns) is None:
        raise JobFailed("the task's schema has no target column")
    parts = [_load(ctx, task, columns, body.data, Category.TARGET)]
    _store_checked(ctx, task, columns, parts, kind="task_target", monitor=True)


def task_and_schema(ctx: JobContext, task_id: str) -> tuple[Task, list[ColumnInfo]]:
    task = ctx.session.get(Task, task_id)
    if task is None:
        raise JobFailed(f"task {task_id} not found")
    schema = ctx.session.get(DataSchema, task_id)
    if schema is None:
        raise JobFailed(f"task {task_id} has no data schema yet")
    return task, parse_columns(schema.columns)


def _load(
    ctx: JobContext,
    task: Task,
    columns: list[ColumnInfo],
    data: DataInfo,
    category: Category,
) -> Part:
    expected = category_columns(columns, category)
    return load_part(ctx, task, data, category, expected)


def _load_predictions(
    ctx: JobContext,
    task: Task,
    columns: list[ColumnInfo],
    model_id: str,
    data: DataInfo,
) -> Part:
    """Predictions go to the model's current version."""
    model = ctx.session.get(Model, model_id)
    if model is None or model.task_id != task.id:
        raise JobFailed(f"predictions: model {model_id} not found in the task")
    version = ctx.session.get(ModelVersion, model.current_version_id or "")
    if version is None:
        raise JobFailed(f"predictions: model {model_id} has no version")
    name = prediction_column_name(model.name, version.version)
    expected = category_columns(columns, Category.PREDICTION, name)
    return load_part(
        ctx, task, data, Category.PREDICTION, expected, model, version
    )


def _store_checked(
    ctx: JobContext,
    task: Task,
    columns: list[ColumnInfo],
    parts: list[Part],
    kind: str,
    monitor: bool = False,
) -> None:
    ids_name = id_column(columns).name
    index = SampleIndex(
        ctx.session, ctx.store, task.id, ctx.job.id, ids_name, ctx.settings
    )
    check_samples(parts, index, ids_name)

    folder = batch_folder(task.id, ctx.job.id)
    # Files of an earlier, interrupted run of this job are not committed.
    ctx.store.delete(folder)
    with removed_on_failure(ctx.store, folder):
        time_name = time_column(columns).name
        for part in parts:
            _write(ctx, task, part, kind, ids_name, time_name)
        if monitor:
            monitor_batch(ctx, task, columns, parts, index)


@contextmanager
def removed_on_failure(store: Store, key: str) -> Iterator[None]:
    """Delete ``key`` (a file or a folder) if the block raises."""
    try:
        yield
    except BaseException:
        store.delete(key)
        raise


def check_samples(parts: list[Part], index: SampleIndex, ids_name: str) -> None:
    """The checks that need the task's other samples (platform-behaviour §3).

    Input ids are new to the task; targets and predictions name inputs of
    the task (this call's or earlier ones) that have no target, or no
    prediction of that model version, yet.
    """
    inputs = next((p for p in parts if p.category == Category.INPUT), None)
    call_inputs = inputs.table.column(ids_name) if inputs else pa.array([], pa.string())
    for part in parts:
        ids = part.table.column(ids_name).combine_chunks()
        if part.category == Category.INPUT:
            _refuse(part, ids, index.known(ids, "input"), "is already in the task")
            continue

        is_input = pc.is_in(ids, value_set=call_inputs.cast(ids.type))
        is_input = is_input.to_numpy(zero_copy_only=False)
        unknown = ~is_input
        if unknown.any():
            unknown[unknown] = ~index.known(ids.filter(unknown), "input")
        _refuse(part, ids, unknown, "is not an input of the task")

        if part.category == Category.TARGET:
            _refuse(part, ids, index.known(ids, "target"), "already has a target")
        else:
            _refuse(
                part, ids, index.known(ids, "prediction", part.model_version_id),
                "already has a prediction of this model version",
            )  # fmt: skip


def _refuse(part: Part, ids: pa.Array, mask: np.ndarray, problem: str) -> None:
    rows = np.flatnonzero(mask)
    if len(rows):
        row = int(rows[0])
        name = part.table.column_names[0]
        raise JobFailed(
            f"{part.label}: column '{name}': sample id '{ids[row].as_py()}' "
            f"in row {row + 1} {problem}"
        )


def _write(
    ctx: JobContext,
    task: Task,
    part: Part,
    kind: str,
    ids_name: str,
    time_name: str,
) -> None:
    """Store ``part`` sorted by time, its id hashes, its ``Batch`` row and
    the keys of its samples (`ml3_platform.pipeline.samples`).

    A part kept in the customer's store (its ``pointer``) writes no file:
    the row holds the pointer, and readers fetch the rows again.
    """
    key = batch_key(task.id, ctx.job.id, part.category.value, part.model_version_id)
    table = part.table.sort_by([(time_name, "ascending")])
    if part.pointer is None:
        ctx.store.write_table(key, table)
        hashes = hash_table(hash_ids(table.column(ids_name)))
        ctx.store.write_table(ids_key(key), hashes)

    times = table.column(time_name)
    batch = Batch(
        task_id=task.id,
        job_id=ctx.job.id,
        kind=kind,
        category=part.category.value,
        model_version_id=part.model_version_id,
        storage_key="" if part.pointer else key,
        remote_source=part.pointer,
        n_rows=table.num_rows,
        min_ts=pc.min(times).as_py(),
        max_ts=pc.max(times).as_py(),
        seq=ctx.job.seq,
    )
    ctx.session.add(batch)
    add_sample_keys(ctx.session, batch, table.column(ids_name))


def historical_batches(ctx: JobContext, task_id: str, category: str) -> list[Batch]:
    """The task's committed historical batches of ``category``, oldest first."""
    return list(
        ctx.session.scalars(
            select(Batch)
            .where(
                Batch.task_id == task_id,
                Batch.kind == "historical",
                Batch.category == category,
            )
            .order_by(Batch.seq)
        )
    )
