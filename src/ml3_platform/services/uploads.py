"""Presigned uploads (protocol §3.2–3.3).

``GET /data/presigned-url`` announces a file and its SHA-256 and answers with
a URL that holds an unguessable, expiring token; the POST to that URL needs no
API key. The file is streamed into the store and kept only if its bytes match
the announced checksum.
"""

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Upload, User, new_id
from ml3_platform.services.access import Need, model_for, task_for
from ml3_platform.services.common import as_utc
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform.services.kpis import kpi_upload_scope
from ml3_platform.services.received import DIRECT, DIRECT_STORE
from ml3_platform.settings import Settings
from ml3_platform.storage import Store
from ml3_platform.storage.direct import presigned_post
from ml3_platform_sdk import models
from ml3_platform_sdk.enums import (
    DataCategory,
    DataStructure,
    FileType,
    FolderType,
    StoringDataType,
)

CHUNK = 1 << 20
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")
PREDICTION_CATEGORIES = {
    DataCategory.PREDICTION,
    DataCategory.PREDICTION_MAPPING,
    DataCategory.PREDICTION_ADDITIONAL_EMBEDDING,
}

# What the pipeline needs to read the file, kept with the upload.
PARAMS = (
    "data_structure",
    "storing_data_type",
    "file_name",
    "file_type",
    "is_folder",
    "folder_type",
    "data_category",
)


class PresignedUrlRequest(BaseModel):
    """The query of ``GET /data/presigned-url``."""

    project_id: str | None = None
    task_id: str | None = None
    data_structure: DataStructure
    storing_data_type: StoringDataType
    file_name: str
    file_type: FileType
    is_folder: bool
    folder_type: FolderType | None = None
    file_checksum: str
    data_category: DataCategory | None = None
    model_id: str | None = None
    kpi_id: str | None = None


def create_upload(
    session: Session, user: User, settings: Settings, query: PresignedUrlRequest
) -> models.GetPresignedUrlResponse:
    if query.storing_data_type == StoringDataType.KPI:
        kpi = kpi_upload_scope(session, user, query.project_id, query.kpi_id)
        project_id = kpi.project_id
        return _announce(session, user, settings, query, project_id, kpi_id=kpi.id)
    if query.task_id is None or query.data_category is None:
        raise DomainError(
            "INVALID_REQUEST", "an upload needs a task_id and a data_category"
        )
    task = task_for(session, user, query.task_id, Need.EDIT)
    model_id = None
    if query.data_category in PREDICTION_CATEGORIES:
        if query.model_id is None:
            raise DomainError("INVALID_REQUEST", "a prediction upload needs a model_id")
        model = model_for(session, user, query.model_id)
        if model.task_id != task.id:
            raise not_found("model", model.id)
        model_id = model.id
    return _announce(session, user, settings, query, task.project_id, task.id, model_id)


def _announce(
    session: Session,
    user: User,
    settings: Settings,
    query: PresignedUrlRequest,
    project_id: str,
    task_id: str | None = None,
    model_id: str | None = None,
    kpi_id: str | None = None,
) -> models.GetPresignedUrlResponse:
    """Record the announced file and answer with the URL to upload it to."""
    checksum = query.file_checksum.lower()
    if not SHA256_HEX.fullmatch(checksum):
        raise DomainError(
            "INVALID_CHECKSUM", "file_checksum must be a SHA-256 in hexadecimal"
        )

    upload_id = new_id()
    ttl = timedelta(seconds=settings.upload_url_ttl_seconds)
    upload = Upload(
        id=upload_id,
        token=secrets.token_urlsafe(32),
        user_id=user.id,
        project_id=project_id,
        task_id=task_id,
        model_id=model_id,
        kpi_id=kpi_id,
        params=query.model_dump(mode="json", include=set(PARAMS)),
        checksum=checksum,
        storage_key=f"uploads/{upload_id}/{_safe_name(query.file_name)}",
        expires_at=datetime.now(UTC) + ttl,
    )
    target = {
        "url": f"{settings.public_url.rstrip('/')}/upload/{upload.token}",
        "fields": {},
    }
    store = session.info.get(DIRECT_STORE)
    if store is not None:
        # Scale-out: the client POSTs to the bucket itself (storage.direct).
        upload.params = {**upload.params, DIRECT: True}
        target = presigned_post(
            settings, store, upload.storage_key, checksum, int(ttl.total_seconds())
        )
    session.add(upload)
    session.commit()
    return models.GetPresignedUrlResponse(
        storing_process_id=upload.id,
        presigned_url=target,
        expiration_time=upload.expires_at.isoformat(),
    )


def receive_upload(session: Session, store: Store, token: str, file: BinaryIO) -> None:
    upload = session.scalar(select(Upload).where(Upload.token == token))
    if upload is None:
        raise DomainError("UPLOAD_URL_INVALID", "this upload URL is not valid")
    if as_utc(upload.expires_at) <= datetime.now(UTC):
        raise DomainError("UPLOAD_URL_EXPIRED", "this upload URL has expired")

    digest = hashlib.sha256()
    size = 0
    # Raising inside ``open`` discards the partial file.
    with store.open(upload.storage_key, "wb") as target:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
            size += len(chunk)
        if digest.hexdigest() != upload.checksum:
            raise DomainError(
                "UPLOAD_CHECKSUM_MISMATCH",
                "the file's SHA-256 differs from the announced file_checksum",
            )

    upload.size_bytes = size
    upload.uploaded_at = datetime.now(UTC)
    session.commit()


def _safe_name(file_name: str) -> str:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return UNSAFE_NAME_CHARS.sub("_", base).lstrip(".") or "file"
