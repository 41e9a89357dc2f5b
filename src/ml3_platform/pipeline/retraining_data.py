"""A task's stored samples as the retraining library wants them.

Reads every committed input batch (historical and production) with the
target of each sample where one is known, whichever batch it came in, and
turns columns into the library's feature matrix.
"""

import numpy as np
import polars as pl
from sqlalchemy import select

from ml3_platform.db.tables import Batch, Task
from ml3_platform.ingest.schema import (
    id_column,
    input_columns,
    target_column,
    time_column,
)
from ml3_platform.jobs import JobContext
from ml3_platform.retraining import Features
from ml3_platform_sdk.enums import DataType
from ml3_platform_sdk.models import ColumnInfo

# Histogram trees take at most this many categories in one column; a string
# column with more distinct values is left out of the weights (its values
# are then mostly unique ids, which say nothing about a distribution).
MAX_CATEGORIES = 250


def task_samples(ctx: JobContext, task: Task, columns: list[ColumnInfo]) -> pl.DataFrame:
    """Every stored input row of the task in time order, target or null."""
    ids, time = id_column(columns).name, time_column(columns).name
    inputs = _read(ctx, task, "input")
    if inputs is None:
        return pl.DataFrame()
    target = target_column(columns)
    if target is not None:
        labels = _read(ctx, task, "target", [ids, target.name])
        if labels is not None:
            labels = labels.unique(subset=ids, keep="first", maintain_order=True)
            inputs = inputs.join(labels, on=ids, how="left", maintain_order="left")
        else:
            inputs = inputs.with_columns(pl.lit(None).alias(target.name))
    return inputs.sort(time, maintain_order=True)


def _read(
    ctx: JobContext, task: Task, category: str, names: list[str] | None = None
) -> pl.DataFrame | None:
    batches = ctx.session.scalars(
        select(Batch)
        .where(
            Batch.task_id == task.id,
            Batch.category == category,
            Batch.model_version_id == "",
        )
        .order_by(Batch.seq, Batch.created_at)
    )
    frames = [
        pl.from_arrow(ctx.store.read_table(batch.storage_key, columns=names))
        for batch in batches
    ]
    if not frames:
        return None
    return pl.concat(frames, how="diagonal_relaxed")


def feature_columns(columns: list[ColumnInfo], frame: pl.DataFrame) -> list[ColumnInfo]:
    """The input columns the weights can use."""
    usable = []
    for column in input_columns(columns):
        if column.data_type == DataType.FLOAT or column.data_type == DataType.CATEGORICAL:
            usable.append(column)
        elif column.data_type == DataType.STRING:
            if frame[column.name].n_unique() <= MAX_CATEGORIES:
                usable.append(column)
    return usable


def features(frame: pl.DataFrame, usable: list[ColumnInfo]) -> Features:
    """The feature matrix: floats with NaN, categories as codes."""
    values, categorical = [], []
    for column in usable:
        series = frame[column.name]
        if column.data_type == DataType.FLOAT:
            values.append(series.cast(pl.Float64).fill_null(np.nan).to_numpy())
            categorical.append(False)
        else:
            values.append(_codes(series, column.possible_values))
            categorical.append(True)
    matrix = np.column_stack(values) if values else np.zeros((frame.height, 0))
    return Features(matrix.astype(float), tuple(categorical))


def target_values(
    frame: pl.DataFrame, target: ColumnInfo, classification: bool
) -> np.ndarray:
    """The target as floats (regression) or class codes (classification)."""
    series = frame[target.name]
    if not classification:
        return series.cast(pl.Float64).to_numpy()
    return _codes(series, target.possible_values).astype(np.int64)


def class_code(target: ColumnInfo, value) -> int | None:
    """The code of one class value, as `target_values` numbers them."""
    names = _names(target.possible_values)
    return names.get(_key(value))


def _codes(series: pl.Series, possible_values: list | None) -> np.ndarray:
    """Codes in the order of ``possible_values`` (else sorted); NaN if absent."""
    text = series.cast(pl.Utf8)
    if possible_values:
        names = _names(possible_values)
    else:
        present = sorted(v for v in text.unique().to_list() if v is not None)
        names = {value: code for code, value in enumerate(present)}
    keys = [None if v is None else _key(v) for v in text.to_list()]
    return np.array(
        [names.get(key, np.nan) if key is not None else np.nan for key in keys],
        dtype=float,
    )


def _names(possible_values: list) -> dict[str, int]:
    return {_key(value): code for code, value in enumerate(possible_values)}


def _key(value) -> str:
    """Values compare as lower-case text: Parquet gives ``true`` for True."""
    return str(value).lower()
