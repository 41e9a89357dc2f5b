"""The sequential kernel: a bank of CUSUMs and the status machine.

`run` goes a row at a time through every column. `run_by_column` goes a
column at a time through chunks of rows while the status holds, and leaves
a chunk where it changes to `run`; every CUSUM takes the same operations
either way. Everything the kernel remembers lives in the arrays it is
given, so a stream cut into any batches runs through exactly the same
states.
"""

from __future__ import annotations

import numba
import numpy as np

OK, WARNING, DRIFT = 0, 1, 2
WARNING_ON, WARNING_OFF, DRIFT_ON, DRIFT_OFF = 0, 1, 2, 3

# Indices into the integer and float state vectors.
I_STATUS, I_REC_COL, I_ROWS = 0, 1, 2
F_REC = 0

# Fast-math flags that let the CUSUM loop be vectorised. States are never
# NaN; `ninf` is left out all the same, and NEVER stands in for "no cap"
# and "no threshold".
NEVER = 1e300
_FAST = {"nsz", "reassoc", "nnan", "arcp", "contract"}

# Pseudo-count of reference data mixed into the post-change estimate, so a
# change seen in a handful of rows still gives a finite tilt.
PRIOR_ROWS = 1.0


@numba.njit(cache=True)
def _log_z(p0, g, theta, k):
    top = -np.inf
    for b in range(k):
        if p0[b] > 0 and theta * g[b] > top:
            top = theta * g[b]
    total = 0.0
    for b in range(k):
        if p0[b] > 0:
            total += p0[b] * np.exp(theta * g[b] - top)
    return top + np.log(total)


@numba.njit(cache=True)
def _tilt_mean(p0, g, theta, k):
    log_z = _log_z(p0, g, theta, k)
    mean = 0.0
    for b in range(k):
        if p0[b] > 0:
            mean += p0[b] * np.exp(theta * g[b] - log_z) * g[b]
    return mean


@numba.njit(cache=True)
def tilt_kl(p0, g, theta):
    """KL(p_θ ‖ p0) = θ·E_θ[g] − log Z(θ)."""
    k = p0.shape[0]
    return theta * _tilt_mean(p0, g, theta, k) - _log_z(p0, g, theta, k)


@numba.njit(cache=True)
def _bracket(p0, g, kl, sign):
    """|θ| bounds (lo, hi) around KL(p_θ ‖ p0) = kl, found by doubling |θ|
    since KL grows with it; hi is NaN when |θ| would pass 1e4."""
    lo, hi = 0.0, 1.0
    while tilt_kl(p0, g, sign * hi) < kl:
        lo, hi = hi, hi * 2
        if hi > 1e4:
            return lo, np.nan
    return lo, hi


@numba.njit(cache=True)
def reaches(p0, g, kl, sign):
    """Whether `solve_theta` finds a θ, without bisecting for it."""
    return not np.isnan(_bracket(p0, g, kl, sign)[1])


@numba.njit(cache=True)
def solve_theta(p0, g, kl, sign):
    """θ of the given sign with KL(p_θ ‖ p0) = kl, NaN if out of reach.

    KL grows with |θ|: double |θ| until it passes, then bisect.
    """
    lo, hi = _bracket(p0, g, kl, sign)
    if np.isnan(hi):
        return np.nan
    for _ in range(60):
        mid = (lo + hi) / 2
        if tilt_kl(p0, g, sign * mid) < kl:
            lo = mid
        else:
            hi = mid
    return sign * (lo + hi) / 2


