"""Streams and a plain NumPy CUSUM for the monitoring tests."""

import numpy as np

from ml3_platform.monitoring import ColumnSpec, DetectorConfig

LEVELS = np.array([f"level{i}" for i in range(10)], dtype=object)

# Small run lengths make false-alarm rates measurable in seconds.
FAST = DetectorConfig(drift_run_length=1e3, warning_run_length=1e2)


def mixed_frame(rng, n, mean=0.0, level_probs=None):
    """Two numeric columns and one categorical column of 10 levels."""
    probs = level_probs if level_probs is not None else np.full(10, 0.1)
    return {
        "a": rng.normal(mean, 1.0, n),
        "b": rng.exponential(1.0, n),
        "c": LEVELS[rng.choice(10, size=n, p=probs)],
    }


MIXED_SPECS = [
    ColumnSpec("a", "numeric"),
    ColumnSpec("b", "numeric"),
    ColumnSpec("c", "categorical"),
]


def batch_cusum(log_ratio, codes, columns):
    """CUSUM paths W[m, t] computed in one pass, no state machine.

    W_t = S_t − min(0, min_{j ≤ t} S_j) with S the cumulative sum of the
    increments; a missing value adds nothing.
    """
    z = np.zeros((len(columns), len(codes)))
    for m, col in enumerate(columns):
        present = codes[:, col] >= 0
        z[m, present] = log_ratio[m, codes[present, col]]
    s = np.cumsum(z, axis=1)
    return s - np.minimum.accumulate(np.minimum(s, 0.0), axis=1)
