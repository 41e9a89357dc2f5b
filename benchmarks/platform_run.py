"""The throughput stream sent through the platform: EmbeddedPlatform on
loopback, driven by the real client, from upload to detection events.

Run in its own process by throughput.py and memory.py:

    python platform_run.py <rows> <reference rows> <parquet|csv> <out.json>
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import LEVELS, wide_frame  # noqa: E402

from ml3_platform.embedded import EmbeddedPlatform  # noqa: E402
from ml3_platform_sdk.client import ML3PlatformClient  # noqa: E402
from ml3_platform_sdk.enums import (  # noqa: E402
    ColumnRole,
    DataStructure,
    DataType,
    FileType,
    ModelMetricName,
    StoragePolicy,
    SuggestionType,
    TaskType,
)
from ml3_platform_sdk.models import (  # noqa: E402
    ColumnInfo,
    DataSchema,
    LocalDataSource,
    TabularData,
)

BATCH = 10_000
START = 1_700_000_000.0
SPENT: dict[str, float] = {}


def timed(owner, name, label):
    """Add the time spent in owner.name to SPENT[label]: where an upload's
    time goes, without touching the platform's code."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[label] = SPENT.get(label, 0.0) + time.perf_counter() - began

    setattr(owner, name, wrapper)


def instrument():
    from ml3_platform.monitoring import Monitor
    from ml3_platform.pipeline import ingestion, monitoring

    timed(ingestion, "_load", "read and validate file")
    timed(ingestion, "check_samples", "check sample ids")
    timed(ingestion, "_write", "write Parquet + batch row")
    timed(ingestion, "monitor_batch", "monitoring (all)")
    timed(monitoring, "column_arrays", "  arrays from Arrow")
    timed(Monitor, "update", "  engine update")
    for name in ("from_bytes", "to_bytes"):
        owner = Monitor
        inner = getattr(owner, name)
        if name == "from_bytes":
            inner = inner.__func__

            def load(cls, blob, inner=inner):
                began = time.perf_counter()
                try:
                    return inner(cls, blob)
                finally:
                    key = "  engine state load/save"
                    SPENT[key] = SPENT.get(key, 0.0) + time.perf_counter() - began

            Monitor.from_bytes = classmethod(load)
        else:
            timed(owner, name, "  engine state load/save")


def schema(frame) -> DataSchema:
    def column(name, role, data_type, **extra):
        return ColumnInfo(
            name=name, role=role, is_nullable=False, data_type=data_type, **extra
        )

    columns = [
        column("sample_id", ColumnRole.ID, DataType.STRING),
        column("timestamp", ColumnRole.TIME_ID, DataType.FLOAT),
    ]
    for name, values in frame.items():
        if values.dtype.kind == "f":
            columns.append(column(name, ColumnRole.INPUT, DataType.FLOAT))
        else:
            columns.append(
                column(
                    name,
                    ColumnRole.INPUT,
                    DataType.CATEGORICAL,
                    possible_values=LEVELS.tolist(),
                )
            )
    columns.append(column("y", ColumnRole.TARGET, DataType.FLOAT))
    return DataSchema(columns=columns)


def table(frame, prefix, start_row):
    n = len(next(iter(frame.values())))
    rows = np.arange(start_row, start_row + n)
    keys = {"sample_id": [f"{prefix}{i}" for i in rows], "timestamp": START + rows}
    return pl.DataFrame({**keys, **frame})


def upload(frame: pl.DataFrame, folder: Path, file_type: FileType) -> TabularData:
    path = folder / f"{time.monotonic_ns()}.{file_type.value}"
    if file_type == FileType.CSV:
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    source = LocalDataSource(file_path=str(path), file_type=file_type, is_folder=False)
    return TabularData(source=source)


def main():
    rows, reference_rows, kind, out = sys.argv[1:5]
    rows, reference_rows = int(rows), int(reference_rows)
    file_type = FileType.CSV if kind == "csv" else FileType.PARQUET
    os.environ["ML3_PROGRESS"] = "0"
    rng = np.random.default_rng(0)
    reference = wide_frame(rng, reference_rows)

    with tempfile.TemporaryDirectory() as folder, EmbeddedPlatform() as platform:
        folder = Path(folder)
        client = ML3PlatformClient(platform.url, platform.create_user("bench"))
        client.create_company(name="bench", address="1 Main St", vat="IT0")
        project = client.create_project("bench", None, StoragePolicy.MLCUBE)
        task = client.create_task(
            project,
            "bench",
            tags=[],
            task_type=TaskType.REGRESSION,
            data_structure=DataStructure.TABULAR,
        )
        client.add_data_schema(task, schema(reference))
        model = client.create_model(
            task, "m", "v1", ModelMetricName.RMSE, SuggestionType.SAMPLE_WEIGHTS
        )
        history = table(reference, "r", -reference_rows)
        target = history.select("sample_id", "timestamp", y=pl.lit(0.0))
        job = client.add_historical_data(
            task,
            upload(history, folder, file_type),
            upload(target, folder, file_type),
        )
        client.wait_job_completion(job)
        job = client.set_model_reference(model, START - reference_rows, START)
        client.wait_job_completion(job)

        # Batches are generated and written before the clock starts: the
        # user's files exist already.
        files = []
        for start in range(0, rows, BATCH):
            batch = wide_frame(rng, min(BATCH, rows - start))
            files.append(upload(table(batch, "p", start), folder, file_type))

        instrument()
        began = time.perf_counter()
        for data in files:
            client.wait_job_completion(client.add_production_data(task, inputs=data))
        seconds = time.perf_counter() - began
        events = client.get_detection_events(task)
        client.close()

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kinds = sorted({f"{e.monitoring_metric}/{e.event_type}" for e in events})
    result = {
        "rows": rows,
        "seconds": seconds,
        "events": len(events),
        "kinds": kinds,
        "peak": peak,
        "spent": SPENT,
    }
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