@numba.njit(cache=True)
def fit_tilt(p0, g, total, n, k):
    """Maximum-likelihood θ of the tilt family p0·exp(θg)/Z on n rows whose
    directions g sum to `total`.

    The exponential family's likelihood equation is E_θ[g] = mean of g over
    the rows (mixed with PRIOR_ROWS rows of p0), solved by bisection since
    E_θ[g] increases with θ.
    """
    prior_mean = 0.0
    for b in range(k):
        prior_mean += p0[b] * g[b]
    target = (total + PRIOR_ROWS * prior_mean) / (n + PRIOR_ROWS)

    lo, hi = -1.0, 1.0
    while _tilt_mean(p0, g, lo, k) > target and lo > -1e4:
        lo *= 2
    while _tilt_mean(p0, g, hi, k) < target and hi < 1e4:
        hi *= 2
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if _tilt_mean(p0, g, mid, k) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@numba.njit(cache=True, fastmath=_FAST)
def _advance(lr_t, cusum, zero_at, floor, lo, hi, b, seen, cap, t1, t2):
    """One row of one column: its CUSUMs, and how many reach t1 and t2.

    Each CUSUM restarts at its floor (0, or below 0 for the alternatives
    whose thresholds sit lower, see `calibration.py`). Counting instead of
    taking the maximum keeps the loop free of branches and of a
    floating-point reduction, so it is vectorised; the maximum is computed
    only on the rare rows where the status may change.
    """
    # Unsigned indices spare the loop numba's negative-index wrap-around,
    # which would keep it from being vectorised.
    n1 = 0
    n2 = 0
    if b < 0:
        for m in range(np.uint64(lo), np.uint64(hi)):
            w = min(cusum[m], cap)
            cusum[m] = w
            n1 += w >= t1
            n2 += w >= t2
        return n1, n2
    bu = np.uint64(b)
    for m in range(np.uint64(lo), np.uint64(hi)):
        w = cusum[m] + lr_t[bu, m]
        zero_at[m] = seen if w <= floor[m] else zero_at[m]
        w = min(max(w, floor[m]), cap)
        cusum[m] = w
        n1 += w >= t1
        n2 += w >= t2
    return n1, n2


@numba.njit(cache=True)
def _argmax(cusum):
    """(largest CUSUM, its index), (0, −1) when none is above 0."""
    best, best_m = 0.0, -1
    for m in range(cusum.shape[0]):
        if cusum[m] > best:
            best, best_m = cusum[m], m
    return best, best_m


