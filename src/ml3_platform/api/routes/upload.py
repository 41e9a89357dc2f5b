"""The target of presigned upload URLs: outside ``/sdk/v1``, no API key.

The unguessable, expiring token in the path is the authorisation.
"""

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from ml3_platform.api.deps import SessionDep, StoreDep
from ml3_platform.services import uploads

router = APIRouter(tags=["uploads"])


@router.post("/upload/{token}", status_code=204)
def receive_upload(
    session: SessionDep,
    store: StoreDep,
    token: str,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Receive an announced file; 204 once it is stored and its checksum holds."""
    uploads.receive_upload(session, store, token, file.file)
    return Response(status_code=204)
