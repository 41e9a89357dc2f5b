"""The engine's threads: one per core, shared by every monitor.

The kernels release the GIL, so a monitor's columns, split into groups of
about equal work, run on all cores at once.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def _cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


WORKERS = _cores()
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """The shared threads, started on first use."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="ml3-engine")
    return _pool


def column_groups(sizes: np.ndarray) -> list[np.ndarray]:
    """Columns split into one group per thread, each with about as much
    work (`sizes`): largest first, each to the group with the least so far."""
    n_groups = min(WORKERS, len(sizes))
    groups, loads = [[] for _ in range(n_groups)], [0] * n_groups
    for c in np.argsort(-np.asarray(sizes), kind="stable"):
        lightest = loads.index(min(loads))
        groups[lightest].append(int(c))
        loads[lightest] += int(sizes[c])
    return [np.array(sorted(group), dtype=np.int64) for group in groups]
