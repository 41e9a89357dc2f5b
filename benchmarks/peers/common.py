"""What every tool's runner shares: reading streams, writing results.

Runners execute in the peer's own environment, so this module needs NumPy
only. A stream file holds, per stream `s`, arrays `s/ref/<column>` and
`s/prod/<column>`; its JSON sidecar describes the streams.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

CHUNK = 10_000


def load(path):
    """(description, {stream id: (reference, production, kinds)})."""
    meta = json.loads(Path(path).with_suffix(".json").read_text())
    data = np.load(path, allow_pickle=False)
    streams = {}
    for s in meta["streams"]:
        sid = s["id"]
        ref = {c: data[f"{sid}/ref/{c}"] for c in s["kinds"]}
        prod = {c: data[f"{sid}/prod/{c}"] for c in s["kinds"]}
        streams[sid] = (ref, prod, s["kinds"])
    return meta, streams


def chunks(n_rows, size=CHUNK):
    """(start, stop) of consecutive chunks; a short last chunk is kept."""
    return [(i, min(i + size, n_rows)) for i in range(0, n_rows, size)]


def indicator_signals(frame, kinds, levels):
    """One online signal per numeric column and per level of a categorical
    one (its 0/1 indicator), as online detectors take scalars."""
    signals = {}
    for column, kind in kinds.items():
        if kind == "numeric":
            signals[column] = np.asarray(frame[column], dtype=np.float64)
        else:
            values = frame[column]
            for level in levels:
                signals[f"{column}={level}"] = (values == level).astype(np.float64)
    return signals


def write(path, results):
    Path(path).write_text(json.dumps(results))


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def args():
    """mode, input file, settings (JSON text), output file."""
    mode, source, settings, out = sys.argv[1:5]
    return mode, source, json.loads(settings), out
