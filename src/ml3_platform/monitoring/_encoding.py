"""Compiled passes over a column: its values to bin codes.

The encoders write into a given int32 vector, which may be a column of the
batch's (rows, columns) code matrix, so a batch is encoded without a stack
or copy.
"""

from __future__ import annotations

import numba
import numpy as np

MISSING = -1

# Above this many cuts a bisection's log(K) steps beat counting all K cuts
# (measured crossover near 1000); default bins give about 20.
MAX_COUNTED_CUTS = 512


@numba.njit(cache=True, nogil=True)
def cut_codes(cuts, x, out):
    """out[i] = number of cuts ≤ x[i], i.e. `searchsorted(cuts, x, "right")`
    for sorted cuts, and MISSING for NaN.

    Every cut is compared instead of bisecting: the comparisons have no
    branch and run as one vector loop, while a bisection's branches are
    mispredicted on about half its steps for fresh data, which made
    `np.searchsorted` four times slower at 20 cuts. NaN compares false with
    every cut, then takes MISSING.
    """
    for i in range(x.shape[0]):
        v = x[i]
        n = 0
        for j in range(cuts.shape[0]):
            n += cuts[j] <= v
        out[i] = n if v == v else MISSING


@numba.njit(cache=True, nogil=True)
def _text_hash(row):
    h = np.uint64(14695981039346656037)
    for c in row:
        h = (h ^ np.uint64(c)) * np.uint64(1099511628211)
    return h


@numba.njit(cache=True, nogil=True)
def text_codes(points, levels, other, out):
    """Codes of fixed-width text rows (code points, NUL-padded) against
    level rows of the same width: a hash table of the levels, probed
    linearly, so a row costs one pass over its code points."""
    size = 1
    while size < 4 * levels.shape[0] + 4:
        size *= 2
    mask = np.uint64(size - 1)
    slot = np.full(size, -1, np.int64)
    for i in range(levels.shape[0]):
        j = _text_hash(levels[i]) & mask
        while slot[j] >= 0:
            j = (j + np.uint64(1)) & mask
        slot[j] = i
    for r in range(points.shape[0]):
        j = _text_hash(points[r]) & mask
        code = other
        while slot[j] >= 0:
            level = levels[slot[j]]
            same = True
            for c in range(points.shape[1]):
                if points[r, c] != level[c]:
                    same = False
                    break
            if same:
                code = slot[j]
                break
            j = (j + np.uint64(1)) & mask
        out[r] = code
