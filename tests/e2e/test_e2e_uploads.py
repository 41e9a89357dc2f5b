"""Uploads over a socket: good batches are monitored, bad ones leave nothing.

Each malformed case goes through the whole flow a user sees: presigned
upload, the data call, the job; the job fails with a message naming the
column and the row, and no batch row, event, drift score or batch file of
that job exists afterwards.
"""

import polars as pl
import pytest

from e2e_support import (
    HISTORY_START,
    PRODUCTION_START,
    assert_nothing_stored,
    concat,
    job_rows,
    production,
    ready_task,
    samples,
    tabular,
    tabular_file,
)
from ml3_platform.db.tables import Batch
from ml3_platform_sdk.enums import FileType
from ml3_platform_sdk.exceptions import JobFailureException


@pytest.fixture
def referenced(client, tmp_path):
    """A regression task with 400 historical samples set as reference."""
    _, task_id, model_id = ready_task(client)
    history = samples("h", 400, HISTORY_START)
    client.wait_job_completion(
        client.add_historical_data(
            task_id,
            tabular(history["inputs"], tmp_path),
            tabular(history["target"], tmp_path),
        )
    )
    client.wait_job_completion(
        client.set_model_reference(model_id, HISTORY_START, HISTORY_START + 1e6)
    )
    return task_id, model_id


def failed_job(client, job_id: str) -> str:
    with pytest.raises(JobFailureException):
        client.wait_job_completion(job_id)
    job = client.get_job(job_id)
    assert job.status == "error"
    return job.error


def send_inputs(client, task_id, frame: pl.DataFrame, folder) -> str:
    return client.add_production_data(task_id, inputs=tabular(frame, folder))


def test_wrong_column_fails_and_stores_nothing(client, platform, referenced, tmp_path):
    task_id, _ = referenced
    batch = samples("p", 20, PRODUCTION_START)["inputs"].rename({"x2": "x3"})

    job_id = send_inputs(client, task_id, batch, tmp_path)

    error = failed_job(client, job_id)
    assert "column 'x2' is missing" in error
    assert_nothing_stored(platform.settings, task_id, job_id)


def test_wrong_type_names_column_and_row(client, platform, referenced, tmp_path):
    task_id, _ = referenced
    batch = samples("p", 20, PRODUCTION_START)["inputs"].with_columns(
        pl.col("x1").cast(pl.String)
    )
    batch[6, "x1"] = "seven"

    job_id = send_inputs(client, task_id, batch, tmp_path)

    error = failed_job(client, job_id)
    assert "column 'x1'" in error
    assert "'seven' in row 7" in error and "'p6'" in error
    assert_nothing_stored(platform.settings, task_id, job_id)


def test_duplicate_ids_name_the_rows(client, platform, referenced, tmp_path):
    task_id, _ = referenced
    batch = samples("p", 20, PRODUCTION_START)["inputs"]
    batch[11, "sample_id"] = "p3"

    job_id = send_inputs(client, task_id, batch, tmp_path)

    error = failed_job(client, job_id)
    assert "column 'sample_id'" in error
    assert "'p3'" in error and "row 12" in error
    assert_nothing_stored(platform.settings, task_id, job_id)


def test_null_in_non_nullable_column(client, platform, referenced, tmp_path):
    task_id, _ = referenced
    batch = samples("p", 20, PRODUCTION_START)["inputs"]
    batch[4, "color"] = None

    job_id = send_inputs(client, task_id, batch, tmp_path)

    error = failed_job(client, job_id)
    assert "column 'color'" in error and "row 5" in error
    assert "null" in error or "missing" in error
    assert_nothing_stored(platform.settings, task_id, job_id)


@pytest.mark.parametrize(
    ("column", "written", "shown"),
    [("x1", "1e309", "inf"), ("y", "-inf", "-inf"), ("reg@v1", "inf", "inf")],
)
def test_an_infinity_names_column_and_row(
    client, platform, referenced, tmp_path, column, written, shown
):
    """A CSV number too big for a float, or an infinity, is no measurement."""
    task_id, model_id = referenced
    batch = samples("p", 20, PRODUCTION_START)
    frames = {
        name: frame.with_columns(pl.all().cast(pl.String))
        for name, frame in batch.items()
    }
    name = {"x1": "inputs", "y": "target", "reg@v1": "predictions"}[column]
    frames[name][8, column] = written

    job_id = client.add_production_data(
        task_id,
        inputs=tabular(frames["inputs"], tmp_path),
        target=tabular(frames["target"], tmp_path),
        predictions=[(model_id, tabular(frames["predictions"], tmp_path))],
    )

    error = failed_job(client, job_id)
    assert f"column '{column}': value {shown} in row 9 (sample id 'p8')" in error
    assert "is not finite" in error
    assert_nothing_stored(platform.settings, task_id, job_id)


