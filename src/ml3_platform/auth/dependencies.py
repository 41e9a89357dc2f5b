"""The FastAPI dependency that turns ``X-Api-Key`` into the current user."""

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from ml3_platform.auth.keys import authenticate
from ml3_platform.db.session import request_session
from ml3_platform.db.tables import User

# ``auto_error=False``: a missing key must answer with our 401 body, not
# FastAPI's default one.
api_key_header = APIKeyHeader(name="X-Api-Key", auto_error=False)


def current_user(
    session: Annotated[Session, Depends(request_session)],
    api_key: Annotated[str | None, Security(api_key_header)],
) -> User:
    return authenticate(session, api_key)
