"""Monitors kept decoded between jobs: the same objects, never stale ones."""

import numpy as np

from ml3_platform.monitoring import ColumnSpec, Monitor, SelfStartingMonitor
from ml3_platform.pipeline import decoded

SPECS = [ColumnSpec("x", "numeric")]


def fitted(seed=0):
    rng = np.random.default_rng(seed)
    return Monitor.fit({"x": rng.normal(size=2000)}, SPECS)


def test_the_bytes_a_job_wrote_give_back_its_monitor():
    monitor = fitted()
    blob = decoded.dump(monitor)

    assert decoded.load(Monitor, blob) is monitor
    # Taken out when read: a second reader decodes its own.
    again = decoded.load(Monitor, blob)
    assert again is not monitor
    assert again.to_bytes() == blob


def test_a_monitor_changed_by_a_failed_job_is_not_given_back():
    blob = decoded.dump(fitted())
    taken = decoded.load(Monitor, blob)
    shifted = {"x": np.random.default_rng(1).normal(3, 1, size=500)}
    assert taken.update(shifted)  # changed, then the job fails: no dump

    reread = decoded.load(Monitor, blob)

    assert reread is not taken
    assert reread.status == "ok"
    assert reread.to_bytes() == Monitor.from_bytes(blob).to_bytes()


def test_self_starting_monitors_are_kept_too():
    monitor = SelfStartingMonitor(SPECS, None, 100)
    monitor.update({"x": np.zeros(10)})

    assert decoded.load(SelfStartingMonitor, decoded.dump(monitor)) is monitor


def test_only_the_latest_monitors_are_kept():
    blobs = [decoded.dump(fitted(seed)) for seed in range(decoded.CAPACITY + 1)]

    assert decoded._digest(blobs[0]) not in decoded._entries
    assert decoded._digest(blobs[-1]) in decoded._entries
    assert len(decoded._entries) == decoded.CAPACITY