@numba.njit(cache=True)
def run(
    codes,  # (n, C) int32 bin codes, -1 missing
    start,  # first row to process
    lr_t,  # (Kmax, M) CUSUM increments, bins first
    direction,  # (M, Kmax) tilt directions
    slope,  # (M,) increments are slope·direction + offset
    offset,  # (M,)
    alt_col,  # (M,) column of each alternative
    col_start,  # (C + 1,) alternatives of column c: col_start[c]:col_start[c+1]
    p0,  # (C, Kmax) reference bin probabilities
    n_bins,  # (C,) bins per column
    h_warn,
    h_drift,
    h_off,
    floor,  # (M,) where each CUSUM restarts, ≤ 0
    cusum,  # (M,) state: CUSUM statistics
    zero_at,  # (M,) state: value of `seen` when each CUSUM was last at its floor
    seen,  # (C,) state: non-missing rows seen per column
    rec_ratio,  # (Kmax,) state: recovery increments log(p0 / p_drift)
    istate,  # state: status, recovery column, rows seen
    fstate,  # state: recovery statistic
    ev_row,  # event buffers, filled from 0
    ev_code,
    ev_score,
    ev_col,
    ev_kl,
):
    """Process rows from `start`; return (events written, next row).

    Stops early when the event buffers are full; call again from next row.
    """
    n_rows, n_cols = codes.shape
    n_alt = cusum.shape[0]
    n_ev = 0
    for t in range(start, n_rows):
        if n_ev == ev_row.shape[0]:
            return n_ev, t

        status = istate[I_STATUS]
        cap, t1, t2 = thresholds(status, h_warn, h_drift)
        n1 = n2 = 0
        for c in range(n_cols):
            b = codes[t, c]
            if b >= 0:
                seen[c] += 1
            lo, hi = col_start[c], col_start[c + 1]
            a1, a2 = _advance(
                lr_t, cusum, zero_at, floor, lo, hi, b, seen[c], cap, t1, t2
            )
            n1 += a1
            n2 += a2
        istate[I_ROWS] += 1

        if status == DRIFT:
            rc = istate[I_REC_COL]
            b = codes[t, rc]
            if b >= 0:
                fstate[F_REC] = max(0.0, fstate[F_REC] + rec_ratio[b])
            if fstate[F_REC] >= h_off and n1 == 0:
                ev_row[n_ev] = t
                ev_code[n_ev] = DRIFT_OFF
                ev_score[n_ev] = fstate[F_REC]
                ev_col[n_ev] = rc
                ev_kl[n_ev] = 0.0
                n_ev += 1
                istate[I_STATUS] = OK
                fstate[F_REC] = 0.0
                for m in range(n_alt):
                    cusum[m] = floor[m]
                    zero_at[m] = seen[alt_col[m]]
            continue

        if n2 > 0:
            best, best_m = _argmax(cusum)
            c = alt_col[best_m]
            k = n_bins[c]
            # Increments are affine in the direction, so the CUSUM and the
            # length of its run give the direction's sum over the run: the
            # sufficient statistic of the tilt family.
            n = seen[c] - zero_at[best_m]
            run = best - floor[best_m]
            sum_g = (run - n * offset[best_m]) / slope[best_m]
            theta = fit_tilt(p0[c], direction[best_m], sum_g, n, k)
            log_z = _log_z(p0[c], direction[best_m], theta, k)
            kl = 0.0
            for b in range(k):
                lr = theta * direction[best_m, b] - log_z
                rec_ratio[b] = -lr
                kl += p0[c, b] * np.exp(lr) * lr
            ev_row[n_ev] = t
            ev_code[n_ev] = DRIFT_ON
            ev_score[n_ev] = best
            ev_col[n_ev] = c
            ev_kl[n_ev] = kl
            n_ev += 1
            istate[I_STATUS] = DRIFT
            istate[I_REC_COL] = c
            fstate[F_REC] = 0.0
        elif status == OK and n1 > 0:
            best, best_m = _argmax(cusum)
            ev_row[n_ev] = t
            ev_code[n_ev] = WARNING_ON
            ev_score[n_ev] = best
            ev_col[n_ev] = alt_col[best_m]
            ev_kl[n_ev] = 0.0
            n_ev += 1
            istate[I_STATUS] = WARNING
        elif status == WARNING and n1 == 0:
            best, best_m = _argmax(cusum)
            ev_row[n_ev] = t
            ev_code[n_ev] = WARNING_OFF
            ev_score[n_ev] = best
            ev_col[n_ev] = alt_col[best_m] if best_m >= 0 else -1
            ev_kl[n_ev] = 0.0
            n_ev += 1
            istate[I_STATUS] = OK
    return n_ev, n_rows


@numba.njit(cache=True, fastmath=_FAST, nogil=True)
def _column_rows(codes, c, lo, hi, a, b, lr_t, floor, cap, t1, t2, state, n1, n2):
    """Rows a:b of column c: its CUSUMs moved exactly as `_advance` moves
    them, and how many reach t1 and t2 added to each row's counts.

    The loops of `_advance` are written out here: called once a row, it
    is not inlined, and the call costs as much as a column's update.
    """
    cusum, zero_at, seen = state
    s = seen[c]
    for t in range(a, b):
        code = codes[c, t]
        a1 = 0
        a2 = 0
        if code < 0:
            for m in range(np.uint64(lo), np.uint64(hi)):
                w = min(cusum[m], cap)
                cusum[m] = w
                a1 += w >= t1
                a2 += w >= t2
        else:
            s += 1
            bu = np.uint64(code)
            for m in range(np.uint64(lo), np.uint64(hi)):
                w = cusum[m] + lr_t[bu, m]
                zero_at[m] = s if w <= floor[m] else zero_at[m]
                w = min(max(w, floor[m]), cap)
                cusum[m] = w
                a1 += w >= t1
                a2 += w >= t2
        n1[t - a] += a1
        n2[t - a] += a2
    seen[c] = s


