"""Streaming results against a batch computation, batch cuts, persistence."""

import numpy as np

from ml3_platform.monitoring import DetectorConfig, Monitor

from .streams import MIXED_SPECS, batch_cusum, mixed_frame

CONFIG = DetectorConfig(drift_run_length=1e5, warning_run_length=1e3)


def shifted_stream(rng):
    """Reference-like rows, a shift of column a, then reference-like again."""
    parts = [
        mixed_frame(rng, 3000),
        mixed_frame(rng, 1500, mean=0.6),
        mixed_frame(rng, 6000),
    ]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def fitted(rng):
    return Monitor.fit(mixed_frame(rng, 20000), MIXED_SPECS, CONFIG)


def test_cusum_matches_numpy_batch_computation(rng):
    monitor = fitted(rng)
    stream = shifted_stream(rng)
    codes = monitor.encode(stream)
    paths = batch_cusum(monitor._a["log_ratio"], codes, monitor._a["alt_col"])
    score = paths.max(axis=0)

    transitions = monitor.update(stream)

    first_warning = int(np.argmax(score >= monitor.warning_threshold))
    first_drift = int(np.argmax(score >= monitor.drift_threshold))
    assert [(t.index, t.event) for t in transitions[:2]] == [
        (first_warning, "warning_on"),
        (first_drift, "drift_on"),
    ]
    assert np.isclose(transitions[1].score, score[first_drift])


def test_final_state_matches_numpy_batch_computation(rng):
    monitor = fitted(rng)
    stream = mixed_frame(rng, 5000)
    codes = monitor.encode(stream)
    paths = batch_cusum(monitor._a["log_ratio"], codes, monitor._a["alt_col"])

    assert monitor.update(stream) == []
    np.testing.assert_allclose(monitor._a["cusum"], paths[:, -1], atol=1e-9)
    assert np.isclose(monitor.score, paths[:, -1].max())


def run_in_batches(monitor, stream, cuts):
    """Transitions with their position in the whole stream."""
    found, start = [], 0
    for stop in [*cuts, len(stream["a"])]:
        batch = {k: v[start:stop] for k, v in stream.items()}
        found += [(start + t.index, t) for t in monitor.update(batch)]
        start = stop
    return [(i, t.event, t.status, t.severity, t.signal) for i, t in found]


def test_batch_cuts_do_not_change_transitions(rng):
    reference = mixed_frame(rng, 20000)
    stream = shifted_stream(rng)
    n = len(stream["a"])
    whole = run_in_batches(Monitor.fit(reference, MIXED_SPECS, CONFIG), stream, [])
    assert {e for _, e, *_ in whole} >= {"drift_on", "drift_off"}

    random_cuts = np.sort(rng.choice(n, size=40, replace=False)).tolist()
    with_empty = sorted([*random_cuts, 100, 100, 3001, 3002, 3003])
    for cuts in (random_cuts, with_empty, list(range(2900, 3400))):
        monitor = Monitor.fit(reference, MIXED_SPECS, CONFIG)
        assert run_in_batches(monitor, stream, cuts) == whole


def test_round_trip_mid_stream_continues_identically(rng):
    reference = mixed_frame(rng, 20000)
    stream = shifted_stream(rng)
    head = {k: v[:3700] for k, v in stream.items()}
    tail = {k: v[3700:] for k, v in stream.items()}
    straight = Monitor.fit(reference, MIXED_SPECS, CONFIG)
    straight.update(head)

    restored = Monitor.from_bytes(straight.to_bytes())

    assert restored.status == straight.status == "drift"
    assert restored.score == straight.score
    assert restored.update(tail) == straight.update(tail)
    assert restored.to_bytes() == straight.to_bytes()


def test_every_path_through_the_kernel_leaves_the_same_state(rng):
    """Whole batches shared among threads, chunks a column at a time, and
    rows one at a time around status changes: the same bytes at the end."""
    reference = mixed_frame(rng, 20000)
    stream = shifted_stream(rng)
    n = len(stream["a"])
    finals = []
    # 4,000-row batches go to the threads (when there are two cores or
    # more), 1,000-row ones through the chunks, 300-row ones too but with
    # the status changes at other places in a batch.
    for size in (4000, 1000, 300):
        monitor = Monitor.fit(reference, MIXED_SPECS, CONFIG)
        cuts = list(range(size, n, size))
        events = run_in_batches(monitor, stream, cuts)
        finals.append((events, monitor.to_bytes()))

    assert finals[0][0] and {e for _, e, *_ in finals[0][0]} >= {"drift_on"}
    assert finals[1] == finals[0]
    assert finals[2] == finals[0]
