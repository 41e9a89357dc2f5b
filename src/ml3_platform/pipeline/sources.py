"""From a ``DataInfo`` in a job's payload to a validated table.

A local source is an ``Upload`` row whose file is in the store; remote
sources (S3, GCS, Azure Blob) are refused until the integrations can read
them.
"""

import io
import posixpath
from dataclasses import dataclass

import pyarrow as pa
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Model, ModelVersion, Task, Upload
from ml3_platform.ingest.errors import IngestError
from ml3_platform.ingest.readers import read_table
from ml3_platform.ingest.schema import Category
from ml3_platform.ingest.validate import validate_table
from ml3_platform.jobs import JobFailed
from ml3_platform.services.received import ChecksumMismatch, verified_bytes
from ml3_platform.storage import Store
from ml3_platform_sdk.enums import DataStructure
from ml3_platform_sdk.models import ColumnInfo, DataInfo, RemoteDataSourceInfo


@dataclass
class Part:
    """One validated file of a batch, its rows in file order."""

    category: Category
    table: pa.Table
    file_name: str
    model: Model | None = None
    model_version: ModelVersion | None = None

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
    session: Session,
    store: Store,
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
    upload = _upload(session, task, data, what)
    file_name = upload.params.get("file_name") or posixpath.basename(upload.storage_key)
    part = Part(category, pa.table({}), file_name, model, model_version)
    try:
        raw = _read(store, upload, file_name)
        part.table = validate_table(raw, columns)
    except IngestError as error:
        raise JobFailed(f"{part.label}: {error.message}") from None
    return part


def _upload(session: Session, task: Task, data: DataInfo, what: str) -> Upload:
    source = data.source
    if isinstance(source, RemoteDataSourceInfo):
        raise JobFailed(
            f"{what}: reading from {source.data_source_type.value} "
            f"({source.remote_path}) is not supported yet; upload the file instead"
        )
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
    try:
        checked = verified_bytes(store, upload)
    except ChecksumMismatch as mismatch:
        raise JobFailed(str(mismatch)) from None
    if checked is not None:
        return read_table(io.BytesIO(checked), file_type, file_name)
    path = store.local_path(upload.storage_key)
    if path is not None:
        return read_table(path, file_type, file_name)
    with store.open(upload.storage_key) as file:
        return read_table(file, file_type, file_name)
