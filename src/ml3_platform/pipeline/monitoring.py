"""Runs a stored batch through the task's monitors and records what they say.

Monitors (platform-behaviour §5, decisions "Whose reference"):

- ``input``: one joint monitor over all input columns, fitted on the latest
  reference of any model of the task; its status is the task's
  ``input_status``. One monitor per input column emits only ``feature``
  events, with the column as specification.
- ``prediction``: per model version, a self-starting monitor on the
  predictions; its status is the model's ``prediction_status``.
- ``error``: per model version, a self-starting monitor on the per-sample
  error (squared error, or 0/1 loss), computed once for each sample when
  both its prediction and its target are known, whichever came last.

Rows go to each monitor in timestamp order. Everything is written through
the job's session, so monitor states, events, scores and statuses commit
with the batch or not at all.
"""

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from ml3_platform.actions.matching import queue_deliveries
from ml3_platform.db.tables import (
    DetectionEvent,
    DriftScore,
    Model,
    ModelVersion,
    MonitorState,
    Task,
    new_id,
)
from ml3_platform.ingest.schema import (
    Category,
    id_column,
    input_columns,
    prediction_column_name,
    target_column,
    time_column,
)
from ml3_platform.jobs import JobContext, JobFailed
from ml3_platform.monitoring import (
    ColumnSpec,
    DetectorConfig,
    Monitor,
    SelfStartingMonitor,
    Transition,
)
from ml3_platform.pipeline import decoded
from ml3_platform.pipeline.concept import fit_concept
from ml3_platform.pipeline.concept_monitor import monitor_concept
from ml3_platform.pipeline.multilabel import label_error_rows, label_rows, label_specs
from ml3_platform.pipeline.rows import Rows as _Rows
from ml3_platform.pipeline.samples import SampleIndex
from ml3_platform.pipeline.signals import Planned, SignalPlan
from ml3_platform.pipeline.sources import Part
from ml3_platform.settings import Settings
from ml3_platform_sdk.enums import ColumnRole, DataType, TaskType
from ml3_platform_sdk.models import ColumnInfo

INPUT, CONCEPT, PREDICTION, ERROR = "input", "concept", "prediction", "error"
FEATURE_METRIC = "feature"
ERROR_COLUMN = "error"
NOT_INITIALIZED = "not_initialized"


def detector_config(settings: Settings) -> DetectorConfig:
    return DetectorConfig(
        drift_run_length=settings.drift_run_length,
        warning_run_length=settings.warning_run_length,
        calibration=settings.monitoring_calibration,
    )


def column_spec(column: ColumnInfo) -> ColumnSpec | None:
    """How a column is monitored; None for types no monitor reads yet."""
    if column.data_type == DataType.FLOAT:
        return ColumnSpec(column.name, "numeric")
    if column.data_type in (DataType.CATEGORICAL, DataType.STRING):
        return ColumnSpec(column.name, "categorical")
    return None


def column_arrays(table: pa.Table, specs: list[ColumnSpec]) -> dict[str, np.ndarray]:
    """The engine's arrays: float64 with NaN, or objects with None."""
    arrays = {}
    for spec in specs:
        column = table.column(spec.name)
        if spec.kind == "numeric":
            filled = pc.fill_null(column.cast(pa.float64()), np.nan)
            arrays[spec.name] = filled.to_numpy()
        else:
            arrays[spec.name] = column.to_numpy(zero_copy_only=False).astype(object)
    return arrays


def input_specs(columns: list[ColumnInfo]) -> list[ColumnSpec]:
    specs = [column_spec(column) for column in input_columns(columns)]
    return [spec for spec in specs if spec is not None]


def monitor_batch(
    ctx: JobContext,
    task: Task,
    columns: list[ColumnInfo],
    parts: list[Part],
    index: SampleIndex,
) -> None:
    """Monitor the parts of a batch that a job has just stored."""
    recorder = Recorder(ctx, task)
    by_category = {part.category: part for part in parts}
    inputs = by_category.get(Category.INPUT)
    if inputs is not None:
        _monitor_inputs(recorder, columns, inputs.table)

    target = by_category.get(Category.TARGET)
    if target is not None:
        monitor_concept(recorder, columns, inputs, target, index)
    predictions = {
        part.model_version_id: part
        for part in parts
        if part.category == Category.PREDICTION
    }
    # Late targets may complete samples predicted by any version.
    versions = set(predictions)
    if target is not None:
        versions.update(index.model_version_ids(PREDICTION))
    for version_id in sorted(versions):
        version = ctx.session.get(ModelVersion, version_id)
        if version is None:
            continue
        model = ctx.session.get(Model, version.model_id)
        part = predictions.get(version_id)
        new = part.table if part is not None else None
        _monitor_model(recorder, columns, model, version, new, target, index)


