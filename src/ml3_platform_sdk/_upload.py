"""Turning user ``Data`` objects into ``DataInfo`` bodies (protocol §3).

A local file is announced with ``GET /data/presigned-url`` and then POSTed,
as multipart form data, to the URL the platform hands back; the body of the
final ``/data/...`` call refers to it by its storing-process id. A remote
source (S3, GCS, Azure Blob) needs no request: its description goes into the
body as it is.
"""

import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ml3_platform_sdk._progress import progress_enabled
from ml3_platform_sdk._transport import ApiConnection, parse
from ml3_platform_sdk.enums import (
    DataCategory,
    DataStructure,
    RawDataSourceType,
    StoringDataType,
)
from ml3_platform_sdk.exceptions import InvalidResponseException, SDKClientException
from ml3_platform_sdk.models import (
    AzureBlobDataSource,
    Data,
    DataSource,
    EmbeddingData,
    EmbeddingDataInfo,
    GCSDataSource,
    GetPresignedUrlResponse,
    ImageData,
    ImageDataInfo,
    LocalDataSource,
    LocalDataSourceInfo,
    RemoteDataSourceInfo,
    S3DataSource,
    TabularData,
    TabularDataInfo,
    TextData,
    TextDataInfo,
)

SourceInfo = LocalDataSourceInfo | RemoteDataSourceInfo
AnyDataInfo = TabularDataInfo | EmbeddingDataInfo | ImageDataInfo | TextDataInfo

# Files above this size get a progress bar.
PROGRESS_THRESHOLD = 4 * 1024 * 1024
CHUNK_SIZE = 256 * 1024

_REMOTE_TYPES = {
    S3DataSource: RawDataSourceType.AWS_S3,
    GCSDataSource: RawDataSourceType.GCS,
    AzureBlobDataSource: RawDataSourceType.ABS,
}


@dataclass(frozen=True)
class Categories:
    """The ``data_category`` of a Data's main, mapping and embedding files."""

    main: DataCategory | None
    mapping: DataCategory | None
    embedding: DataCategory | None


INPUT = Categories(
    DataCategory.INPUT,
    DataCategory.INPUT_MAPPING,
    DataCategory.INPUT_ADDITIONAL_EMBEDDING,
)
TARGET = Categories(
    DataCategory.TARGET,
    DataCategory.TARGET_MAPPING,
    DataCategory.TARGET_ADDITIONAL_EMBEDDING,
)
PREDICTION = Categories(
    DataCategory.PREDICTION,
    DataCategory.PREDICTION_MAPPING,
    DataCategory.PREDICTION_ADDITIONAL_EMBEDDING,
)
# KPI uploads send no data_category at all.
NO_CATEGORY = Categories(None, None, None)


@dataclass(frozen=True)
class UploadScope:
    """What a presigned-url request says about where a file belongs."""

    storing_data_type: StoringDataType
    categories: Categories = NO_CATEGORY
    project_id: str | None = None
    task_id: str | None = None
    model_id: str | None = None
    kpi_id: str | None = None

    def with_categories(
        self, categories: Categories, model_id: str | None = None
    ) -> "UploadScope":
        return replace(self, categories=categories, model_id=model_id)


