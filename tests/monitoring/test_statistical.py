"""Detection rate and delay on seeded streams with a known change point.

Delay. A CUSUM at threshold h on increments of mean κ (the per-row KL of
the change) needs about h / κ rows (Lorden 1971); binning, the grid of
alternative sizes and the reference-noise margin lower the drift a little
and overshoot spreads single runs, so medians must lie in [0.5, 2] times
the prediction, as in test_detection.py.

Rate. Give a change L = 5 · h / κ rows. The CUSUM is at least the sum S
of the L increments, whose mean is ≥ 0.7 · κ · L = 3.5 · h (0.7: the
worst efficiency of the size grid and the bins) and whose variance is
about 2κ · L = 10 · h (the log-likelihood ratio of a small change has
variance twice its mean). It misses only if S < h, 2.5 · h below its
mean: 2.5 · √(h / 10) ≥ 2.7 standard deviations for h ≥ 12 (all runs
here), probability < 0.4%. With n seeds the number found is then
Binomial(n, p ≥ 0.99); the tests accept down to its 0.001 quantile.
"""

import math

import numpy as np
import pytest
from scipy.stats import binom

from ml3_platform.monitoring import (
    ColumnSpec,
    DetectorConfig,
    Monitor,
    SelfStartingMonitor,
)

CONFIG = DetectorConfig(drift_run_length=1e4, warning_run_length=1e2)
NUMERIC = [ColumnSpec("x", "numeric")]
SEEDS = 12
CHANGE = 2000


def least_found(n):
    return binom.ppf(0.001, n, 0.99)


def first_drift(transitions, after):
    return next(
        (t.index for t in transitions if t.event == "drift_on" and t.index >= after),
        None,
    )


def ramp_delay(h, slope):
    """Rows until a mean ramp μ(t) = slope·t (σ = 1) has added up h of
    per-row KL μ²/2: ∫₀ᵈ (slope·s)²/2 ds = slope²·d³/6 = h."""
    return (6 * h / slope**2) ** (1 / 3)


def test_gradual_mean_drift_is_found_on_time():
    ramp_rows, top = 10_000, 0.5
    slope = top / ramp_rows
    delays, h = [], None
    for seed in range(SEEDS):
        rng = np.random.default_rng(100 + seed)
        monitor = Monitor.fit({"x": rng.normal(size=20000)}, NUMERIC, CONFIG)
        h = monitor.drift_threshold
        t = np.arange(CHANGE + ramp_rows)
        mean = np.clip(t - CHANGE, 0, None) * slope
        found = first_drift(monitor.update({"x": rng.normal(mean, 1.0)}), CHANGE)
        if found is not None:
            delays.append(found - CHANGE)

    expected = ramp_delay(h, slope)
    assert len(delays) >= least_found(SEEDS)
    assert 0.5 * expected <= np.median(delays) <= 2 * expected


def bernoulli_kl(p, q):
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def test_concept_drift_with_unchanged_inputs_is_seen_on_the_error_stream():
    # Inputs keep their distribution; the model's error rate goes from 10%
    # to 17%, as when the relation between inputs and target changes.
    kl = bernoulli_kl(0.17, 0.10)
    inputs_drifted, delays, h = 0, [], None
    for seed in range(SEEDS):
        rng = np.random.default_rng(200 + seed)
        inputs = Monitor.fit({"x": rng.normal(size=20000)}, NUMERIC, DetectorConfig())
        errors = SelfStartingMonitor(
            [ColumnSpec("error", "numeric")], CONFIG, baseline_samples=20000
        )
        errors.update({"error": (rng.random(20000) < 0.10).astype(float)})
        h = errors.drift_threshold

        n_after = int(5 * h / kl)
        rate = np.where(np.arange(CHANGE + n_after) < CHANGE, 0.10, 0.17)
        x = rng.normal(size=len(rate))
        inputs_drifted += "drift_on" in [t.event for t in inputs.update({"x": x})]
        error = (rng.random(len(rate)) < rate).astype(float)
        found = first_drift(errors.update({"error": error}), CHANGE)
        if found is not None:
            delays.append(found - CHANGE)

    assert len(delays) >= least_found(SEEDS)
    assert 0.5 * h / kl <= np.median(delays) <= 2 * h / kl
    # The inputs' monitor (run length R = 10⁶) alarms within T rows only if
    # one of the T one-sided tests started before T does, each with
    # probability ≤ 1/R (Ville): ≤ T/R < 0.015 per stream here, so over 12
    # streams more than 2 alarms have probability < 10⁻³.
    assert inputs_drifted <= 2


@pytest.mark.parametrize(
    "name, after, kl",
    [
        ("mean", lambda rng, n: rng.normal(0.5, 1.0, n), 0.125),
        ("variance", lambda rng, n: rng.normal(0, 2**0.5, n), 0.1534),
    ],
)
def test_abrupt_changes_are_found_in_nearly_every_stream(name, after, kl):
    found = 0
    for seed in range(SEEDS):
        rng = np.random.default_rng(300 + seed)
        monitor = Monitor.fit({"x": rng.normal(size=20000)}, NUMERIC, CONFIG)
        window = int(5 * monitor.drift_threshold / kl)
        x = np.concatenate([rng.normal(size=CHANGE), after(rng, window)])
        found += first_drift(monitor.update({"x": x}), CHANGE) is not None
    assert found >= least_found(SEEDS)


def test_recalibration_moves_thresholds_as_log_run_length():
    rng = np.random.default_rng(5)
    monitor = Monitor.fit({"x": rng.normal(size=5000)}, NUMERIC, CONFIG)
    other = monitor.recalibrated(1e6, 1e3)
    m = monitor.n_alternatives

    assert other.n_alternatives == m and other.status == "ok"
    assert math.isclose(other.drift_threshold, math.log(1e6 * m))
    assert math.isclose(other.warning_threshold, math.log(1e3 * m))
    x = rng.normal(size=3000)
    fresh = Monitor.fit({"x": rng.normal(size=5000)}, NUMERIC, CONFIG)
    assert fresh.recalibrated(1e4, 1e2).update({"x": x}) == fresh.update({"x": x})
