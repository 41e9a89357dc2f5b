"""Stable 64-bit hashes of sample ids, for "is this id new to the task?".

The checks look the hashes up in the database (``sample_hashes``, through
`ml3_platform.pipeline.samples`); each stored batch also has a sidecar file
with the hashes of its ids, which is how batches stored before the table
existed are checked. The hash must never change between releases, since the
rows and the sidecars outlive the process: it is FNV-1a over the UTF-8 bytes
followed by the SplitMix64 finaliser, computed in one compiled pass over the
Arrow buffers.
"""

import numba
import numpy as np
import pyarrow as pa

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(cache=True, nogil=True)
def _hash_buffers(offsets: np.ndarray, data: np.ndarray) -> np.ndarray:
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.uint64)
    for row in range(n):
        value = _FNV_OFFSET
        for position in range(offsets[row], offsets[row + 1]):
            value = (value ^ np.uint64(data[position])) * _FNV_PRIME
        value = (value ^ (value >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        value = (value ^ (value >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        out[row] = value ^ (value >> np.uint64(31))
    return out


def hash_ids(ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The uint64 hash of each id (text, no nulls)."""
    array = ids.cast(pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count:
        raise ValueError("sample ids must not be null")
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)
    offsets = offsets[array.offset : array.offset + len(array) + 1]
    if data_buffer is None:
        data = np.zeros(0, dtype=np.uint8)
    else:
        data = np.frombuffer(data_buffer, dtype=np.uint8)
    return _hash_buffers(offsets, data)


def hash_table(hashes: np.ndarray) -> pa.Table:
    """The sidecar file's content."""
    return pa.table({"hash": pa.array(hashes, type=pa.uint64())})


def member_mask(hashes: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Which of ``hashes`` are in ``known`` (any order, duplicates allowed)."""
    if len(known) == 0 or len(hashes) == 0:
        return np.zeros(len(hashes), dtype=bool)
    return np.isin(hashes, known)
