"""From a ``DataInfo`` in a job's payload to a validated table.

A local source is an ``Upload`` row whose file is in the store; a remote
source (S3, GCS, Azure Blob) of tabular data is read from the customer's
store with the project's credentials (`ml3_platform.pipeline.remote_sources`);
under the ``customer`` storage policy the part carries a pointer instead of
being stored. Embedding, text and image inputs may come in several files (a
mapping, an embedding source); they are joined into one table here, so the
rest of the pipeline sees one table per category. Images are kept as their
file name and their statistics (`ml3_platform.ingest.structures`).
"""

import io
import posixpath
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Model, ModelVersion, Task, Upload
from ml3_platform.ingest.errors import IngestError
from ml3_platform.ingest.readers import read_table
from ml3_platform.ingest.schema import Category
from ml3_platform.ingest.structures import (
    MAPPING_FILE_COLUMN,
    embedding_array,
    image_statistics,
    read_npy,
    statistic_column,
)
from ml3_platform.ingest.validate import validate_table
from ml3_platform.jobs import JobFailed, JobContext
from ml3_platform.pipeline.remote_sources import (
    columns_json,
    file_name_of,
    read_remote,
    storage_policy,
)
from ml3_platform.services.received import ChecksumMismatch, verified_bytes
from ml3_platform.storage import Store
from ml3_platform_sdk.enums import (
    ColumnRole,
    DataStructure,
    DataType,
    FileType,
    StoragePolicy,
)
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
    """Read and validate one file; raise `JobFailed` naming what is wrong.

    Inputs are read as their data structure says (`ml3_platform.ingest.
    structures`); targets and predictions are tables whatever the task's
    structure, since they are labels, not images or texts.
    """
    noun = {"input": "inputs", "target": "target", "prediction": "predictions"}
    what = noun[category.value]
    upload_only = category == Category.INPUT and (
        data.data_structure != DataStructure.TABULAR
    )
    source = data.source
    if isinstance(source, RemoteDataSourceInfo):
        if upload_only:
            raise JobFailed(
                f"{what}: {data.data_structure.value} data are read from uploads "
                f"only; upload {source.remote_path} instead"
            )
        return _load_remote(ctx, task, source, what, category, columns, model,
                            model_version)  # fmt: skip

    upload = _upload(ctx.session, task, source, what)
    file_name = _file_name(upload)
    part = Part(category, pa.table({}), file_name, model, model_version)
    try:
        if not upload_only:
            part.table = validate_table(_read(ctx.store, upload, file_name), columns)
        else:
            read = Reader(ctx.session, ctx.store, task, what)
            part.table = read.structured(data, columns, upload, file_name)
    except IngestError as error:
        raise JobFailed(f"{part.label}: {error.message}") from None
    return part


