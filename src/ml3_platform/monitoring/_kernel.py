"""The sequential kernel: a bank of CUSUMs and the status machine, per row.

Everything the kernel remembers lives in the arrays it is given, so a stream
cut into any batches runs through exactly the same states.
"""

from __future__ import annotations

import numba
import numpy as np

OK, WARNING, DRIFT = 0, 1, 2
WARNING_ON, WARNING_OFF, DRIFT_ON, DRIFT_OFF = 0, 1, 2, 3

# Indices into the integer and float state vectors.
I_STATUS, I_REC_COL, I_ROWS = 0, 1, 2
F_REC = 0

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
def fit_tilt(p0, g, counts, k):
    """Maximum-likelihood θ of the tilt family p0·exp(θg)/Z on `counts`.

    The exponential family's likelihood equation is E_θ[g] = mean of g over
    the counts (mixed with PRIOR_ROWS rows of p0), solved by bisection since
    E_θ[g] increases with θ.
    """
    n = 0.0
    total = 0.0
    prior_mean = 0.0
    for b in range(k):
        n += counts[b]
        total += counts[b] * g[b]
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


@numba.njit(cache=True)
def run(
    codes,  # (n, C) int32 bin codes, -1 missing
    start,  # first row to process
    log_ratio,  # (M, Kmax) CUSUM increments
    direction,  # (M, Kmax) tilt directions
    alt_col,  # (M,) column of each alternative
    col_start,  # (C + 1,) alternatives of column c: col_start[c]:col_start[c+1]
    p0,  # (C, Kmax) reference bin probabilities
    n_bins,  # (C,) bins per column
    h_warn,
    h_drift,
    h_off,
    cusum,  # (M,) state: CUSUM statistics
    run_rows,  # (M,) state: rows since each CUSUM last left zero
    run_counts,  # (M, Kmax) state: bin counts of those rows
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

        best = 0.0
        best_m = -1
        for c in range(n_cols):
            b = codes[t, c]
            for m in range(col_start[c], col_start[c + 1]):
                if b >= 0:
                    w = cusum[m] + log_ratio[m, b]
                    if w <= 0.0:
                        cusum[m] = 0.0
                        run_rows[m] = 0
                    else:
                        if run_rows[m] == 0:
                            run_counts[m, : n_bins[c]] = 0
                        run_counts[m, b] += 1
                        run_rows[m] += 1
                        cusum[m] = w
                if cusum[m] > best:
                    best = cusum[m]
                    best_m = m
        istate[I_ROWS] += 1

        status = istate[I_STATUS]
        if status == DRIFT:
            # Capped during a drift, the bank falls back below h_warn soon
            # after production returns, however long the drift lasted.
            for m in range(n_alt):
                cusum[m] = min(cusum[m], h_drift)
            best = min(best, h_drift)
            rc = istate[I_REC_COL]
            b = codes[t, rc]
            if b >= 0:
                fstate[F_REC] = max(0.0, fstate[F_REC] + rec_ratio[b])
            if fstate[F_REC] >= h_off and best < h_warn:
                ev_row[n_ev] = t
                ev_code[n_ev] = DRIFT_OFF
                ev_score[n_ev] = fstate[F_REC]
                ev_col[n_ev] = rc
                ev_kl[n_ev] = 0.0
                n_ev += 1
                istate[I_STATUS] = OK
                fstate[F_REC] = 0.0
                for m in range(n_alt):
                    cusum[m] = 0.0
                    run_rows[m] = 0
            continue

        if best >= h_drift:
            c = alt_col[best_m]
            k = n_bins[c]
            theta = fit_tilt(p0[c], direction[best_m], run_counts[best_m], k)
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
        elif status == OK and best >= h_warn:
            ev_row[n_ev] = t
            ev_code[n_ev] = WARNING_ON
            ev_score[n_ev] = best
            ev_col[n_ev] = alt_col[best_m]
            ev_kl[n_ev] = 0.0
            n_ev += 1
            istate[I_STATUS] = WARNING
        elif status == WARNING and best < h_warn / 2:
            ev_row[n_ev] = t
            ev_code[n_ev] = WARNING_OFF
            ev_score[n_ev] = best
            ev_col[n_ev] = alt_col[best_m] if best_m >= 0 else -1
            ev_kl[n_ev] = 0.0
            n_ev += 1
            istate[I_STATUS] = OK
    return n_ev, n_rows
