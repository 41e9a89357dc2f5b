"""API keys: random secrets, stored only as their SHA-256.

A key reads ``<key_id>.<secret>``. Both parts use the URL-safe alphabet
``[A-Za-z0-9_-]`` and the dot never occurs inside them, so a key can go
into a URL path unescaped (protocol §1.4). ``key_id`` is the public part,
kept in clear to name the key in listings.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import ApiKey, User
from ml3_platform.services.common import as_utc
from ml3_platform.services.errors import AuthError
from ml3_platform_sdk.enums import ApiKeyExpirationTime

LIFETIMES = {
    ApiKeyExpirationTime.ONE_MONTH: timedelta(days=30),
    ApiKeyExpirationTime.THREE_MONTHS: timedelta(days=91),
    ApiKeyExpirationTime.SIX_MONTHS: timedelta(days=182),
    ApiKeyExpirationTime.ONE_YEAR: timedelta(days=365),
    ApiKeyExpirationTime.NEVER: None,
}


def hash_key(raw_key: str) -> str:
    # The secret has 256 random bits, so a fast unsalted hash is enough: there
    # is nothing to brute-force that a slow hash would protect.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def issue_key(
    session: Session,
    user: User,
    name: str,
    expiration: ApiKeyExpirationTime = ApiKeyExpirationTime.NEVER,
) -> str:
    """Store a new key for ``user`` and return it; it is never shown again."""
    key_id = secrets.token_urlsafe(9)
    raw_key = f"{key_id}.{secrets.token_urlsafe(32)}"
    lifetime = LIFETIMES[expiration]
    session.add(
        ApiKey(
            user_id=user.id,
            name=name,
            key_id=key_id,
            key_hash=hash_key(raw_key),
            expires_at=None if lifetime is None else datetime.now(UTC) + lifetime,
            expiration_time=expiration.value,
        )
    )
    return raw_key


def authenticate(session: Session, raw_key: str | None) -> User:
    """The user a key belongs to; ``AuthError`` when it is missing or expired."""
    if not raw_key:
        raise AuthError("API_KEY_INVALID", "the X-Api-Key header is missing")

    row = session.execute(
        select(ApiKey, User)
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.key_hash == hash_key(raw_key))
    ).one_or_none()
    if row is None:
        raise AuthError("API_KEY_INVALID", "the API key is not valid")

    key, user = row
    if key.expires_at is not None and as_utc(key.expires_at) <= datetime.now(UTC):
        raise AuthError("API_KEY_EXPIRED", "the API key has expired")
    return user