@numba.njit(cache=True)
def run_by_column(
    codes,  # (C, n) int32 bin codes, -1 missing: each column's rows contiguous
    start,  # first row to process
    chunk,  # rows a column runs through at a time
    lr_t,
    col_start,
    h_warn,
    h_drift,
    h_off,
    floor,
    cusum,
    zero_at,
    seen,
    rec_ratio,
    istate,
    fstate,
):
    """Process rows from `start` a chunk at a time, a column at a time,
    until a chunk in which the status changes; return that chunk's rows
    (a, b), with the state as it was at row a, or (n, n) when done.

    Within a chunk where the status holds, the thresholds and the cap
    hold too, so the columns are independent: each runs through the chunk
    with its CUSUMs in cache, where `run` visits every column on every
    row. Every CUSUM takes the very operations of `run`, so the states are
    the same to the bit. A chunk where the status changes is left to `run`,
    which writes the events.
    """
    n_cols, n_rows = codes.shape
    n1 = np.zeros(chunk, dtype=np.int64)
    n2 = np.zeros(chunk, dtype=np.int64)
    every = np.arange(n_cols)
    for a in range(start, n_rows, chunk):
        b = min(a + chunk, n_rows)
        saved = (cusum.copy(), zero_at.copy(), seen.copy(), fstate.copy())
        status = istate[I_STATUS]
        cap, t1, t2 = thresholds(status, h_warn, h_drift)
        n1[:] = 0
        n2[:] = 0
        columns_rows(
            codes, every, a, b, lr_t, col_start, floor, cap, t1, t2,
            cusum, zero_at, seen, n1, n2,
        )  # fmt: skip
        if status_holds(codes, a, b, status, n1, n2, h_off, rec_ratio, istate,
                        fstate):  # fmt: skip
            istate[I_ROWS] += b - a
            continue
        cusum[:], zero_at[:], seen[:], fstate[:] = saved
        return a, b
    return n_rows, n_rows


@numba.njit(cache=True)
def thresholds(status, h_warn, h_drift):
    """(cap, t1, t2) in a status: the CUSUMs' cap, and the levels whose
    counts drive the status machine. Capped during a drift, the bank falls
    back below h_warn soon after production returns, however long the drift
    lasted."""
    if status == WARNING:
        return NEVER, h_warn / 2, h_drift
    if status == DRIFT:
        return h_drift, h_warn, NEVER
    return NEVER, h_warn, h_drift


@numba.njit(cache=True, nogil=True)
def columns_rows(
    codes, columns, a, b, lr_t, col_start, floor, cap, t1, t2,
    cusum, zero_at, seen, n1, n2,
):  # fmt: skip
    """Rows a:b of the given columns, one after the other (`_column_rows`).

    Columns touch only their own CUSUMs and counts of `seen`, so disjoint
    sets of columns may run at once in threads, each with counts of its own.
    """
    state = (cusum, zero_at, seen)
    for c in columns:
        _column_rows(
            codes, c, col_start[c], col_start[c + 1], a, b, lr_t, floor,
            cap, t1, t2, state, n1, n2,
        )  # fmt: skip


@numba.njit(cache=True)
def status_holds(codes, a, b, status, n1, n2, h_off, rec_ratio, istate, fstate):
    """Whether rows a:b, with these counts, leave the status as it is (the
    conditions of `run`'s status machine); moves the recovery statistic."""
    rc = istate[I_REC_COL]
    for t in range(a, b):
        if status == DRIFT:
            code = codes[rc, t]
            if code >= 0:
                fstate[F_REC] = max(0.0, fstate[F_REC] + rec_ratio[code])
            if fstate[F_REC] >= h_off and n1[t - a] == 0:
                return False
        elif n2[t - a] > 0 or (n1[t - a] > 0) == (status == OK):
            return False
    return True