def _monitor_inputs(
    recorder: "Recorder", columns: list[ColumnInfo], table: pa.Table
) -> None:
    states = recorder.states("", INPUT)
    joint = states.get("")
    if joint is None or joint.state is None:
        return  # no reference yet: the input monitors start with one

    monitor = decoded.load(Planned, joint.state)
    plan = SignalPlan.from_bytes(monitor.extras["plan"])
    rows = _Rows.of_signals(table, columns, plan)
    status = recorder.run(joint, Planned, rows, metric=None, loaded=monitor)
    task = recorder.task
    if status != task.input_status:
        task.input_status = status
        task.input_status_at = datetime.now(UTC)

    for group, metric in plan.groups().items():
        state = states.get(group)
        if state is not None and state.state is not None:
            recorder.run(state, Monitor, rows, metric=metric)


def _monitor_model(
    recorder: "Recorder",
    columns: list[ColumnInfo],
    model: Model,
    version: ModelVersion,
    predictions: pa.Table | None,
    target: Part | None,
    index: SampleIndex,
) -> None:
    name = prediction_column_name(model.name, version.version)
    task_type = TaskType(recorder.task.task_type)
    multilabel = task_type == TaskType.CLASSIFICATION_MULTILABEL
    labels = label_specs(target_column(columns)) if multilabel else None
    spec = _prediction_spec(columns, name)
    context = {"model": model, "version": version}
    if predictions is not None and labels is not None:
        state = recorder.state(version.id, PREDICTION, labels)
        rows = label_rows(predictions, columns, name, labels)
    elif predictions is not None and spec is not None:
        state = recorder.state(version.id, PREDICTION, spec)
        rows = _Rows.of(predictions, columns, [spec])
    if predictions is not None and (labels or spec) is not None:
        status, start = recorder.run_self_starting(state, rows, **context)
        if status != version.prediction_status:
            version.prediction_status = status
            version.prediction_status_data_start_ts = start
            version.prediction_status_at = datetime.now(UTC)

    pairs = _error_pairs(columns, name, predictions, target, version.id, index)
    if pairs is None:
        return
    if labels is not None:
        state = recorder.state(version.id, ERROR, labels)
        rows = label_error_rows(pairs, columns, name, labels)
    else:
        error_spec = ColumnSpec(ERROR_COLUMN, _ERROR_KINDS[task_type])
        state = recorder.state(version.id, ERROR, error_spec)
        rows = _error_rows(pairs, columns, name, task_type)
    status, start = recorder.run_self_starting(state, rows, **context)
    if status != version.status:
        version.status = status
        version.status_data_start_ts = start
        version.status_at = datetime.now(UTC)


_ERROR_KINDS = {
    TaskType.REGRESSION: "numeric",
    TaskType.CLASSIFICATION_BINARY: "categorical",
    TaskType.CLASSIFICATION_MULTICLASS: "categorical",
}


def _prediction_spec(columns: list[ColumnInfo], name: str) -> ColumnSpec | None:
    found = [c for c in columns if c.role == ColumnRole.PREDICTION and c.name == name]
    target = target_column(columns)
    if found:
        return column_spec(found[0])
    if target is not None:
        return column_spec(target.model_copy(update={"name": name}))
    return None


def _error_pairs(
    columns: list[ColumnInfo],
    prediction_name: str,
    predictions: pa.Table | None,
    target: Part | None,
    version_id: str,
    index: SampleIndex,
) -> pl.DataFrame | None:
    """Samples of this batch whose prediction and target are now both known.

    Each sample is paired once: new predictions with any target (this
    batch's or stored), and this batch's targets with stored predictions.
    The time is the prediction's.
    """
    target_info = target_column(columns)
    if target_info is None:
        return None
    ids, time = id_column(columns).name, time_column(columns).name
    target_name = target_info.name
    pieces = []

    if predictions is not None:
        stored = index.rows(predictions.column(ids), Category.TARGET.value)
        current = target.table if target is not None else None
        targets = [table for table in (stored, current) if table is not None]
        if targets:
            known = pl.concat([_frame(t, [ids, target_name]) for t in targets])
            found = _frame(predictions, [ids, time, prediction_name])
            pieces.append(found.join(known, on=ids, how="inner"))

    if target is not None:
        earlier = index.rows(target.table.column(ids), PREDICTION, version_id)
        if earlier is not None:
            found = _frame(earlier, [ids, time, prediction_name])
            known = _frame(target.table, [ids, target_name])
            pieces.append(found.join(known, on=ids, how="inner"))

    if not pieces:
        return None
    pairs = pl.concat(pieces).drop_nulls([prediction_name, target_name])
    return pairs if pairs.height else None


