"""The ``kpi`` job: validate, store and monitor one file of KPI values.

A KPI file (README, "KPI files") has the columns ``timestamp`` and
``value``, and optionally ``sample_id``. It is an upload, or an object in
the customer's store read as task data are
(`ml3_platform.pipeline.remote_sources`); under the ``customer`` storage
policy such an object is not copied, and the batch keeps a pointer to it.
The values go, in timestamp order,
through the KPI's `SelfStartingMonitor`: its first
``settings.kpi_baseline_samples`` values become the reference (status
``not_initialized`` until then), later ones are monitored against it. The
stored batch, the monitor's state and the status commit with the job, so a
rerun after a crash repeats the same work on the same state.
"""

import io
from contextlib import nullcontext
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from ml3_platform.db.tables import Kpi, KpiBatch, KpiDriftScore, Upload, utcnow
from ml3_platform.ingest import IngestError, read_table, validate_table
from ml3_platform.jobs import JobContext, JobFailed, handler
from ml3_platform.monitoring import ColumnSpec, SelfStartingMonitor
from ml3_platform.pipeline import decoded
from ml3_platform.pipeline.ingestion import removed_on_failure
from ml3_platform.pipeline.monitoring import detector_config
from ml3_platform.pipeline.remote_sources import (
    file_name_of,
    read_remote,
    storage_policy,
)
from ml3_platform.services.received import ChecksumMismatch, verified_bytes
from ml3_platform_sdk.enums import ColumnRole, DataType, StoragePolicy
from ml3_platform_sdk.models import ColumnInfo, RemoteDataSourceInfo

TIME, VALUE, SAMPLE_ID = "timestamp", "value", "sample_id"
COLUMNS = [
    ColumnInfo(
        name=SAMPLE_ID, role=ColumnRole.ID, is_nullable=False,
        data_type=DataType.STRING,
    ),
    ColumnInfo(
        name=TIME, role=ColumnRole.TIME_ID, is_nullable=False,
        data_type=DataType.FLOAT,
    ),
    ColumnInfo(
        name=VALUE, role=ColumnRole.KPI, is_nullable=False,
        data_type=DataType.FLOAT,
    ),
]  # fmt: skip
SPEC = ColumnSpec(VALUE, "numeric")


def batch_key(kpi_id: str, job_id: str) -> str:
    return f"kpis/{kpi_id}/batches/{job_id}.parquet"


@handler("kpi")
def add_kpi_data(ctx: JobContext) -> None:
    kpi = ctx.session.get(Kpi, ctx.job.payload["kpi_id"])
    if kpi is None:
        raise JobFailed(f"kpi {ctx.job.payload['kpi_id']} not found")

    table, pointer = _values(ctx, kpi)
    table = table.sort_by([(TIME, "ascending")])
    key = "" if pointer else batch_key(kpi.id, ctx.job.id)
    if key:
        ctx.store.write_table(key, table)
    with removed_on_failure(ctx.store, key) if key else nullcontext():
        _record_batch(ctx, kpi, key, pointer, table)
        _monitor(ctx, kpi, table)


def _values(ctx: JobContext, kpi: Kpi) -> tuple[pa.Table, dict[str, Any] | None]:
    """The payload's values, and the pointer to them if they stay remote."""
    payload = ctx.job.payload
    if "source" not in payload:
        return _uploaded(ctx, kpi, payload["upload_id"]), None
    source = RemoteDataSourceInfo.model_validate(payload["source"])
    table, pointer = _remote(ctx, kpi, source)
    policy = storage_policy(ctx.session, kpi.project_id, source)
    return table, pointer if policy == StoragePolicy.CUSTOMER else None


def _uploaded(ctx: JobContext, kpi: Kpi, upload_id: str) -> pa.Table:
    upload = ctx.session.get(Upload, upload_id)
    if upload is None or upload.uploaded_at is None or upload.kpi_id != kpi.id:
        raise JobFailed("the KPI file was never uploaded")
    file_name = upload.params.get("file_name") or "kpi"
    try:
        return _validated(_read(ctx, upload, file_name))
    except IngestError as error:
        raise JobFailed(f"KPI file ({file_name}): {error.message}") from None
    except ChecksumMismatch as mismatch:
        raise JobFailed(str(mismatch)) from None


def _remote(
    ctx: JobContext, kpi: Kpi, source: RemoteDataSourceInfo
) -> tuple[pa.Table, dict[str, Any]]:
    """The object's values and pointer; `JobFailed` says what went wrong."""
    try:
        raw, pointer = read_remote(
            ctx.session, ctx.settings, kpi.project_id, source, "KPI file"
        )
        return _validated(raw), pointer
    except IngestError as error:
        name = file_name_of(source)
        raise JobFailed(f"KPI file ({name}): {error.message}") from None


def _validated(raw: pa.Table) -> pa.Table:
    if SAMPLE_ID not in raw.column_names:
        # Sample ids are optional: the row number stands in for them.
        numbers = pa.array([str(row) for row in range(1, raw.num_rows + 1)])
        raw = raw.append_column(SAMPLE_ID, numbers)
    # Messages name a KPI's rows by number and timestamp, not sample id.
    return validate_table(raw, COLUMNS, rows_named_by=TIME)


def _read(ctx: JobContext, upload: Upload, file_name: str) -> pa.Table:
    file_type = upload.params.get("file_type")
    checked = verified_bytes(ctx.store, upload)
    if checked is not None:
        return read_table(io.BytesIO(checked), file_type, file_name)
    with ctx.store.open(upload.storage_key) as file:
        return read_table(file, file_type, file_name)


def _record_batch(
    ctx: JobContext,
    kpi: Kpi,
    key: str,
    pointer: dict[str, Any] | None,
    table: pa.Table,
) -> None:
    batch = ctx.session.scalar(select(KpiBatch).where(KpiBatch.job_id == ctx.job.id))
    if batch is None:
        batch = KpiBatch(kpi_id=kpi.id, job_id=ctx.job.id)
        ctx.session.add(batch)
    times = table.column(TIME)
    batch.storage_key = key
    batch.remote_source = pointer
    batch.n_rows = table.num_rows
    batch.min_ts = pc.min(times).as_py()
    batch.max_ts = pc.max(times).as_py()


def _monitor(ctx: JobContext, kpi: Kpi, table: pa.Table) -> None:
    """Run the values through the KPI's monitor and keep its status.

    A status reached without a transition (the end of the baseline) dates
    from the batch's last value; otherwise from the last transition's value.
    """
    if kpi.monitor_state is None:
        monitor = SelfStartingMonitor(
            [SPEC], detector_config(ctx.settings), ctx.settings.kpi_baseline_samples
        )
    else:
        monitor = decoded.load(SelfStartingMonitor, kpi.monitor_state)
    times = table.column(TIME).to_numpy()
    values = pc.fill_null(table.column(VALUE), float("nan")).to_numpy()
    transitions = monitor.update({VALUE: values})

    kpi.monitor_state = decoded.dump(monitor)
    if monitor.status != "not_initialized" and len(times):
        ctx.session.add(
            KpiDriftScore(
                kpi_id=kpi.id,
                job_id=ctx.job.id,
                sample_ts=float(times[-1]),
                score=monitor.score,
                warning_threshold=monitor.warning_threshold,
                drift_threshold=monitor.drift_threshold,
            )
        )
    if monitor.status == kpi.status:
        return
    start = transitions[-1].index if transitions else len(times) - 1
    kpi.status = monitor.status
    kpi.status_start_ts = float(times[start])
    kpi.status_at = utcnow()

