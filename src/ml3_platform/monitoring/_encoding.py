"""Compiled passes over a column: its values to bin codes, and the sort and
level counts its bins are fitted from.

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


@numba.njit(cache=True)
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


@numba.njit(cache=True)
def _text_hash(row):
    h = np.uint64(14695981039346656037)
    for c in row:
        h = (h ^ np.uint64(c)) * np.uint64(1099511628211)
    return h


@numba.njit(cache=True)
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


@numba.njit(cache=True)
def _plain_text(row):
    """Whether a row is valid Unicode with NULs only as padding: then its
    text is exactly what Arrow makes of it (Arrow ends a value at its first
    NUL and refuses surrogates)."""
    padding = False
    for c in row:
        if c == 0:
            padding = True
        elif padding or 0xD800 <= c < 0xE000 or c > 0x10FFFF:
            return False
    return True


@numba.njit(cache=True)
def _same_row(a, b):
    for c in range(a.shape[0]):
        if a[c] != b[c]:
            return False
    return True


# Outcomes of `text_counts`.
COUNTED, NOT_PLAIN, FULL = 0, 1, 2


@numba.njit(cache=True)
def text_counts(points, capacity):
    """Distinct fixed-width text rows (code points, NUL-padded): the first
    row of each and how often it occurs, in one pass through a hash table.

    The outcome is COUNTED, NOT_PLAIN when some row is not plain text, or
    FULL when there are more than `capacity` distinct rows; the counts are
    then empty. A fixed capacity keeps the table simple: the caller retries
    a larger one in the rare column with that many levels.
    """
    size = 1
    while size < 2 * capacity:  # at most half full
        size *= 2
    mask = np.uint64(size - 1)
    slot = np.full(size, -1, np.int64)
    first = np.empty(capacity, np.int64)
    count = np.zeros(capacity, np.int64)
    n = 0
    for r in range(points.shape[0]):
        row = points[r]
        j = _text_hash(row) & mask
        while slot[j] >= 0 and not _same_row(points[first[slot[j]]], row):
            j = (j + np.uint64(1)) & mask
        if slot[j] >= 0:
            count[slot[j]] += 1
            continue

        # Equal rows are equally plain: checking new ones is enough.
        if not _plain_text(row):
            return first[:0], count[:0], NOT_PLAIN
        if n == capacity:
            return first[:0], count[:0], FULL
        slot[j] = n
        first[n] = r
        count[n] = 1
        n += 1
    return first[:n], count[:n], COUNTED


# Radix digits of 11 bits: six passes cover a 64-bit key, and a pass's
# 2048 counters stay in the first-level cache.
_DIGIT_BITS = 11
_DIGITS = 6


def radix_sort(x: np.ndarray) -> np.ndarray:
    """Sorted copy of float64 values without NaN, by least-significant-digit
    radix sort: a fixed number of linear passes, against a comparison sort's
    log(n) mispredicted ones.

    Each value's bits become an unsigned key in the same order: flip all
    bits of a negative value, set the sign bit of a positive one. That order
    puts -0.0 before 0.0, which a comparison sort leaves undecided.
    """
    bits = np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)
    return _radix_sorted_bits(bits).view(np.float64)


@numba.njit(cache=True)
def _radix_sorted_bits(bits):
    n = bits.shape[0]
    sign = np.uint64(1) << np.uint64(63)
    size = 1 << _DIGIT_BITS
    mask = np.uint64(size - 1)
    keys = np.empty(n, np.uint64)
    counts = np.zeros((_DIGITS, size), np.int64)
    for i in range(n):
        key = ~bits[i] if bits[i] & sign else bits[i] | sign
        keys[i] = key
        for d in range(_DIGITS):
            counts[d, (key >> np.uint64(d * _DIGIT_BITS)) & mask] += 1

    if n == 0:
        return keys
    spare = np.empty(n, np.uint64)
    at = np.empty(size, np.int64)
    for d in range(_DIGITS):
        shift = np.uint64(d * _DIGIT_BITS)
        if counts[d, (keys[0] >> shift) & mask] == n:
            continue  # one digit value for all: this pass would move nothing
        total = 0
        for b in range(size):
            at[b] = total
            total += counts[d, b]
        for i in range(n):
            b = (keys[i] >> shift) & mask
            spare[at[b]] = keys[i]
            at[b] += 1
        keys, spare = spare, keys

    for i in range(n):
        keys[i] = keys[i] & ~sign if keys[i] & sign else ~keys[i]
    return keys