def _frame(table: pa.Table, names: list[str]) -> pl.DataFrame:
    frame = pl.from_arrow(table.select(names))
    assert isinstance(frame, pl.DataFrame)
    return frame


def _error_rows(
    pairs: pl.DataFrame, columns: list[ColumnInfo], prediction: str, task_type: TaskType
) -> _Rows:
    ids, time = id_column(columns).name, time_column(columns).name
    target = target_column(columns).name
    if task_type == TaskType.REGRESSION:
        error = (pl.col(prediction) - pl.col(target)) ** 2
    else:
        error = pl.when(pl.col(prediction) == pl.col(target)).then(pl.lit("0"))
        error = error.otherwise(pl.lit("1"))
    ordered = pairs.with_columns(error.alias(ERROR_COLUMN)).sort(
        time, maintain_order=True
    )
    values = ordered[ERROR_COLUMN].to_numpy()
    if task_type != TaskType.REGRESSION:
        values = values.astype(object)
    return _Rows(
        ids=ordered[ids].to_numpy(),
        times=ordered[time].to_numpy(),
        arrays={ERROR_COLUMN: values},
    )


class Recorder:
    """Loads and saves monitor states; turns transitions into rows."""

    def __init__(self, ctx: JobContext, task: Task) -> None:
        self.session = ctx.session
        self.task = task
        self.job_id = ctx.job.id
        self.config = detector_config(ctx.settings)
        self.baseline_samples = ctx.settings.baseline_samples
        self._events = 0
        self.last_change_time: float | None = None

    def states(self, version_id: str, target: str) -> dict[str, MonitorState]:
        rows = self.session.scalars(
            select(MonitorState).where(
                MonitorState.task_id == self.task.id,
                MonitorState.model_version_id == version_id,
                MonitorState.target == target,
            )
        )
        return {row.specification: row for row in rows}

    def state(
        self, version_id: str, target: str, spec: ColumnSpec | list[ColumnSpec]
    ) -> MonitorState:
        """A model monitor's state, created (not initialised) on first data."""
        found = self.states(version_id, target).get("")
        if found is not None:
            return found
        specs = spec if isinstance(spec, list) else [spec]
        monitor = SelfStartingMonitor(specs, self.config, self.baseline_samples)
        state = MonitorState(
            id=new_id(),
            task_id=self.task.id,
            model_version_id=version_id,
            target=target,
            specification="",
            status=NOT_INITIALIZED,
            state=monitor.to_bytes(),
        )
        self.session.add(state)
        # No relationship() links scores and events to their monitor, so
        # the unit of work may insert a DriftScore before this row; writing
        # the row now keeps the foreign key satisfied in any flush order.
        self.session.flush()
        return state

    def run(
        self,
        state: MonitorState,
        kind,
        rows: _Rows,
        metric: str | None,
        loaded=None,
        **model,
    ):
        """Update one monitor with ``rows``; return its new status.

        ``loaded`` is the monitor already read from ``state``, if it was.
        """
        monitor = loaded if loaded is not None else decoded.load(kind, state.state)
        transitions = monitor.update(rows.arrays)
        self._record(state, monitor, transitions, rows, metric, **model)
        return monitor.status

    def run_self_starting(self, state: MonitorState, rows: _Rows, **model):
        """Update a model monitor; return its status and when that began."""
        before = state.status
        status = self.run(state, SelfStartingMonitor, rows, None, **model)
        if status == before:
            return status, None
        return status, self.last_change_time

    def _record(self, state, monitor, transitions, rows, metric, **model) -> None:
        # A status reached without a transition (end of the baseline) dates
        # from the batch's last row.
        self.last_change_time = float(rows.times[-1]) if len(rows.times) else None
        for transition in transitions:
            self._event(state, transition, rows, metric, **model)
            self.last_change_time = float(rows.times[transition.index])

        state.state = decoded.dump(monitor)
        state.status = monitor.status
        state.updated_at = datetime.now(UTC)
        if monitor.status != NOT_INITIALIZED and len(rows.times):
            self.session.add(
                DriftScore(
                    monitor_id=state.id,
                    job_id=self.job_id,
                    sample_ts=float(rows.times[-1]),
                    score=monitor.score,
                    warning_threshold=monitor.warning_threshold,
                    drift_threshold=monitor.drift_threshold,
                )
            )

    def _event(
        self,
        state: MonitorState,
        transition: Transition,
        rows: _Rows,
        metric: str | None,
        model: Model | None = None,
        version: ModelVersion | None = None,
    ) -> None:
        self._events += 1
        event = DetectionEvent(
            task_id=self.task.id,
            job_id=self.job_id,
            seq_in_job=self._events,
            event_type=transition.event,
            target=state.target,
            metric=metric,
            specification=state.specification,
            severity=transition.severity
            if transition.event == "drift_on"
            else None,
            sample_id=str(rows.ids[transition.index]),
            sample_ts=float(rows.times[transition.index]),
            model_id=model.id if model else None,
            model_version_id=version.id if version else "",
            model_name=model.name if model else None,
            model_version=version.version if version else None,
        )
        self.session.add(event)
        # The rules' deliveries commit with the event (actions.matching).
        queue_deliveries(self.session, event)


