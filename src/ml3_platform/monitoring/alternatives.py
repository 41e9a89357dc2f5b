"""The alternatives each column's CUSUMs are tuned to.

Every alternative is an exponential tilt of the reference bin probabilities
p0 in a direction g over the bins:

    p_θ[b] = p0[b] · exp(θ · g[b]) / Z(θ),   Z(θ) = Σ_b p0[b] · exp(θ · g[b])

and its per-sample log-likelihood ratio is log(p_θ/p0)[b] = θ·g[b] − log Z(θ).
Directions:

- ordered (numeric) bins: the normal score s of each bin's mid-quantile
  (location) and s² − 1 (scale), standardised under p0;
- categorical bins: the indicator of one bin (that level's share goes up or
  down, the others keep their proportions).

θ is set so that KL(p_θ ‖ p0) equals each size in `DetectorConfig.kl_sizes`,
both signs.

Reference noise. p0 is estimated from N reference rows, so under the true
reference distribution p, E_p[p_θ/p0] = 1 + Σ_b (p_θ/p0 − 1)[b]·(p − p0)[b]
is not exactly 1. The error term is a sum over the reference rows with
standard deviation √(χ²(p_θ ‖ p0) / N). Subtracting

    η = log(1 + u · √(χ²(p_θ ‖ p0) / N))

from the log-likelihood ratio, with u the normal quantile of
1 − (1 − reference_confidence)/M over the M candidate alternatives
(Bonferroni), makes E_p[exp(z)] ≤ 1 for every alternative at once with
probability ≥ reference_confidence over the reference draw. An alternative
keeps itself only if η ≤ KL/2, i.e. KL ≳ 8u²/N: changes smaller than the
reference can resolve are not chased, which is what keeps a negligible shift
on a huge stream, or a 300-row reference, from alarming. Level alternatives
of categorical columns use an exact binomial bound instead (see
`_level_null`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
# scipy.special rather than scipy.stats: the same functions, a tenth of the
# import time, which every server start pays.
from scipy.special import betaincinv, ndtri

from . import _kernel


@dataclass
class Bank:
    """Alternatives of one column: log-ratio table, direction and size."""

    log_ratio: np.ndarray  # (M, K): θ·g − log Z(θ) − η
    direction: np.ndarray  # (M, K): g
    kl: np.ndarray  # (M,)


def directions(p0: np.ndarray, kind: str) -> np.ndarray:
    """Directions g (rows) along which a column is tested."""
    if kind == "categorical":
        return np.eye(len(p0))

    mid = np.cumsum(p0) - p0 / 2
    s = ndtri(mid)
    s = (s - p0 @ s) / np.sqrt(max(p0 @ (s - p0 @ s) ** 2, 1e-300))
    scale = s**2 - p0 @ s**2
    return np.vstack([s, scale])


def log_z(p0: np.ndarray, g: np.ndarray, theta: float) -> float:
    """log Z(θ) = log Σ_b p0[b]·exp(θ·g[b]), without overflow."""
    x = theta * g
    top = x.max()
    return float(top + np.log(p0 @ np.exp(x - top)))


def tilt_kl(p0: np.ndarray, g: np.ndarray, theta: float) -> float:
    """KL(p_θ ‖ p0) = θ·E_θ[g] − log Z(θ)."""
    return float(_kernel.tilt_kl(p0, g, theta))


def solve_theta(p0: np.ndarray, g: np.ndarray, kl: float, sign: float):
    """θ of the given sign with KL(p_θ ‖ p0) = kl, or None if out of reach."""
    theta = _kernel.solve_theta(
        np.ascontiguousarray(p0, dtype=np.float64),
        np.ascontiguousarray(g, dtype=np.float64),
        float(kl),
        float(sign),
    )
    return None if np.isnan(theta) else float(theta)


def candidates(p0: np.ndarray, kind: str, sizes) -> list[tuple]:
    """(direction, sign, KL, θ) of every reachable alternative of a column.

    θ of a level alternative is None: `build_bank` solves it against a
    conservative null rather than p0, so only its reach is checked here.
    """
    found = []
    for g in directions(p0, kind):
        if np.ptp(g) == 0:
            continue
        for sign in (1.0, -1.0):
            for kl in sizes:
                if kind == "categorical":
                    if _reaches(p0, g, kl, sign):
                        found.append((g, sign, kl, None))
                    continue
                theta = solve_theta(p0, g, kl, sign)
                if theta is not None:
                    found.append((g, sign, kl, theta))
    return found


def _reaches(p0: np.ndarray, g: np.ndarray, kl: float, sign: float) -> bool:
    return bool(
        _kernel.reaches(
            np.ascontiguousarray(p0, dtype=np.float64),
            np.ascontiguousarray(g, dtype=np.float64),
            float(kl),
            float(sign),
        )
    )


def build_bank(
    p0: np.ndarray,
    counts: np.ndarray,
    kind: str,
    candidates: list[tuple],
    n_candidates: int,
    confidence: float,
) -> Bank:
    """Log-ratio tables with their reference-noise margin; drops the rest.

    `n_candidates` counts the candidates of the whole monitor, over which
    the margin's confidence is shared (Bonferroni).
    """
    n_reference = max(int(counts.sum()), 1)
    alpha = (1 - confidence) / max(n_candidates, 1)
    u = float(-ndtri(alpha))
    rows, dirs, kls = [], [], []
    nulls = {}  # a level's null for one sign serves all its sizes
    for g, sign, kl, theta in candidates:
        if kind == "categorical":
            level = int(np.argmax(g))
            if (level, sign) not in nulls:
                nulls[level, sign] = _level_null(p0, counts, level, sign, alpha)
            log_ratio = _level_log_ratio(nulls[level, sign], g, sign, kl)
            eta = 0.0
        else:
            log_ratio = theta * g - log_z(p0, g, theta)
            chi2 = float(p0 @ np.exp(2 * log_ratio)) - 1.0
            eta = np.log1p(u * np.sqrt(max(chi2, 0.0) / n_reference))
        if log_ratio is None or eta > kl / 2:
            continue
        rows.append(log_ratio - eta)
        dirs.append(g)
        kls.append(kl)

    k = len(p0)
    return Bank(
        log_ratio=np.array(rows, dtype=np.float64).reshape(-1, k),
        direction=np.array(dirs, dtype=np.float64).reshape(-1, k),
        kl=np.array(kls, dtype=np.float64),
    )


def _level_null(p0, counts, b, sign, alpha):
    """The conservative null of level b's share going up or down, or None.

    For an indicator direction E_p[p1/p0'] ≤ 1 holds exactly when the true
    share of the level is at most (up) or at least (down) its share in p0'.
    So p0' takes the Clopper–Pearson bound of that share at level alpha:
    no normal approximation, and a level absent from the reference (the
    `other` bin) keeps a usable alternative.
    """
    n, total = counts[b], max(int(counts.sum()), 1)
    if sign > 0:
        share = betaincinv(n + 1, total - n, 1.0 - alpha) if n < total else 1.0
        share = max(share, p0[b])
    else:
        share = betaincinv(n, total - n + 1, alpha) if n > 0 else 0.0
        share = min(share, p0[b])
    if not 0 < share < 1:
        return None
    null = p0 * (1 - share) / (1 - p0[b])
    null[b] = share
    return null


def _level_log_ratio(null, g, sign, kl):
    """One level's share up or down by `kl`, against its null p0'."""
    if null is None:
        return None
    theta = solve_theta(null, g, kl, sign)
    if theta is None:
        return None
    return theta * g - log_z(null, g, theta)