@dataclass
class Reader:
    """Reads the inputs of embedding, text and image batches."""

    session: Session
    store: Store
    task: Task
    what: str

    def structured(
        self, data: DataInfo, columns: list[ColumnInfo], upload: Upload, name: str
    ) -> pa.Table:
        structure = DataStructure(data.data_structure)
        if structure.value != self.task.data_structure:
            raise IngestError(
                f"{structure.value} data sent to a {self.task.data_structure} task"
            )
        images = [c for c in columns if c.data_type == DataType.ARRAY_3]
        embedding = getattr(data, "embedding_source", None)
        vectors = _embedding_column(columns) if embedding is not None else None
        if embedding is not None and vectors is None:
            raise IngestError(
                "embeddings were sent, but the schema has no array_1 input "
                "column to hold them"
            )
        plain = [c for c in columns if c not in images and c is not vectors]

        if structure == DataStructure.IMAGE:
            table = self._images(data, plain, images, upload)
        elif upload.params.get("file_type") == FileType.NPY.value:
            raise IngestError(
                "an .npy file carries no sample ids or times; send a Parquet or "
                "JSON file with them, or the .npy as an embedding_source"
            )
        else:
            table = validate_table(_read(self.store, upload, name), plain)
        if vectors is not None:
            table = self._embeddings(table, embedding, vectors, columns)
        return table

    def _images(self, data, plain, images, upload) -> pa.Table:
        """The mapping's rows with each image's statistics."""
        mapping = _upload(self.session, self.task, data.mapping_source, self.what)
        mapping_name = _file_name(mapping)
        (image,) = images
        wanted = [
            *plain,
            ColumnInfo(
                name=MAPPING_FILE_COLUMN, role=ColumnRole.INPUT, is_nullable=False,
                data_type=DataType.STRING,
            ),
        ]  # fmt: skip
        try:
            table = validate_table(_read(self.store, mapping, mapping_name), wanted)
        except IngestError as error:
            raise IngestError(f"mapping ({mapping_name}): {error.message}") from None
        names = table.column(MAPPING_FILE_COLUMN).to_pylist()
        ids = table.column(0).to_pylist()
        where = [f"row {row + 1} (sample id '{i}')" for row, i in enumerate(ids)]
        with self.store.open(upload.storage_key) as archive:
            stats = image_statistics(
                archive, upload.params.get("folder_type"), names, image.dims,
                where, image.name,
            )  # fmt: skip
        table = table.drop_columns([MAPPING_FILE_COLUMN])
        table = table.append_column(image.name, pa.array(names, pa.large_string()))
        for statistic, values in stats.items():
            table = table.append_column(
                statistic_column(image.name, statistic), pa.array(values)
            )
        return table

    def _embeddings(self, table, source, column, columns) -> pa.Table:
        """``table`` with its embedding column from a separate file."""
        upload = _upload(self.session, self.task, source, self.what)
        name = _file_name(upload)
        try:
            if upload.params.get("file_type") == FileType.NPY.value:
                with self.store.open(upload.storage_key) as file:
                    vectors = read_npy(file, name)
                if len(vectors) != table.num_rows:
                    raise IngestError(
                        f"file '{name}' has {len(vectors)} rows; the batch has "
                        f"{table.num_rows}, and the rows must match in order"
                    )
                found = pa.table(
                    {column.name: embedding_array(vectors)}
                )
                found = validate_table(
                    found.add_column(0, table.column_names[0], table.column(0)),
                    [columns[0], column],
                )
            else:
                raw = _read(self.store, upload, name)
                found = validate_table(raw, [columns[0], column])
                found = _in_order_of(found, table, name)
        except IngestError as error:
            raise IngestError(f"embeddings ({name}): {error.message}") from None
        return table.append_column(column.name, found.column(column.name))


def _embedding_column(columns: list[ColumnInfo]) -> ColumnInfo | None:
    found = [c for c in columns if c.data_type == DataType.ARRAY_1]
    return found[0] if found else None


def _in_order_of(found: pa.Table, table: pa.Table, name: str) -> pa.Table:
    """Rows of ``found`` matched by sample id to the rows of ``table``."""
    ids = table.column(0).combine_chunks()
    positions = pc.index_in(ids, value_set=found.column(0).combine_chunks())
    missing = positions.is_null().to_numpy(zero_copy_only=False)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise IngestError(
            f"file '{name}' has no embedding for sample id '{ids[row].as_py()}' "
            f"(row {row + 1} of the batch)"
        )
    if found.num_rows != table.num_rows:
        raise IngestError(
            f"file '{name}' has {found.num_rows} rows; the batch has "
            f"{table.num_rows}"
        )
    return found.take(positions)


def _file_name(upload: Upload) -> str:
    return upload.params.get("file_name") or posixpath.basename(upload.storage_key)


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
        raw, pointer = read_remote(
            ctx.session, ctx.settings, task.project_id, source, what
        )
        part.table = validate_table(raw, columns)
    except IngestError as error:
        raise JobFailed(f"{part.label}: {error.message}") from None
    policy = storage_policy(ctx.session, task.project_id, source)
    if policy == StoragePolicy.CUSTOMER:
        part.pointer = {**pointer, "columns": columns_json(columns)}
    return part


def _upload(session: Session, task: Task, source, what: str) -> Upload:
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
