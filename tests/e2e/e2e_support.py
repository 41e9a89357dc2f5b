"""Data and inspection helpers of the end-to-end tests.

The tests speak to the platform only through ``ML3PlatformClient``; what no
route shows (``Batch`` rows, batch files) is read straight from the
platform's database and data folder, as an operator would.
"""

from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import select

from ml3_platform.db.tables import Batch, DetectionEvent, DriftScore
from ml3_platform.settings import Settings
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    ColumnRole,
    DataStructure,
    DataType,
    FileType,
    ModelMetricName,
    StoragePolicy,
    SuggestionType,
    TaskType,
)
from ml3_platform_sdk.models import ColumnInfo, DataSchema, LocalDataSource
from ml3_platform_sdk.models import TabularData
from support import database_session, unique

MODEL_NAME, MODEL_VERSION = "reg", "v1"
PREDICTION = f"{MODEL_NAME}@{MODEL_VERSION}"
COLORS = ["red", "green", "blue"]
# Production starts a day after the historical data.
HISTORY_START, PRODUCTION_START = 1_700_000_000.0, 1_700_086_400.0


def column(name: str, role: ColumnRole, data_type: DataType, **fields) -> ColumnInfo:
    return ColumnInfo(
        name=name, role=role, is_nullable=False, data_type=data_type, **fields
    )


def regression_schema() -> DataSchema:
    """Two numeric inputs, one categorical, a numeric target."""
    return DataSchema(
        columns=[
            column("sample_id", ColumnRole.ID, DataType.STRING),
            column("timestamp", ColumnRole.TIME_ID, DataType.FLOAT),
            column("x1", ColumnRole.INPUT, DataType.FLOAT),
            column("x2", ColumnRole.INPUT, DataType.FLOAT),
            column(
                "color",
                ColumnRole.INPUT,
                DataType.CATEGORICAL,
                possible_values=COLORS,
            ),
            column("y", ColumnRole.TARGET, DataType.FLOAT),
        ]
    )


def ready_task(client: ML3PlatformClient) -> tuple[str, str, str]:
    """A project, a regression task with the schema, and its model."""
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    task_id = client.create_task(
        project_id,
        unique("task"),
        tags=[],
        task_type=TaskType.REGRESSION,
        data_structure=DataStructure.TABULAR,
    )
    client.add_data_schema(task_id, regression_schema())
    model_id = client.create_model(
        task_id,
        MODEL_NAME,
        MODEL_VERSION,
        ModelMetricName.RMSE,
        SuggestionType.SAMPLE_WEIGHTS,
    )
    return project_id, task_id, model_id


def samples(
    prefix: str, n: int, start: float, shift: float = 0.0, seed: int = 0
) -> dict[str, pl.DataFrame]:
    """``n`` samples a minute apart: inputs, target and exact predictions.

    ``shift`` moves the mean of ``x1`` by that many standard deviations.
    """
    rng = np.random.default_rng(seed)
    x1 = rng.normal(shift, 1.0, n)
    x2 = rng.normal(0.0, 1.0, n)
    keys = pl.DataFrame(
        {
            "sample_id": [f"{prefix}{i}" for i in range(n)],
            "timestamp": start + 60.0 * np.arange(n),
        }
    )
    return {
        "inputs": keys.with_columns(
            x1=x1, x2=x2, color=pl.Series(rng.choice(COLORS, n).tolist())
        ),
        "target": keys.with_columns(y=2 * x1 - x2 + rng.normal(0.0, 0.1, n)),
        "predictions": keys.with_columns(pl.Series(PREDICTION, 2 * x1 - x2)),
    }


def concat(*batches: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {name: pl.concat([b[name] for b in batches]) for name in batches[0]}


def tabular(
    frame: pl.DataFrame, folder: Path, file_type: FileType = FileType.CSV
) -> TabularData:
    """``frame`` written to a new file in ``folder``, as client data."""
    path = folder / f"{unique('data')}.{file_type.value}"
    if file_type == FileType.CSV:
        frame.write_csv(path)
    elif file_type == FileType.JSON:
        frame.write_json(path)
    else:
        frame.write_parquet(path)
    return tabular_file(path, file_type)


def tabular_file(path: Path, file_type: FileType = FileType.CSV) -> TabularData:
    source = LocalDataSource(file_path=str(path), file_type=file_type, is_folder=False)
    return TabularData(source=source)


def production(
    client: ML3PlatformClient,
    task_id: str,
    model_id: str,
    batch: dict[str, pl.DataFrame],
    folder: Path,
) -> str:
    """Send inputs, target and predictions in one call; the job id."""
    return client.add_production_data(
        task_id,
        inputs=tabular(batch["inputs"], folder),
        target=tabular(batch["target"], folder),
        predictions=[(model_id, tabular(batch["predictions"], folder))],
    )


# --- What the platform stored ---------------------------------------------


def job_rows(settings: Settings, table, job_id: str) -> list:
    """Rows of ``table`` (``Batch``, ``DetectionEvent``, ``DriftScore``) that
    ``job_id`` wrote."""
    with database_session(settings) as session:
        return list(session.scalars(select(table).where(table.job_id == job_id)))


def job_folder(settings: Settings, task_id: str, job_id: str) -> Path:
    """Where a job keeps its batch files (docs/architecture.md, Storage)."""
    data = Path(settings.resolved_data_url())
    return data / "tasks" / task_id / "batches" / job_id


def files_under(folder: Path) -> list[str]:
    """Every file below ``folder``, hidden temporary files included."""
    return sorted(
        str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()
    )


def assert_nothing_stored(settings: Settings, task_id: str, job_id: str) -> None:
    for table in (Batch, DetectionEvent, DriftScore):
        assert job_rows(settings, table, job_id) == [], table.__name__
    assert not job_folder(settings, task_id, job_id).exists()
