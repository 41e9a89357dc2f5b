"""Embedding, text and image batches are validated whole, through the server.

A bad batch fails its job with a message naming the column and the row,
and leaves nothing stored (platform-behaviour §3).
"""

import io
import zipfile

import numpy as np
import polars as pl
import pytest
from PIL import Image

from e2e_support import assert_nothing_stored
from matrix_support import (
    HISTORY_START,
    ID,
    MODEL,
    TIME,
    VERSION,
    Stream,
    _file,
    _npy,
    schema,
)
from ml3_platform_sdk.enums import (
    DataStructure,
    FileType,
    FolderType,
    ModelMetricName,
    StoragePolicy,
    SuggestionType,
    TaskType,
    TextLanguage,
)
from ml3_platform_sdk.exceptions import JobFailureException
from ml3_platform_sdk.models import (
    EmbeddingData,
    ImageData,
    LocalDataSource,
    TabularData,
    TextData,
)
from support import unique


def new_task(client, task_type, structure) -> str:
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    language = TextLanguage.ENGLISH if structure == DataStructure.TEXT else None
    task_id = client.create_task(
        project_id, unique("task"), [], task_type, structure, text_language=language
    )
    client.add_data_schema(task_id, schema(task_type, structure))
    metric = (
        ModelMetricName.RMSE
        if task_type == TaskType.REGRESSION
        else ModelMetricName.ACCURACY
    )
    client.create_model(task_id, MODEL, VERSION, metric, SuggestionType.SAMPLE_WEIGHTS)
    return task_id


def failure(client, platform, task_id, inputs, target=None) -> str:
    job_id = client.add_historical_data(task_id, inputs, target)
    with pytest.raises(JobFailureException):
        client.wait_job_completion(job_id)
    assert_nothing_stored(platform.settings, task_id, job_id)
    return client.get_job(job_id).error


def keys(n: int) -> dict:
    return {ID: [f"s{i}" for i in range(n)], TIME: (HISTORY_START + np.arange(n))}


def png(size: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((size, size), 100, np.uint8), mode="L").save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


def images(folder, files: dict[str, bytes], names: list[str]) -> ImageData:
    path = folder / f"{unique('images')}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    mapping = pl.DataFrame({**keys(len(names)), "file_name": names})
    return ImageData(
        source=LocalDataSource(
            file_path=str(path), file_type=FileType.PNG, is_folder=True,
            folder_type=FolderType.ZIP,
        ),
        mapping_source=_file(mapping, folder, FileType.CSV),
        embedding_source=_npy(np.zeros((len(names), 8)), folder),
    )  # fmt: skip


def target(folder, n: int) -> TabularData:
    frame = pl.DataFrame({**keys(n), "y": np.zeros(n)})
    return TabularData(source=_file(frame, folder, FileType.CSV))


def test_an_image_missing_from_the_archive(client, platform, tmp_path):
    task_id = new_task(client, TaskType.REGRESSION, DataStructure.IMAGE)
    data = images(tmp_path, {"a.png": png(8), "b.png": png(8)}, ["a.png", "b.png",
                                                                   "c.png"])  # fmt: skip

    error = failure(client, platform, task_id, data, target(tmp_path, 3))

    assert error.startswith("inputs (images-")
    assert error.endswith(
        ".zip): column 'image': file 'c.png' of row 3 (sample id 's2') is not in "
        "the archive"
    )


def test_an_image_of_the_wrong_size(client, platform, tmp_path):
    task_id = new_task(client, TaskType.REGRESSION, DataStructure.IMAGE)
    data = images(tmp_path, {"a.png": png(8), "b.png": png(4)}, ["a.png", "b.png"])

    error = failure(client, platform, task_id, data, target(tmp_path, 2))

    assert error.endswith(
        "column 'image': image 'b.png' of row 2 (sample id 's1') is 4×4 pixels; "
        "the schema's dims say 8×8"
    )


def test_an_embedding_of_the_wrong_length(client, platform, tmp_path):
    task_id = new_task(client, TaskType.REGRESSION, DataStructure.EMBEDDING)
    vectors = [[0.0] * 8, [0.0] * 7]
    frame = pl.DataFrame({**keys(2), "embedding": vectors})
    data = EmbeddingData(source=_file(frame, tmp_path, FileType.PARQUET))

    error = failure(client, platform, task_id, data, target(tmp_path, 2))

    assert error.endswith(
        "column 'embedding': the array in row 2 (sample id 's1') has 7 values; "
        "the schema's dims are (8,)"
    )


def test_an_npy_whose_rows_do_not_match_the_texts(client, platform, tmp_path):
    task_id = new_task(client, TaskType.REGRESSION, DataStructure.TEXT)
    frame = pl.DataFrame({**keys(3), "text": ["a", "b c", "d"]})
    data = TextData(
        source=_file(frame, tmp_path, FileType.JSON),
        embedding_source=_npy(np.zeros((2, 8)), tmp_path),
    )

    error = failure(client, platform, task_id, data, target(tmp_path, 3))

    assert "has 2 rows; the batch has 3, and the rows must match in order" in error
    assert error.startswith("inputs (")


def test_a_multilabel_target_of_the_wrong_length(client, platform, tmp_path):
    task_id = new_task(
        client, TaskType.CLASSIFICATION_MULTILABEL, DataStructure.TABULAR
    )
    stream = Stream(
        TaskType.CLASSIFICATION_MULTILABEL, DataStructure.TABULAR, "s", 3,
        HISTORY_START, seed=1,
    )  # fmt: skip
    stream.target[1] = [1.0, 0.0]

    error = failure(
        client, platform, task_id, stream.inputs(tmp_path), stream.target_data(tmp_path)
    )

    assert error.endswith(
        "column 'y': the array in row 2 (sample id 's1') has 2 values; the "
        "schema's dims are (3,)"
    )
