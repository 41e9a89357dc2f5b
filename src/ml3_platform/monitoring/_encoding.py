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


@numba.njit(cache=True)
def text_counts(points):
    """Distinct fixed-width text rows (code points, NUL-padded): the first
    row of each and how often it occurs, and whether all rows are plain
    text (when not, the counts are empty and meaningless).

    An open-addressing hash table kept at most half full, doubled when it
    fills, so the count is one pass whatever the number of levels.
    """
    size = 64
    slot = np.full(size, -1, np.int64)
    first = np.empty(size, np.int64)
    count = np.zeros(size, np.int64)
    hashes = np.empty(size, np.uint64)
    n = 0
    for r in range(points.shape[0]):
        row = points[r]
        h = _text_hash(row)
        mask = np.uint64(size - 1)
        j = h & mask
        while slot[j] >= 0:
            d = slot[j]
            if hashes[d] == h and _same_row(points[first[d]], row):
                break
            j = (j + np.uint64(1)) & mask
        if slot[j] >= 0:
            count[slot[j]] += 1
            continue

        # Equal rows are equally plain: checking new ones is enough.
        if not _plain_text(row):
            return first[:0], count[:0], False
        slot[j] = n
        first[n], count[n], hashes[n] = r, 1, h
        n += 1
        if 2 * n > size:
            size *= 2
            mask = np.uint64(size - 1)
            slot = np.full(size, -1, np.int64)
            for d in range(n):
                j = hashes[d] & mask
                while slot[j] >= 0:
                    j = (j + np.uint64(1)) & mask
                slot[j] = d
            first = np.concatenate((first[:n], np.empty(size - n, np.int64)))
            count = np.concatenate((count[:n], np.zeros(size - n, np.int64)))
            hashes = np.concatenate((hashes[:n], np.empty(size - n, np.uint64)))
    return first[:n], count[:n], True


# Radix digits of 11 bits: six passes cover a 64-bit key, and a pass's
# 2048 counters stay in the first-level cache.
_DIGIT_BITS = 11
_DIGITS = 6


@numba.njit(cache=True)
def radix_sort(x):
    """Sorted copy of float64 values without NaN, by least-significant-digit
    radix sort: a fixed number of linear passes, against a comparison sort's
    log(n) mispredicted ones.

    Each value's bits become an unsigned key in the same order: flip all
    bits of a negative value, set the sign bit of a positive one. That order
    puts -0.0 before 0.0, which a comparison sort leaves undecided.
    """
    sign = np.uint64(1) << np.uint64(63)
    bits = x.view(np.uint64)
    keys = np.empty_like(bits)
    size = 1 << _DIGIT_BITS
    mask = np.uint64(size - 1)
    counts = np.zeros((_DIGITS, size), np.int64)
    for i in range(keys.shape[0]):
        key = ~bits[i] if bits[i] & sign else bits[i] | sign
        keys[i] = key
        for d in range(_DIGITS):
            counts[d, (key >> np.uint64(d * _DIGIT_BITS)) & mask] += 1

    spare = np.empty_like(keys)
    for d in range(_DIGITS):
        if counts[d].max() == keys.shape[0]:
            continue  # one digit value for all: this pass would move nothing
        at = np.empty(size, np.int64)
        total = 0
        for b in range(size):
            at[b] = total
            total += counts[d, b]
        shift = np.uint64(d * _DIGIT_BITS)
        for i in range(keys.shape[0]):
            b = (keys[i] >> shift) & mask
            spare[at[b]] = keys[i]
            at[b] += 1
        keys, spare = spare, keys

    for i in range(keys.shape[0]):
        keys[i] = keys[i] & ~sign if keys[i] & sign else ~keys[i]
    return keys.view(np.float64)
