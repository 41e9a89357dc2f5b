"""Multilabel targets and predictions as per-label binary signals.

A multilabel target is an ``array_1`` with one 0/1 entry per class of
``classes_names`` (platform-behaviour §2). Prediction and error monitors
watch one categorical signal per label: the predicted label (a score of
0.5 or more counts as 1) and the per-label 0/1 loss; one monitor holds all
labels, so they share its false-alarm budget.
"""

import numpy as np
import polars as pl
import pyarrow as pa

from ml3_platform.ingest.schema import id_column, target_column, time_column
from ml3_platform.monitoring import ColumnSpec
from ml3_platform.pipeline.rows import Rows
from ml3_platform.pipeline.signals import vectors
from ml3_platform_sdk.models import ColumnInfo


def label_specs(column: ColumnInfo) -> list[ColumnSpec]:
    return [ColumnSpec(label, "categorical") for label in column.classes_names]


def binary_labels(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """(rows, labels) of 0/1; a missing array counts as no label set."""
    values = vectors(column)
    return (np.nan_to_num(values, nan=0.0) >= 0.5).astype(np.int64)


def label_arrays(matrix: np.ndarray, specs: list[ColumnSpec]) -> dict[str, np.ndarray]:
    """The engine's categorical arrays ("0"/"1") of each label."""
    texts = np.array(["0", "1"], dtype=object)
    return {spec.name: texts[matrix[:, j]] for j, spec in enumerate(specs)}


def label_rows(
    table: pa.Table, columns: list[ColumnInfo], name: str, labels: list[ColumnSpec]
) -> Rows:
    """Per-label predicted 0/1 values, in timestamp order."""
    time_name = time_column(columns).name
    ordered = table.sort_by([(time_name, "ascending")])
    return Rows(
        ids=ordered.column(id_column(columns).name).to_numpy(zero_copy_only=False),
        times=ordered.column(time_name).to_numpy(),
        arrays=label_arrays(binary_labels(ordered.column(name)), labels),
    )


def label_error_rows(
    pairs: pl.DataFrame, columns: list[ColumnInfo], name: str, labels
) -> Rows:
    """Per-label 0/1 loss: the predicted label differs from the target's."""
    ids, time = id_column(columns).name, time_column(columns).name
    ordered = pairs.sort(time, maintain_order=True)
    table = ordered.to_arrow(compat_level=pl.CompatLevel.oldest())
    target = target_column(columns).name
    loss = binary_labels(table.column(name)) != binary_labels(table.column(target))
    return Rows(
        ids=ordered[ids].to_numpy(),
        times=ordered[time].to_numpy(),
        arrays=label_arrays(loss.astype(np.int64), labels),
    )
