"""Whether an announced file has arrived, wherever it was uploaded to.

Files POSTed to our own upload route are marked received there. Files
uploaded straight to the object store (`ml3_platform.storage.direct`) pass
no API process, so the first check looks for the object in the store (one
HEAD request) and records it; the job that reads the file checks its bytes
against the announced SHA-256 (`verified_bytes`).
"""

import hashlib
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ml3_platform.db.tables import Upload
from ml3_platform.storage import Store

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
