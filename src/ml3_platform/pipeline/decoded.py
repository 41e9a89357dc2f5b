"""Monitors decoded once per process, not once per batch.

Every job reads its task's monitor states from the database, updates them
and writes them back, and the next job of the task reads the very bytes
the last one wrote. Decoding them again (an archive per monitor, nested in
another for planned monitors) costs more than running the monitors on a
batch. So the monitors this process wrote last are kept by a digest of
their bytes, and a job that reads those bytes takes the object instead.

Safe by construction: an entry is keyed by the bytes it was written as and
is taken out when it is read, so whoever reads it owns it. A job that
changes a monitor and then fails leaves bytes in the database whose entry
is gone; they are decoded again. Other processes simply decode.
"""

import hashlib
import threading
from collections import OrderedDict

# Entries kept: the monitors of a few busy tasks (about 20 per wide task).
CAPACITY = 256

_entries: OrderedDict[bytes, object] = OrderedDict()
_lock = threading.Lock()


def load(kind, blob: bytes):
    """The monitor of type ``kind`` stored as ``blob``."""
    with _lock:
        monitor = _entries.pop(_digest(blob), None)
    if type(monitor) is kind:
        return monitor
    return kind.from_bytes(blob)


def dump(monitor) -> bytes:
    """``monitor.to_bytes()``, remembering the monitor under those bytes.

    The monitor must not change after this: it is what the bytes say.
    """
    blob = monitor.to_bytes()
    with _lock:
        _entries[_digest(blob)] = monitor
        while len(_entries) > CAPACITY:
            _entries.popitem(last=False)
    return blob


def _digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=16).digest()