def fit_input_monitors(
    ctx: JobContext, task: Task, columns: list[ColumnInfo], reference: pa.Table
) -> None:
    """Fit the task's monitors (input, concept) on ``reference``; statuses
    back to ok.

    The previous monitors are replaced without events (platform-behaviour
    §5); their rows are kept, so a monitor's score history continues.
    """
    plan = _fitted_plan(columns, task, reference)
    if not plan.signals:
        return
    recorder = Recorder(ctx, task)
    arrays = plan.arrays(reference)
    joint = _fitted(arrays, plan.specs(), recorder.config)
    monitors = {"": Planned(joint, {"plan": plan.to_bytes()})}
    for group in plan.groups():
        monitors[group] = _fitted(arrays, plan.specs(group), recorder.config)

    now = datetime.now(UTC)
    states = recorder.states("", INPUT)
    for specification, monitor in monitors.items():
        _save_fitted(ctx, task, states, INPUT, specification, monitor, now)
    task.input_status = "ok"
    task.input_status_at = now

    concept = _fitted_concept(recorder, columns, task, plan, reference)
    if concept is not None or recorder.states("", CONCEPT):
        states = recorder.states("", CONCEPT)
        _save_fitted(ctx, task, states, CONCEPT, "", concept, now)
        task.concept_status = "ok"
        task.concept_status_at = now


def _fitted_plan(columns: list[ColumnInfo], task: Task, reference: pa.Table):
    try:
        return SignalPlan.fit(columns, task.data_structure, reference)
    except (ValueError, np.linalg.LinAlgError) as error:
        raise JobFailed(f"the reference's embeddings cannot be used: {error}") from None


def _fitted_concept(recorder, columns, task, plan, reference) -> Planned | None:
    target = target_column(columns)
    task_type = TaskType(task.task_type)
    if target is None or target.name not in reference.column_names:
        return None
    try:
        return fit_concept(
            plan, reference, id_column(columns).name, target, task_type,
            recorder.config,
        )  # fmt: skip
    except ValueError as error:
        raise JobFailed(
            f"the reference cannot be used for the concept monitor: {error}"
        ) from None


def _save_fitted(ctx, task, states, target, specification, monitor, now) -> None:
    """Store a freshly fitted monitor (None: the monitor cannot run)."""
    state = states.get(specification)
    if state is None:
        state = MonitorState(
            id=new_id(),
            task_id=task.id,
            model_version_id="",
            target=target,
            specification=specification,
        )
        ctx.session.add(state)
        ctx.session.flush()
    state.state = decoded.dump(monitor) if monitor is not None else None
    state.status = monitor.status if monitor is not None else NOT_INITIALIZED
    state.updated_at = now


def _fitted(
    arrays: dict[str, np.ndarray], specs: list[ColumnSpec], config: DetectorConfig
) -> Monitor:
    try:
        return Monitor.fit({s.name: arrays[s.name] for s in specs}, specs, config)
    except ValueError as error:
        names = ", ".join(f"'{spec.name}'" for spec in specs)
        raise JobFailed(f"the reference cannot be used for {names}: {error}") from None
