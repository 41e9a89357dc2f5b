"""One contract, run against every detector class."""

import math

import numpy as np
import pytest

from ml3_platform.monitoring import (
    ColumnSpec,
    Monitor,
    SelfStartingMonitor,
    Transition,
)

from .streams import FAST, MIXED_SPECS, mixed_frame

EVENTS = {"warning_on", "warning_off", "drift_on", "drift_off"}


def joint(rng):
    return Monitor.fit(mixed_frame(rng, 5000), MIXED_SPECS, FAST)


def per_feature(rng):
    return Monitor.fit(mixed_frame(rng, 5000), [ColumnSpec("a", "numeric")], FAST)


def self_starting(rng):
    return SelfStartingMonitor(MIXED_SPECS, FAST, baseline_samples=700)


FACTORIES = [joint, per_feature, self_starting]


def stream(seed):
    rng = np.random.default_rng(seed)
    parts = [mixed_frame(rng, 2000), mixed_frame(rng, 1500, mean=1.0)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def key(start, t):
    """A transition by its position in the whole stream."""
    return start + t.index, t.event, t.status, t.severity, t.signal, t.score


def run(detector, data, cuts):
    found, start = [], 0
    for stop in [*cuts, len(data["a"])]:
        batch = {k: v[start:stop] for k, v in data.items()}
        found += [key(start, t) for t in detector.update(batch)]
        start = stop
    return found


@pytest.mark.parametrize("factory", FACTORIES)
def test_transitions_are_well_formed(factory):
    detector = factory(np.random.default_rng(0))
    found = detector.update(stream(1))

    assert found and all(isinstance(t, Transition) for t in found)
    for t in found:
        assert t.event in EVENTS and math.isfinite(t.score)
        assert (t.severity is not None) == (t.event == "drift_on")
        assert t.status in {"ok", "warning", "drift"}
    assert detector.status == "drift"
    assert detector.score >= detector.drift_threshold > detector.warning_threshold


@pytest.mark.parametrize("factory", FACTORIES)
def test_batch_cuts_and_round_trips_do_not_matter(factory):
    data = stream(2)
    whole = run(factory(np.random.default_rng(0)), data, [])

    detector = factory(np.random.default_rng(0))
    found, start = [], 0
    for stop in [1, 350, 699, 700, 701, 2100, 3499, len(data["a"])]:
        detector = type(detector).from_bytes(detector.to_bytes())
        batch = {k: v[start:stop] for k, v in data.items()}
        found += [key(start, t) for t in detector.update(batch)]
        start = stop
    assert found == whole


def test_self_starting_is_not_initialized_until_its_baseline():
    detector = SelfStartingMonitor(MIXED_SPECS, FAST, baseline_samples=700)
    data = stream(3)
    detector.update({k: v[:699] for k, v in data.items()})
    assert detector.status == "not_initialized" and detector.score == 0.0

    detector.update({k: v[699:701] for k, v in data.items()})
    assert detector.status == "ok" and detector.monitor.rows_seen == 1
