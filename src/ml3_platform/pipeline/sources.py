"""From a ``DataInfo`` in a job's payload to a validated table.

A local source is an ``Upload`` row whose file is in the store; a remote
source (S3, GCS, Azure Blob) is read from the customer's store with the
project's credentials (`ml3_platform.pipeline.remote_sources`). Under the
``customer`` storage policy the part carries a pointer instead of being
stored.
"""

import posixpath
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Model, ModelVersion, Task, Upload
from ml3_platform.ingest.errors import IngestError
from ml3_platform.ingest.readers import read_table
from ml3_platform.ingest.schema import Category
from ml3_platform.ingest.validate import validate_table
from ml3_platform.jobs import JobFailed, JobContext
from ml3_platform.pipeline.remote_sources import (
    columns_json,
    file_name_of,
    read_remote,
    storage_policy,
)
from ml3_platform.storage import Store
from ml3_platform_sdk.enums import DataStructure, StoragePolicy
from ml3_platform_sdk.models import ColumnInfo, DataInfo, RemoteDataSourceInfo


@dataclass
class Part:
    """One validated file of a batch, its rows in file order."""

    category: Category
    table: pa.Table
    file_name: str
    model: Model | None = None
    model_version: ModelVersion | None = None
    # Under the customer storage policy: where the rows stay (``Batch.
    # remote_source``); None when the rows are stored by the platform.
    pointer: dict[str, Any] | None = None

    @property
    def model_version_id(self) -> str:
        return self.model_version.id if self.model_version else ""

    @property
    def label(self) -> str:
        """How messages name this file."""
        if self.category == Category.PREDICTION:
            name = f"{self.model.name}@{self.model_version.version}"
            return f"predictions of model '{name}' ({self.file_name})"
        noun = "inputs" if self.category == Category.INPUT else "target"
        return f"{noun} ({self.file_name})"


def load_part(
    ctx: JobContext,
    task: Task,
    data: DataInfo,
    category: Category,
    columns: list[ColumnInfo],
    model: Model | None = None,
    model_version: ModelVersion | None = None,
) -> Part:
    """Read and validate one file; raise `JobFailed` naming what is wrong."""
    noun = {"input": "inputs", "target": "target", "prediction": "predictions"}
    what = noun[category.value]
    if data.data_structure != DataStructure.TABULAR:
        raise JobFailed(
            f"{what}: {data.data_structure.value} data are not supported yet; "
            "send tabular files (CSV, JSON or Parquet)"
        )
    source = data.source
    if isinstance(source, RemoteDataSourceInfo):
        return _load_remote(ctx, task, source, what, category, columns, model,
                            model_version)  # fmt: skip

    upload = _upload(ctx.session, task, data, what)
    file_name = upload.params.get("file_name") or posixpath.basename(upload.storage_key)
    part = Part(category, pa.table({}), file_name, model, model_version)
    try:
        raw = _read(ctx.store, upload, file_name)
        part.table = validate_table(raw, columns)
    except IngestError as error:
        raise JobFailed(f"{part.label}: {error.message}") from None
    return part


def _load_remote(
    ctx: JobContext,
    task: Task,
    source: RemoteDataSourceInfo,
    what: str,
    category: Category,
    columns: list[ColumnInfo],
    model: Model | None,
    model_version: ModelVersion | None,
) -> Part:
    part = Part(category, pa.table({}), file_name_of(source), model, model_version)
    try:
        raw, pointer = read_remote(ctx.session, ctx.settings, task, source, what)
        part.table = validate_table(raw, columns)
    except IngestError as error:
        raise JobFailed(f"{part.label}: {error.message}") from None
    if storage_policy(ctx.session, task, source) == StoragePolicy.CUSTOMER:
        part.pointer = {**pointer, "columns": columns_json(columns)}
    return part


def _upload(session: Session, task: Task, data: DataInfo, what: str) -> Upload:
    source = data.source
    upload = session.get(Upload, source.storing_process_id)
    if upload is None or upload.task_id != task.id:
        raise JobFailed(
            f"{what}: storing process {source.storing_process_id} not found"
        )
    if upload.uploaded_at is None:
        raise JobFailed(
            f"{what}: the file of storing process {upload.id} was never uploaded"
        )
    return upload


def _read(store: Store, upload: Upload, file_name: str) -> pa.Table:
    file_type = upload.params.get("file_type")
    if file_type is None:
        raise IngestError(f"file '{file_name}' has no file type")
    path = store.local_path(upload.storage_key)
    if path is not None:
        return read_table(path, file_type, file_name)
    with store.open(upload.storage_key) as file:
        return read_table(file, file_type, file_name)
