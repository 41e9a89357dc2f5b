"""A regression task whose concept drifts, as files the real client sends."""

from pathlib import Path

import numpy as np
import polars as pl

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
from ml3_platform_sdk.models import ColumnInfo, DataSchema, LocalDataSource, TabularData
from support import unique

MODEL = "reg"
COLORS = ["red", "green", "blue"]
START = 1_700_000_000.0
INPUTS = ["x1", "x2", "color"]


def column(name: str, role: ColumnRole, data_type: DataType, **fields) -> ColumnInfo:
    return ColumnInfo(name=name, role=role, is_nullable=False, data_type=data_type, **fields)


SCHEMA = DataSchema(
    columns=[
        column("sample_id", ColumnRole.ID, DataType.STRING),
        column("timestamp", ColumnRole.TIME_ID, DataType.FLOAT),
        column("x1", ColumnRole.INPUT, DataType.FLOAT),
        column("x2", ColumnRole.INPUT, DataType.FLOAT),
        column("color", ColumnRole.INPUT, DataType.CATEGORICAL, possible_values=COLORS),
        column("y", ColumnRole.TARGET, DataType.FLOAT),
    ]
)


def ready_model(client: ML3PlatformClient, **model) -> tuple[str, str]:
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    task_id = client.create_task(
        project_id,
        unique("task"),
        tags=[],
        task_type=TaskType.REGRESSION,
        data_structure=DataStructure.TABULAR,
    )
    client.add_data_schema(task_id, SCHEMA)
    model_id = client.create_model(
        task_id,
        MODEL,
        "v1",
        ModelMetricName.RMSE,
        model.get("suggestion", SuggestionType.SAMPLE_WEIGHTS),
        resampled_dataset_size=model.get("size"),
    )
    return task_id, model_id


def draw(prefix: str, n: int, start: float, drifted: bool, seed: int) -> pl.DataFrame:
    """``n`` samples a minute apart. After the drift, ``y`` gains 3 where
    ``x1 > 0``: the inputs keep their distribution, the concept changes."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(0, 1, n), rng.normal(0, 1, n)
    y = 2 * x1 - x2 + rng.normal(0, 0.3, n)
    if drifted:
        y = y + 3.0 * (x1 > 0)
    return pl.DataFrame(
        {
            "sample_id": [f"{prefix}{i}" for i in range(n)],
            "timestamp": start + 60.0 * np.arange(n),
            "x1": x1,
            "x2": x2,
            "color": rng.choice(COLORS, n).tolist(),
            "y": y,
        }
    )


def file(frame: pl.DataFrame, folder: Path) -> TabularData:
    path = folder / f"{unique('data')}.parquet"
    frame.write_parquet(path)
    source = LocalDataSource(
        file_path=str(path), file_type=FileType.PARQUET, is_folder=False
    )
    return TabularData(source=source)


def send_historical(client, task_id: str, frame: pl.DataFrame, folder: Path) -> None:
    inputs = file(frame.select("sample_id", "timestamp", *INPUTS), folder)
    target = file(frame.select("sample_id", "timestamp", "y"), folder)
    client.wait_job_completion(client.add_historical_data(task_id, inputs, target))


def send_production(
    client, task_id: str, model_id: str, frame: pl.DataFrame, column: str,
    predicted: np.ndarray, folder: Path,
) -> None:
    keys = frame.select("sample_id", "timestamp")
    job = client.add_production_data(
        task_id,
        inputs=file(frame.select("sample_id", "timestamp", *INPUTS), folder),
        target=file(frame.select("sample_id", "timestamp", "y"), folder),
        predictions=[(model_id, file(keys.with_columns(pl.Series(column, predicted)), folder))],
    )
    client.wait_job_completion(job)


def features(frame: pl.DataFrame) -> np.ndarray:
    color = frame["color"].replace_strict({c: i for i, c in enumerate(COLORS)})
    return np.column_stack([frame["x1"], frame["x2"], color.to_numpy()])
