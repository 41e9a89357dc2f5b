"""Operations on importance weights: clipping, effective size, resampling.

Pure NumPy; every function takes non-negative weights of the pool's samples.
"""

import numpy as np


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²``.

    It is the number of unweighted samples whose mean would have the variance
    of the weighted mean (Kish, *Survey Sampling*, 1965; Liu, *Monte Carlo
    Strategies in Scientific Computing*, 2001, §2.5.3). Equal weights give n;
    all weight on one sample gives 1.
    """
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    squares = np.square(weights).sum()
    return float(total * total / squares) if squares > 0 else 0.0


def clip_weights(weights: np.ndarray, cap: float | None = None) -> np.ndarray:
    """Weights rescaled to mean 1 with none above ``cap`` times the mean.

    Truncated importance sampling (Ionides, "Truncated importance sampling",
    J. Comput. Graph. Stat. 17(2), 2008) caps each weight at ``√n`` times the
    mean weight: the estimator stays consistent and its variance finite, and
    no fewer than ``√n`` samples can hold all the weight. ``cap`` defaults to
    that ``√n``. Capping and rescaling alternate until both hold, which
    converges because each round only lowers the largest weights.
    """
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if n == 0 or weights.sum() <= 0:
        raise ValueError("the weights are empty or all zero")
    cap = float(np.sqrt(n)) if cap is None else float(cap)
    if cap < 1:
        raise ValueError("the cap must be at least 1 (the mean weight)")

    clipped = weights * (n / weights.sum())
    for _ in range(100):
        if clipped.max() <= cap * (1 + 1e-9):
            break
        clipped = np.minimum(clipped, cap)
        clipped *= n / clipped.sum()
    return np.minimum(clipped, cap)


def systematic_resample(weights: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """How many times each sample appears in a resample of ``size`` rows.

    Systematic resampling (Kitagawa, J. Comput. Graph. Stat. 5(1), 1996; see
    Douc, Cappé and Moulines, ISPA 2005): one uniform offset, ``size`` evenly
    spaced points over the cumulative weights. Each count is the floor or
    the ceiling of ``size · wᵢ / Σw``, so the resample follows the weights
    as closely as whole counts can, with less noise than multinomial draws.
    """
    weights = np.asarray(weights, dtype=float)
    if size <= 0:
        raise ValueError("the resampled size must be positive")
    if len(weights) == 0 or weights.sum() <= 0:
        raise ValueError("the weights are empty or all zero")

    edges = np.cumsum(weights) / weights.sum() * size
    edges[-1] = size  # rounding must not lose the last point
    offset = np.random.default_rng(seed).uniform()
    points = offset + np.arange(size)
    taken = np.searchsorted(edges, points, side="right")
    return np.bincount(taken, minlength=len(weights)).astype(np.int64)
