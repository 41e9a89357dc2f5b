"""One monitoring story, told with any kind of source, and what it left.

The same seeded data go through the same calls whether the files are local
or in a customer's store, so the two runs must end with the same events and
statuses. A KPI has a shorter story of its own (`tell_kpi`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import func, select

from ml3_platform.db.tables import (
    Batch,
    HashedBatch,
    KpiBatch,
    KpiDriftScore,
    SampleHash,
)
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    ColumnRole,
    DataStructure,
    DataType,
    FileType,
    ModelMetricName,
    SuggestionType,
    TaskType,
)
from ml3_platform_sdk.models import (
    ColumnInfo,
    DataSchema,
    LocalDataSource,
    TabularData,
)
from support import database_session, unique

PREDICTION = "reg@v1"
HISTORY_START, PRODUCTION_START = 1_700_000_000.0, 1_700_086_400.0
HISTORY_ROWS, BATCH_ROWS = 400, 300
KPI_FILES = ("kpi-calm", "kpi-moved")
# (name, frame) -> the client's Data for that frame, wherever it is put.
MakeData = Callable[[str, pl.DataFrame], TabularData]


def _column(name: str, role: ColumnRole, data_type: DataType) -> ColumnInfo:
    return ColumnInfo(name=name, role=role, is_nullable=False, data_type=data_type)


SCHEMA = DataSchema(
    columns=[
        _column("sample_id", ColumnRole.ID, DataType.STRING),
        _column("timestamp", ColumnRole.TIME_ID, DataType.FLOAT),
        _column("x1", ColumnRole.INPUT, DataType.FLOAT),
        _column("x2", ColumnRole.INPUT, DataType.FLOAT),
        _column("y", ColumnRole.TARGET, DataType.FLOAT),
    ]
)


def samples(prefix: str, n: int, start: float, shift: float, seed: int) -> dict:
    """Inputs, target and exact predictions; ``x1`` moved by ``shift`` σ."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(shift, 1.0, n), rng.normal(0.0, 1.0, n)
    keys = pl.DataFrame(
        {
            "sample_id": [f"{prefix}{i}" for i in range(n)],
            "timestamp": start + 60.0 * np.arange(n),
        }
    )
    return {
        "inputs": keys.with_columns(x1=x1, x2=x2),
        "target": keys.with_columns(y=2 * x1 - x2 + rng.normal(0.0, 0.1, n)),
        "predictions": keys.with_columns(pl.Series(PREDICTION, 2 * x1 - x2)),
    }


def local_data(folder: Path) -> MakeData:
    def make(name: str, frame: pl.DataFrame) -> TabularData:
        path = folder / f"{unique(name)}.csv"
        path.write_bytes(csv_bytes(frame))
        source = LocalDataSource(
            file_path=str(path), file_type=FileType.CSV, is_folder=False
        )
        return TabularData(source=source)

    return make


def csv_bytes(frame: pl.DataFrame) -> bytes:
    return frame.write_csv().encode()


@dataclass
class Story:
    task_id: str
    model_id: str
    events: list[tuple]
    statuses: tuple
    names: dict[str, TabularData]


def tell(client: ML3PlatformClient, project_id: str, make: MakeData) -> Story:
    """History, a reference, a calm batch, then a batch whose ``x1`` moved.

    The moved batch's target comes later, with ``add_target_data``: every
    upload method that takes task data reads from the source.
    """
    task_id = client.create_task(
        project_id, unique("task"), tags=[], task_type=TaskType.REGRESSION,
        data_structure=DataStructure.TABULAR,
    )  # fmt: skip
    client.add_data_schema(task_id, SCHEMA)
    model_id = client.create_model(
        task_id, "reg", "v1", ModelMetricName.RMSE, SuggestionType.SAMPLE_WEIGHTS
    )
    names: dict[str, TabularData] = {}

    def data(name: str, frame: pl.DataFrame) -> TabularData:
        names[name] = make(name, frame)
        return names[name]

    history = samples("h", HISTORY_ROWS, HISTORY_START, 0.0, seed=1)
    job = client.add_historical_data(
        task_id, data("hist-inputs", history["inputs"]),
        data("hist-target", history["target"]),
    )  # fmt: skip
    client.wait_job_completion(job)
    end = HISTORY_START + 60.0 * (HISTORY_ROWS - 1)
    client.wait_job_completion(client.set_model_reference(model_id, HISTORY_START, end))

    calm = samples("a", BATCH_ROWS, PRODUCTION_START, 0.0, seed=2)
    moved = samples("b", BATCH_ROWS, PRODUCTION_START + 60.0 * BATCH_ROWS, 3.0, 3)
    job = client.add_production_data(
        task_id,
        inputs=data("calm-inputs", calm["inputs"]),
        target=data("calm-target", calm["target"]),
        predictions=[(model_id, data("calm-predictions", calm["predictions"]))],
    )
    client.wait_job_completion(job)
    job = client.add_production_data(
        task_id,
        inputs=data("moved-inputs", moved["inputs"]),
        predictions=[(model_id, data("moved-predictions", moved["predictions"]))],
    )
    client.wait_job_completion(job)
    job = client.add_target_data(task_id, data("moved-target", moved["target"]))
    client.wait_job_completion(job)
    return Story(task_id, model_id, events(client, task_id),
                 statuses(client, task_id, model_id), names)  # fmt: skip


