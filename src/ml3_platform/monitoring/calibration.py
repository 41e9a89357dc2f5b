"""Thresholds from a simulation on the reference (`calibration="simulated"`).

The bound of `monitor.py` charges each of the M alternatives of a bank a
full share of the false-alarm budget, h = log(R·M), whatever the data. It
spends little of it, for two reasons, and this calibration recovers both.

Thresholds per size. Under no change a CUSUM of log-likelihood ratios of a
small alternative of size κ has increments of mean −κ and variance 2κ; in
the Brownian approximation it reaches h after (e^h − h − 1)/κ rows on
average (Siegmund, "Sequential Analysis", Springer 1985, ch. X), not e^h.
One threshold for all sizes leaves the small alternatives, the ones that
find small changes, almost never alarming falsely. Here the alternative of
size κ alarms at h + log(κ/κ_min), so every size falsely alarms about as
often, e^h/κ_min rows apart, and the small ones' thresholds drop by up to
log(κ_max/κ_min). The kernel does this by restarting each CUSUM at its
floor −log(κ/κ_min) instead of 0 (`monitor.floors`).

The bank's effective size. Its CUSUMs are strongly correlated (the sizes
of one direction move together, as do a column's location and scale), so
the bank alarms about as often as a number M_eff of independent ones:

1. T rows are drawn under no change. Each column's bin codes come i.i.d.
   from p̃ ~ Dirichlet(n + α), n the reference counts and α the smoothing,
   a fresh p̃ for each of S segments: the simulated production differs from
   p0 by the reference's own sampling noise, as real production does (the
   Bayesian bootstrap: Rubin, "The Bayesian bootstrap", Ann. Statist. 1981).
   Columns are drawn independently; dependent columns make the maximum of
   their CUSUMs alarm less often, so this errs on the safe side.
2. The bank runs at a threshold h0 low enough to alarm about `_TARGET`
   times in T rows, restarting at its floors after each alarm, like the
   status machine; A alarms give the run length T/A at h0.
3. Each CUSUM's run length grows as e^h − h − 1 (above), and so does a
   bank's of fixed alternatives. So the bank alarms like M_eff tests of
   run length e^h − h − 1, M_eff = (e^{h0} − h0 − 1)·A⁺/T with A⁺ the
   upper 95% Poisson bound of A, and h solves

       e^h − h − 1 = R · M_eff,   M_eff ≤ Σ_m κ_min/κ_m (≤ M).

   The cap is Lorden's bound for these thresholds (`monitor.py`: the
   alternatives' crossing probabilities e^{−h_m} summed), so simulated
   thresholds are never above the bound's. What they give up is the
   bound's guarantee for any data: the promise rests on the simulation and
   on the extrapolation from h0 to h, which
   tests/monitoring/test_calibration.py checks on long streams.

The simulation is seeded by the reference bins, so a fit is reproducible.
"""

from __future__ import annotations

import math
import zlib

import numba
import numpy as np
from scipy.special import gammaincinv

from ._kernel import _FAST

# Rows simulated, in segments of one Dirichlet draw each, and the number of
# alarms aimed at: 40 alarms estimate the run length to ±16%.
_ROWS = 200_000
_SEGMENT = 20_000
_TARGET = 40
_ROUNDS = 4


def effective_alternatives(
    lr_t: np.ndarray,
    floor: np.ndarray,
    col_start: np.ndarray,
    p0: np.ndarray,
    n_bins: np.ndarray,
    reference_rows: np.ndarray,
    smoothing: float,
) -> float:
    """M_eff of the bank whose increments are `lr_t` (bins first) and
    whose CUSUMs restart at `floor`."""
    bound = float(np.exp(floor).sum())
    if bound == 0:
        return 1.0
    codes = _null_codes(p0, n_bins, reference_rows, smoothing)

    # Start where the bound would give _TARGET alarms: the bank gives fewer,
    # so step the threshold down by the shortfall until enough are seen
    # (never below 1 nat, where a CUSUM alarms within a few rows).
    h0 = math.log(_ROWS / _TARGET * bound)
    for _ in range(_ROUNDS):
        alarms = int(_alarms(codes, lr_t, floor, col_start, h0))
        if alarms >= _TARGET / 2 or h0 <= 1.0:
            break
        h0 = max(h0 - math.log(_TARGET / max(alarms, 1)), 1.0)

    upper = float(gammaincinv(alarms + 1, 0.95))
    return min((math.expm1(h0) - h0) * upper / _ROWS, bound)


def threshold(run_length: float, bank_size: float) -> float:
    """h > 0 with e^h − h − 1 = run_length · bank_size."""
    target = run_length * bank_size
    h = math.log1p(target)
    # h = log(1 + target + h) is a contraction above 0; a few steps do.
    for _ in range(50):
        h = math.log1p(target + h)
    return h


def _null_codes(p0, n_bins, reference_rows, smoothing) -> np.ndarray:
    """(T, C) bin codes under no change, one Dirichlet draw per segment."""
    seed = zlib.crc32(np.ascontiguousarray(p0).tobytes())
    rng = np.random.default_rng(seed)
    n_cols = len(n_bins)
    codes = np.empty((_ROWS, n_cols), dtype=np.int32)
    for start in range(0, _ROWS, _SEGMENT):
        stop = min(start + _SEGMENT, _ROWS)
        for c in range(n_cols):
            k = int(n_bins[c])
            # Counts back from the smoothed p0 = (n + α) / (N + Kα).
            total = reference_rows[c] + smoothing * k
            concentration = np.maximum(p0[c, :k] * total, smoothing)
            cumulative = np.cumsum(rng.dirichlet(concentration))
            draws = np.searchsorted(cumulative, rng.random(stop - start) * cumulative[-1])
            codes[start:stop, c] = np.minimum(draws, k - 1)
    return codes


@numba.njit(cache=True, fastmath=_FAST)
def _alarms(codes, lr_t, floor, col_start, h0):
    """Alarms of the bank at threshold h0, restarting at the floors after
    each."""
    n_rows, n_cols = codes.shape
    cusum = floor.copy()
    alarms = 0
    for t in range(n_rows):
        hits = 0
        for c in range(n_cols):
            b = np.uint64(codes[t, c])
            for m in range(np.uint64(col_start[c]), np.uint64(col_start[c + 1])):
                w = max(cusum[m] + lr_t[b, m], floor[m])
                cusum[m] = w
                hits += w >= h0
        if hits > 0:
            alarms += 1
            cusum[:] = floor
    return alarms
