"""Secrets at rest: Fernet tokens under a key derived from the settings.

Fernet (AES-128-CBC with an HMAC-SHA256, from the ``cryptography`` package)
authenticates what it encrypts, so a tampered or foreign token fails to open
rather than giving garbage. Its key is derived with HKDF-SHA256 (RFC 5869)
from ``ML3_SECRET_KEY``, so any text of enough entropy serves as the setting.
When the setting is empty, a random key is generated once into
``ML3_HOME/secret.key`` and used from then on; every process of one platform
must then share that home, or be given the same ``ML3_SECRET_KEY``.
"""

import base64
import json
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ml3_platform.settings import Settings

logger = logging.getLogger(__name__)

KEY_FILE = "secret.key"
# Binds derived keys to this use, so the same setting could key other uses.
_INFO = b"ml3-platform integration credentials v1"


class SecretUnreadable(Exception):
    """A sealed secret did not open: the secret key changed or it was altered."""


def seal(settings: Settings, value: dict[str, Any]) -> bytes:
    """``value`` as JSON, encrypted and authenticated."""
    return _fernet(_key_material(settings)).encrypt(json.dumps(value).encode())


def unseal(settings: Settings, token: bytes) -> dict[str, Any]:
    try:
        plain = _fernet(_key_material(settings)).decrypt(token)
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted; was ML3_SECRET_KEY changed?"
        ) from None
    return json.loads(plain)


@lru_cache(maxsize=8)
def _fernet(material: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO
    ).derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _key_material(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    return _home_key(Path(settings.home))


@lru_cache(maxsize=8)
def _home_key(home: Path) -> str:
    path = home / KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass

    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    # Written aside, then linked into place: of two processes starting
    # together one key wins, and no reader ever sees a half-written file.
    draft = home / f".{KEY_FILE}.{secrets.token_hex(4)}"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    try:
        os.link(draft, path)
    except FileExistsError:
        return path.read_text().strip()
    finally:
        draft.unlink()
    logger.warning(
        "ML3_SECRET_KEY is not set: generated %s to encrypt integration secrets; "
        "keep it, or set ML3_SECRET_KEY, or stored credentials become unreadable",
        path,
    )
    return key