class Uploader:
    def __init__(self, api: ApiConnection) -> None:
        self._api = api

    def data_info(self, data: Data, scope: UploadScope) -> AnyDataInfo:
        """Upload the files of ``data`` (main, mapping, embedding, in that
        order) and return how the ``/data/...`` body refers to them."""
        cats = scope.categories
        if isinstance(data, ImageData):
            return ImageDataInfo(
                data_structure=data.data_structure,
                source=self.source_info(
                    data.source, data.data_structure, scope, cats.main
                ),
                mapping_source=self.source_info(
                    data.mapping_source, DataStructure.TABULAR, scope, cats.mapping
                ),
                embedding_source=self._embedding(data.embedding_source, scope),
            )
        if isinstance(data, TextData):
            return TextDataInfo(
                data_structure=data.data_structure,
                source=self.source_info(
                    data.source, data.data_structure, scope, cats.main
                ),
                embedding_source=self._embedding(data.embedding_source, scope),
            )
        if isinstance(data, TabularData):
            info_class, structure = TabularDataInfo, DataStructure.TABULAR
        elif isinstance(data, EmbeddingData):
            info_class, structure = EmbeddingDataInfo, DataStructure.EMBEDDING
        else:
            raise ValueError(
                f"{type(data).__name__} is not a supported Data class; use "
                "TabularData, EmbeddingData, ImageData or TextData"
            )
        source = self.source_info(data.source, structure, scope, cats.main)
        return info_class(data_structure=data.data_structure, source=source)

    def _embedding(
        self, source: DataSource | None, scope: UploadScope
    ) -> SourceInfo | None:
        if source is None:
            return None
        category = scope.categories.embedding
        return self.source_info(source, DataStructure.EMBEDDING, scope, category)

    def source_info(
        self,
        source: DataSource,
        structure: DataStructure,
        scope: UploadScope,
        category: DataCategory | None,
    ) -> SourceInfo:
        if isinstance(source, LocalDataSource):
            return self._upload(source, structure, scope, category)
        for source_class, source_type in _REMOTE_TYPES.items():
            if isinstance(source, source_class):
                return RemoteDataSourceInfo(
                    file_type=source.file_type,
                    data_source_type=source_type,
                    remote_path=source.object_path,
                    is_folder=source.is_folder,
                    folder_type=source.folder_type,
                    credentials_id=source.credentials_id,
                    storage_policy=source.storage_policy,
                )
        raise ValueError(
            f"{type(source).__name__} is not a supported DataSource class; use "
            "LocalDataSource, S3DataSource, GCSDataSource or AzureBlobDataSource"
        )

    def _upload(
        self,
        source: LocalDataSource,
        structure: DataStructure,
        scope: UploadScope,
        category: DataCategory | None,
    ) -> LocalDataSourceInfo:
        path = Path(source.file_path)
        # Parameter order is the published client's (protocol §3.2).
        params = {
            "project_id": scope.project_id,
            "task_id": scope.task_id,
            "data_structure": structure,
            "storing_data_type": scope.storing_data_type,
            "file_name": path.name,
            "file_type": source.file_type,
            "is_folder": source.is_folder,
            "folder_type": source.folder_type,
            "file_checksum": sha256_of(path),
            "data_category": category,
            "model_id": scope.model_id,
            "kpi_id": scope.kpi_id,
        }
        response = self._api.call("GET", "/data/presigned-url", params=params)
        presigned = parse(response, GetPresignedUrlResponse)
        url, fields = _target(presigned)

        body = MultipartFile(fields, path)
        answer = self._api.upload(url, body, body.headers)
        if answer.status_code != 204:
            raise SDKClientException(
                "SKD_CLIENT_UPLOAD_DATA_ERROR",
                "Error uploading data remotely",
                status_code=answer.status_code,
            )
        return LocalDataSourceInfo(storing_process_id=presigned.storing_process_id)


def _target(presigned: GetPresignedUrlResponse) -> tuple[str, Mapping[str, Any]]:
    url = presigned.presigned_url.get("url")
    fields = presigned.presigned_url.get("fields")
    if not isinstance(url, str) or not isinstance(fields, dict):
        raise InvalidResponseException(
            "INVALID_RESPONSE",
            "The presigned URL answer lacks `url` or `fields`",
        )
    return url, fields


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(value: str) -> str:
    """A form-data parameter value, escaped as browsers do (HTML5)."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartFile:
    """A ``multipart/form-data`` body: the presigned fields, then one part
    named ``file`` with the file's bytes and no Content-Type (§3.3).

    The body is streamed from disk with a known length, since object stores
    refuse chunked uploads. It can be iterated again if a request is retried.
    """

    def __init__(self, fields: Mapping[str, Any], path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        boundary = os.urandom(16).hex()

        parts = []
        for name, value in _form_pairs(fields):
            parts.append(
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{_quote(name)}"\r\n\r\n{value}\r\n'
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{_quote(path.name)}"\r\n\r\n'
        )
        self._head = "".join(parts).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self.headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(self._head) + self.size + len(self._tail)),
        }

    def __iter__(self) -> Iterator[bytes]:
        show = self.size > PROGRESS_THRESHOLD and progress_enabled()
        with (
            self.path.open("rb") as file,
            tqdm(
                total=self.size,
                desc=f"Uploading {self.path.name}",
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                disable=not show,
                leave=False,
            ) as bar,
        ):
            yield self._head
            while chunk := file.read(CHUNK_SIZE):
                bar.update(len(chunk))
                yield chunk
            yield self._tail


def _form_pairs(fields: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Form fields in dict order: lists repeat the field, ``None`` is left
    out and any other value is sent as its ``str``."""
    for name, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is not None:
                yield str(name), str(item)
