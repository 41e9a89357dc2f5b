"""Labelled samples of a batch through the task's concept monitor.

Labels come with their inputs or later (``add_target_data``, or a
production call with a target only): either way each labelled sample is
monitored once, when its label arrives, in the order of its inputs'
timestamps (decisions, "Order").
"""

from datetime import UTC, datetime

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from ml3_platform.ingest.schema import (
    Category,
    id_column,
    target_column,
    time_column,
)
from ml3_platform.pipeline import decoded
from ml3_platform.pipeline.concept import concept_signals
from ml3_platform.pipeline.rows import Rows
from ml3_platform.pipeline.samples import SampleIndex
from ml3_platform.pipeline.signals import Planned
from ml3_platform.pipeline.sources import Part
from ml3_platform_sdk.models import ColumnInfo

CONCEPT = "concept"


def monitor_concept(
    recorder,  # a `monitoring.Recorder`
    columns: list[ColumnInfo],
    inputs: Part | None,
    target: Part,
    index: SampleIndex,
) -> None:
    """Labelled samples of this batch, new or late, through the concept
    monitor, in the order of their inputs' timestamps."""
    state = recorder.states("", CONCEPT).get("")
    if state is None or state.state is None:
        return
    ids = id_column(columns).name
    labelled = _labelled_inputs(columns, inputs, target, index)
    if labelled is None:
        return
    monitor = decoded.load(Planned, state.state)
    target_info = target_column(columns)
    signals = concept_signals(
        monitor, labelled, labelled.column(target_info.name),
        labelled.column(ids), target_info,
    )  # fmt: skip
    rows = Rows(
        ids=labelled.column(ids).to_numpy(zero_copy_only=False),
        times=labelled.column(time_column(columns).name).to_numpy(),
        arrays=signals,
    )
    status = recorder.run(state, Planned, rows, metric=None, loaded=monitor)
    task = recorder.task

    if status != task.concept_status:
        task.concept_status = status
        task.concept_status_at = datetime.now(UTC)


def _labelled_inputs(
    columns: list[ColumnInfo],
    inputs: Part | None,
    target: Part,
    index: SampleIndex,
) -> pa.Table | None:
    """The inputs of the samples that ``target`` labels, with their target,
    sorted by the inputs' time."""
    ids, time = id_column(columns).name, time_column(columns).name
    target_name = target_column(columns).name
    wanted = target.table.column(ids)
    found = []
    if inputs is not None:
        table = inputs.table
        found.append(table.filter(pc.is_in(table.column(ids), value_set=wanted)))
    stored = index.rows(wanted, Category.INPUT.value)
    if stored is not None:
        found.append(stored.select(found[0].column_names) if found else stored)
    if not found:
        return None
    joined = pl.from_arrow(pa.concat_tables(found, promote_options="permissive"))
    labels = pl.from_arrow(target.table.select([ids, target_name]))
    joined = joined.join(labels, on=ids, how="inner").drop_nulls([target_name])
    if not joined.height:
        return None
    joined = joined.sort(time, maintain_order=True)
    return joined.to_arrow(compat_level=pl.CompatLevel.oldest())
