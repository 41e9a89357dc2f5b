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


@pytest.mark.parametrize("factory", FACTORIES)
def test_every_detector_keeps_the_base_contract(factory):
    from ml3_platform.monitoring import Detector

    detector = factory(np.random.default_rng(0))
    assert isinstance(detector, Detector)
    empty = {"a": np.empty(0), "b": np.empty(0), "c": np.empty(0, dtype=object)}
    assert detector.update(empty) == [] and not detector.enough_data


def format_1_blob(monitor):
    """`monitor` stored the way format 1 did: per-bin run counts, no
    `zero_at` or `seen` (their totals are what format 1's counts held)."""
    import io
    import json

    with np.load(io.BytesIO(monitor.to_bytes())) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(arrays.pop("header").tobytes())
    header["format"] = 1
    cols = arrays["alt_col"]
    run_rows = arrays.pop("seen")[cols] - arrays.pop("zero_at")
    counts = np.zeros((len(cols), arrays["log_ratio"].shape[1]), dtype=np.int64)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        header=np.frombuffer(json.dumps(header).encode(), np.uint8),
        run_rows=run_rows,
        run_counts=counts,
        **arrays,
    )
    return buffer.getvalue()


def test_monitors_stored_in_format_1_continue_identically():
    data = stream(4)
    # The cut falls inside the CUSUMs' run towards the drift, so the
    # severity of drift_on depends on the run length format 1 stored.
    head = {k: v[:2020] for k, v in data.items()}
    tail = {k: v[2020:] for k, v in data.items()}
    straight = joint(np.random.default_rng(0))
    straight.update(head)

    restored = Monitor.from_bytes(format_1_blob(straight))

    assert restored.status == straight.status
    found = restored.update(tail)
    assert found == straight.update(tail)
    assert "drift_on" in [t.event for t in found]