def events(client: ML3PlatformClient, task_id: str) -> list[tuple]:
    found = [
        (
            e.sample_timestamp, e.sample_id, e.event_type.value,
            e.monitoring_target.value, getattr(e.monitoring_metric, "value", None),
            e.specification, getattr(e.severity_type, "value", None),
        )
        for e in client.get_detection_events(task_id)
    ]  # fmt: skip
    return sorted(found, key=lambda event: tuple(map(str, event)))


def statuses(client: ML3PlatformClient, task_id: str, model_id: str) -> tuple:
    task, model = client.get_task(task_id), client.get_model(model_id)
    return (
        task.input_status.value, task.concept_status.value,
        model.status.value, str(model.prediction_status),
    )  # fmt: skip


def task_batches(platform, task_id: str) -> list[Batch]:
    with database_session(platform.settings) as session:
        return list(session.scalars(select(Batch).where(Batch.task_id == task_id)))


def sample_keys(platform, task_id: str) -> dict[str, int]:
    """How many sample keys each of the task's batches has, by batch id."""
    query = (
        select(HashedBatch.batch_id, func.count(SampleHash.key))
        .join(SampleHash, SampleHash.hashed_batch_id == HashedBatch.id)
        .join(Batch, Batch.id == HashedBatch.batch_id)
        .where(Batch.task_id == task_id)
        .group_by(HashedBatch.batch_id)
    )
    with database_session(platform.settings) as session:
        return dict(session.execute(query).all())


def job_batches(platform, job_id: str) -> list[Batch]:
    with database_session(platform.settings) as session:
        return list(session.scalars(select(Batch).where(Batch.job_id == job_id)))


def platform_files(platform, task_id: str) -> list[str]:
    """Every file the platform keeps for the task in its own storage."""
    folder = Path(platform.settings.resolved_data_url()) / "tasks" / task_id
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def tell_kpi(client: ML3PlatformClient, project_id: str, make: MakeData) -> tuple:
    """A KPI's reference and calm values, then values moved by 4σ; the KPI's
    id, status and the start of that status."""
    kpi_id = client.create_kpi(project_id, unique("kpi"))
    rng = np.random.default_rng(7)
    # The first 200 values are the reference (the platform's default).
    calm, moved = KPI_FILES
    for name, first, values in [
        (calm, 0, rng.normal(10.0, 1.0, 500)),
        (moved, 500, rng.normal(14.0, 1.0, 80)),
    ]:
        frame = pl.DataFrame(
            {"timestamp": HISTORY_START + 3600.0 * (first + np.arange(len(values))),
             "value": values}
        )  # fmt: skip
        job = client.add_kpi_data(project_id, kpi_id, make(name, frame))
        client.wait_job_completion(job)
    kpi = client.get_kpi(kpi_id)
    return kpi_id, kpi.status.value, kpi.status_kpi_start_timestamp


def kpi_batches(platform, kpi_id: str) -> list[KpiBatch]:
    with database_session(platform.settings) as session:
        query = select(KpiBatch).where(KpiBatch.kpi_id == kpi_id)
        return list(session.scalars(query))


def kpi_scores(platform, kpi_id: str) -> list[KpiDriftScore]:
    with database_session(platform.settings) as session:
        query = select(KpiDriftScore).where(KpiDriftScore.kpi_id == kpi_id)
        return list(session.scalars(query))


def kpi_files(platform, kpi_id: str) -> list[str]:
    """Every file the platform keeps for the KPI in its own storage."""
    folder = Path(platform.settings.resolved_data_url()) / "kpis" / kpi_id
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
