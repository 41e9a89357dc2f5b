"""API keys: each user's own, and other users' for owners and admins.

A listing shows each key's public ``key_id``, never the secret (protocol
§2.12 allows it); the delete calls accept that id or the whole key.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.auth.keys import hash_key, issue_key
from ml3_platform.db.tables import ApiKey, User
from ml3_platform.services.common import iso
from ml3_platform.services.company_users import member, require_manageable
from ml3_platform.services.errors import DomainError
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import CreateApiKey, CreateUserApiKey


def list_keys(session: Session, user: User) -> list[models.ApiKey]:
    query = (
        select(ApiKey)
        .where(ApiKey.user_id == user.id)
        .order_by(ApiKey.created_at, ApiKey.id)
    )
    return [
        models.ApiKey(
            api_key=key.key_id,
            name=key.name,
            expiration_time=iso(key.expires_at) if key.expires_at else None,
        )
        for key in session.scalars(query)
    ]


def create_key(session: Session, user: User, body: CreateApiKey) -> str:
    raw_key = issue_key(session, user, body.name, body.expiration_time)
    session.commit()
    return raw_key


def delete_key(session: Session, user: User, api_key: str) -> None:
    """Delete by key id or whole key; the key stops working at once."""
    key = session.scalar(
        select(ApiKey).where(
            ApiKey.user_id == user.id,
            (ApiKey.key_id == api_key) | (ApiKey.key_hash == hash_key(api_key)),
        )
    )
    if key is None:
        # The key is not echoed: it may be a whole secret pasted by mistake.
        raise DomainError("API_KEY_NOT_FOUND", "no such API key for this user")
    session.delete(key)
    session.commit()


def list_user_keys(session: Session, caller: User, user_id: str) -> list[models.ApiKey]:
    return list_keys(session, _managed(session, caller, user_id))


def create_user_key(session: Session, caller: User, body: CreateUserApiKey) -> str:
    user = _managed(session, caller, body.user_id)
    return create_key(session, user, CreateApiKey(**body.model_dump(exclude={"user_id"})))


def delete_user_key(session: Session, caller: User, user_id: str, api_key: str) -> None:
    delete_key(session, _managed(session, caller, user_id), api_key)


def _managed(session: Session, caller: User, user_id: str) -> User:
    user = member(session, caller, user_id)
    require_manageable(caller, user)
    return user
