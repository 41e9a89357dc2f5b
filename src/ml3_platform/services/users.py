"""Users made by the operator (``ml3 init``, ``ml3 user create``)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ml3_platform.auth import issue_key
from ml3_platform.db.tables import User
from ml3_platform.services.errors import DomainError


def create_user(session: Session, username: str) -> str:
    """Create a user with no company and return a new API key for it."""
    if session.scalar(select(User.id).where(User.username == username)):
        raise DomainError(
            "USER_ALREADY_EXISTS", f"a user named {username!r} already exists"
        )
    user = User(username=username)
    session.add(user)
    session.flush()
    api_key = issue_key(session, user, "default")
    session.commit()
    return api_key


def create_first_user(session: Session, username: str) -> str:
    """Like :func:`create_user`, but only on a platform with no user yet."""
    if session.scalar(select(func.count()).select_from(User)):
        raise DomainError(
            "ALREADY_INITIALISED",
            "the platform already has users; add more with `ml3 user create`",
        )
    return create_user(session, username)
