"""Remote sources in the pipeline: the storage policy, pointers, re-reads.

Under the ``mlcube`` policy a remote object is read once and stored like an
uploaded file. Under ``customer`` the platform keeps only a pointer (the
``Batch.remote_source`` JSON): the URL, the credentials, the columns it was
validated against, and the SHA-256, size, ETag and modification time of the
bytes it read. Every later read (sample-id checks, references, monitoring
of late targets) fetches the object again and compares the SHA-256, so an
object changed or replaced since is reported, never silently read
differently; a deleted one fails the read with its URL.
"""

import io
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Batch, Project, Task
from ml3_platform.ingest.errors import IngestError
from ml3_platform.ingest.ids import hash_ids
from ml3_platform.ingest.readers import read_table
from ml3_platform.ingest.remote import RemoteSourceError, parse_location
from ml3_platform.ingest.schema import parse_columns, time_column
from ml3_platform.ingest.validate import validate_table
from ml3_platform.jobs import JobFailed
from ml3_platform.pipeline.cloud_access import read_object
from ml3_platform.pipeline.samples import ids_key
from ml3_platform.settings import Settings
from ml3_platform.storage import Store
from ml3_platform_sdk.enums import RawDataSourceType, StoragePolicy
from ml3_platform_sdk.models import ColumnInfo, RemoteDataSourceInfo


def storage_policy(
    session: Session, project_id: str, source: RemoteDataSourceInfo
) -> StoragePolicy:
    """The source's own policy, else its project's default."""
    if source.storage_policy is not None:
        return source.storage_policy
    project = session.get(Project, project_id)
    return StoragePolicy(project.default_storage_policy)


def read_remote(
    session: Session,
    settings: Settings,
    project_id: str,
    source: RemoteDataSourceInfo,
    what: str,
) -> tuple[pa.Table, dict[str, Any]]:
    """The object's rows as read with the project's credentials, and the
    pointer that finds them again.

    Raises `JobFailed` that starts with ``what`` and says why the object
    could not be read, and `IngestError` if its bytes are not a table of
    ``source.file_type``.
    """
    if source.is_folder:
        raise JobFailed(
            f"{what}: {source.remote_path} is a folder; remote sources are "
            "single tabular files (CSV, JSON or Parquet)"
        )
    try:
        location = parse_location(source.data_source_type, source.remote_path)
        data, fingerprint = read_object(
            session, settings, project_id, location, source.credentials_id
        )
    except RemoteSourceError as error:
        raise JobFailed(f"{what}: {error.message}") from None
    pointer = {
        "data_source_type": source.data_source_type.value,
        "remote_path": source.remote_path,
        "file_type": source.file_type.value,
        "credentials_id": source.credentials_id,
        "sha256": fingerprint.sha256,
        "size": fingerprint.size,
        "etag": fingerprint.etag,
        "modified": fingerprint.modified,
        "read_at": datetime.now(UTC).isoformat(),
    }
    return _table(data, source.file_type.value, source.remote_path), pointer


def file_name_of(source: RemoteDataSourceInfo) -> str:
    return source.remote_path.rstrip("/").rsplit("/", 1)[-1]


def _table(data: bytes, file_type: str, url: str) -> pa.Table:
    """Parsed as an upload would be; `IngestError` names the file."""
    return read_table(io.BytesIO(data), file_type, url.rsplit("/", 1)[-1])


class BatchReader:
    """Reads a task's stored batches, wherever the storage policy put them.

    Batches in the platform's store are read from there; pointers are
    re-read from the customer's store, checked against their SHA-256,
    validated and sorted as at ingestion, and kept for the reader's life
    (one job), so a job fetches each remote object at most once.
    """

    def __init__(self, session: Session, store: Store, settings: Settings | None):
        self._session = session
        self._store = store
        self._settings = settings
        self._remote: dict[str, pa.Table] = {}

    def read(self, batch: Batch, columns: list[str] | None = None) -> pa.Table:
        if not batch.remote_source:
            return self._store.read_table(batch.storage_key, columns=columns)
        table = self._remote.get(batch.id)
        if table is None:
            table = self._remote[batch.id] = self._reread(batch)
        return table.select(columns) if columns else table

    def id_hashes(self, batch: Batch, id_column: str) -> np.ndarray:
        if not batch.remote_source:
            table = self._store.read_table(ids_key(batch.storage_key))
            return table.column("hash").to_numpy()
        return hash_ids(self.read(batch, [id_column]).column(id_column))

    def _reread(self, batch: Batch) -> pa.Table:
        pointer = batch.remote_source
        url = pointer["remote_path"]
        if self._settings is None:
            raise RuntimeError("reading a remote batch needs the platform's settings")
        task = self._session.get(Task, batch.task_id)
        provider = RawDataSourceType(pointer["data_source_type"])
        what = f"stored {batch.kind} {batch.category} ({url})"
        try:
            location = parse_location(provider, url)
            data, fingerprint = read_object(
                self._session, self._settings, task.project_id, location,
                pointer.get("credentials_id"),
            )  # fmt: skip
        except RemoteSourceError as error:
            raise JobFailed(f"{what}: {error.message}") from None
        if fingerprint.sha256 != pointer["sha256"]:
            raise JobFailed(_changed(what, pointer, fingerprint))

        columns = parse_columns(pointer["columns"])
        try:
            table = validate_table(_table(data, pointer["file_type"], url), columns)
        except IngestError as error:  # the same bytes validated before
            raise JobFailed(f"{what}: {error.message}") from None
        return table.sort_by([(time_column(columns).name, "ascending")])


def _changed(what: str, pointer: dict[str, Any], now) -> str:
    return (
        f"{what}: the object changed after it was added on {pointer['read_at']} "
        f"(then {pointer['size']} bytes, SHA-256 {pointer['sha256'][:12]}…, "
        f"modified {pointer.get('modified')}; now {now.size} bytes, SHA-256 "
        f"{now.sha256[:12]}…, modified {now.modified}). Under the customer "
        "storage policy the platform reads the object in place each time, so "
        "it must not change; add changed data as a new object"
    )


def columns_json(columns: list[ColumnInfo]) -> list[dict[str, Any]]:
    return [column.model_dump(mode="json") for column in columns]
