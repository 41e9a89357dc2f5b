"""Passwords of company users, kept for the web sign-in to come.

Hashed with scrypt (Percival, "Stronger key derivation via sequential
memory-hard functions", 2009; RFC 7914) from the standard library, so no
extra dependency. The stored text names its parameters and salt:
``scrypt$<log2 n>$<r>$<p>$<salt hex>$<hash hex>``, so they can be raised
later without invalidating older hashes.
"""

import hashlib
import hmac
import secrets

# n = 2**14, r = 8, p = 1: RFC 7914 §2's interactive-login setting, 16 MiB.
LOG2_N, R, P = 14, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, LOG2_N, R, P)
    return f"scrypt${LOG2_N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    found = _scrypt(password, bytes.fromhex(salt), int(log2_n), int(r), int(p))
    return hmac.compare_digest(found, bytes.fromhex(digest))


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 1 << log2_n
    return hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=2 * 128 * r * n,
        dklen=HASH_BYTES,
    )