def test_a_file_that_is_no_parquet_is_named_as_the_user_knows_it(
    client, platform, referenced, tmp_path
):
    task_id, _ = referenced
    path = tmp_path / "batch.parquet"
    path.write_bytes(b"PAR1 not really PAR1")

    job_id = client.add_production_data(
        task_id, inputs=tabular_file(path, FileType.PARQUET)
    )

    error = failed_job(client, job_id)
    assert error.startswith(
        "inputs (batch.parquet): file 'batch.parquet' could not be read as PARQUET"
    )
    assert str(platform.settings.home) not in error
    assert_nothing_stored(platform.settings, task_id, job_id)


def test_pandas_categories_in_parquet_are_read_as_their_values(
    client, platform, referenced, tmp_path
):
    task_id, _ = referenced
    frame = samples("p", 20, PRODUCTION_START)["inputs"].to_pandas()
    frame["color"] = frame["color"].astype("category")
    frame["sample_id"] = frame["sample_id"].astype("category")
    path = tmp_path / "batch.parquet"
    frame.to_parquet(path)

    job_id = client.add_production_data(
        task_id, inputs=tabular_file(path, FileType.PARQUET)
    )
    client.wait_job_completion(job_id)

    (batch,) = job_rows(platform.settings, Batch, job_id)
    assert batch.n_rows == 20


def test_a_repeated_csv_header_is_named(client, platform, referenced, tmp_path):
    task_id, _ = referenced
    path = tmp_path / "batch.csv"
    path.write_text("sample_id,timestamp,x1,x2,x1,color\np0,1700086400,1,2,3,red\n")

    job_id = client.add_production_data(task_id, inputs=tabular_file(path))

    error = failed_job(client, job_id)
    assert error == (
        "inputs (batch.csv): file 'batch.csv': column 'x1' appears more than once"
    )
    assert_nothing_stored(platform.settings, task_id, job_id)


def test_a_sample_id_too_long_to_keep_is_refused(
    client, platform, referenced, tmp_path
):
    """Events keep the id of their sample: it must fit (300 characters)."""
    task_id, _ = referenced
    batch = samples("p", 200, PRODUCTION_START, shift=5.0)["inputs"]
    batch = batch.with_columns(("p" * 300 + pl.col("sample_id")).alias("sample_id"))

    job_id = send_inputs(client, task_id, batch, tmp_path)

    error = failed_job(client, job_id)
    assert "column 'sample_id': the sample id in row 1 is 302 characters" in error
    assert "at most 300" in error
    assert_nothing_stored(platform.settings, task_id, job_id)


def test_one_bad_file_rejects_the_whole_call(client, platform, referenced, tmp_path):
    """Good inputs with a bad target in the same call: neither is stored."""
    task_id, model_id = referenced
    batch = samples("p", 20, PRODUCTION_START)
    target = batch["target"].with_columns(pl.col("y").cast(pl.String))
    target[2, "y"] = "n/a"

    job_id = client.add_production_data(
        task_id,
        inputs=tabular(batch["inputs"], tmp_path),
        target=tabular(target, tmp_path),
        predictions=[(model_id, tabular(batch["predictions"], tmp_path))],
    )

    error = failed_job(client, job_id)
    assert "column 'y'" in error and "row 3" in error
    assert_nothing_stored(platform.settings, task_id, job_id)


@pytest.mark.parametrize("file_type", [FileType.CSV, FileType.JSON, FileType.PARQUET])
def test_good_batches_of_every_format_are_monitored(
    client, platform, referenced, tmp_path, file_type
):
    task_id, _ = referenced
    batch = samples("p", 30, PRODUCTION_START)["inputs"]

    job_id = client.add_production_data(
        task_id, inputs=tabular(batch, tmp_path, file_type)
    )
    client.wait_job_completion(job_id)

    [stored] = job_rows(platform.settings, Batch, job_id)
    assert (stored.category, stored.kind, stored.n_rows) == ("input", "production", 30)
    assert client.get_task(task_id).input_status.value == "ok"


def test_a_clear_shift_is_detected_over_the_socket(
    client, platform, referenced, tmp_path
):
    task_id, model_id = referenced
    calm = samples("calm", 200, PRODUCTION_START, seed=1)
    shifted = samples("moved", 600, PRODUCTION_START + 200 * 60, shift=3.0, seed=2)

    client.wait_job_completion(
        production(client, task_id, model_id, concat(calm, shifted), tmp_path)
    )

    task = client.get_task(task_id)
    assert task.input_status.value == "drift"
    drifts = [
        event for event in client.get_detection_events(task_id)
        if event.event_type.value == "drift_on"
        and event.monitoring_target.value == "input"
    ]  # fmt: skip
    assert drifts, "a 3-sigma shift of x1 raised no input drift"
    assert all(event.sample_id.startswith("moved") for event in drifts)
