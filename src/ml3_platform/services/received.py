"""Whether an announced file has arrived, and which data call used it.

Files POSTed to our own upload route are marked received there. Files
uploaded straight to the object store (`ml3_platform.storage.direct`) pass
no API process, so the first check looks for the object in the store (one
HEAD request) and records it; the job that reads the file checks its bytes
against the announced SHA-256 (`verified_bytes`). A data call then claims
its files for its job (`claim`): each file serves one call.
"""

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Job, Upload
from ml3_platform.services.errors import DomainError
from ml3_platform.storage import Store
from ml3_platform_sdk.enums import JobStatus

# The key, in ``Session.info``, of the store that clients upload to directly.
DIRECT_STORE = "ml3.direct_store"
# Marks, in ``Upload.params``, a file uploaded straight to the store.
DIRECT = "direct"


class ChecksumMismatch(Exception):
    """The stored bytes differ from the announced SHA-256."""


def ensure_received(session: Session, upload: Upload) -> bool:
    """True when the upload's file is stored; records a direct upload's size."""
    if upload.uploaded_at is not None:
        return True
    store: Store | None = session.info.get(DIRECT_STORE)
    if store is None or not upload.params.get(DIRECT):
        return False
    try:
        info = store.fs.info(store.path(upload.storage_key))
    except FileNotFoundError:
        return False
    upload.size_bytes = int(info.get("size") or 0)
    upload.uploaded_at = datetime.now(UTC)
    return True


def verified_bytes(store: Store, upload: Upload) -> bytes | None:
    """A direct upload's bytes once they match its checksum; None otherwise.

    Our own upload route checks the bytes as they arrive, so only direct
    uploads need it here. The file is read once, into memory, for both the
    check and the reader that follows.
    """
    if not upload.params.get(DIRECT):
        return None
    data = store.get_bytes(upload.storage_key)
    if hashlib.sha256(data).hexdigest() != upload.checksum:
        raise ChecksumMismatch(
            f"the stored file of storing process {upload.id} differs from "
            "the announced file_checksum"
        )
    return data


def claim(session: Session, upload_ids: Sequence[str], job: Job) -> None:
    """Mark the files as used by ``job``; refuse a file another call used.

    A second call with the same file would store its rows twice, or fail
    on sample ids that the first call stored, so it is refused before it
    queues a job. A failed job, though, stored nothing (its work commits
    with it or not at all): its files may be given again, as when a call
    with predictions failed because their inputs had not arrived yet.
    """
    repeated = [i for i, count in Counter(upload_ids).items() if count > 1]
    if repeated:
        raise DomainError(
            "UPLOAD_ALREADY_USED",
            f"storing process {repeated[0]} is given twice in one call; "
            "each file serves one source",
        )
    for upload_id in upload_ids:
        seen = session.scalar(select(Upload.job_id).where(Upload.id == upload_id))
        _check_free(session, upload_id, seen)
        # Only if no other call took the file since: the condition is on the
        # row alone, so PostgreSQL checks it again after a rival commits.
        marked = session.execute(
            update(Upload)
            .where(Upload.id == upload_id, Upload.job_id.is_not_distinct_from(seen))
            .values(job_id=job.id)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:
            raise DomainError(
                "UPLOAD_ALREADY_USED",
                f"storing process {upload_id} was just taken by another call; "
                "upload the file again for this one",
            )


def _check_free(session: Session, upload_id: str, job_id: str | None) -> None:
    """Refuse a file that a job uses or used, unless that job failed."""
    holder = None if job_id is None else session.scalar(
        select(Job).where(Job.id == job_id)
    )
    if holder is not None and holder.status != JobStatus.ERROR.value:
        raise DomainError(
            "UPLOAD_ALREADY_USED",
            f"storing process {upload_id} was already used by job {holder.id} "
            f"({holder.status}); upload the file again for another call",
        )
