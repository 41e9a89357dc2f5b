"""This engine: one `Monitor` over all columns of a stream, fed 10,000-row
batches; its decisions are per row. Settings: `configs`, a list of
{label, drift, warning} run lengths and optionally `calibration` ("bound",
the default, or "simulated"); the stream is fitted once and each
configuration is a recalibration of that fit. `kl_sizes` replaces the
default grid of alternative sizes (a change of known size)."""

from __future__ import annotations

from common import CHUNK, args, chunks, load, timed, write

from ml3_platform.monitoring import ColumnSpec, DetectorConfig, Monitor


def events(monitor, production):
    n = len(next(iter(production.values())))
    found = {"alarms": [], "warnings": []}
    for start, stop in chunks(n, CHUNK):
        batch = {c: v[start:stop] for c, v in production.items()}
        for t in monitor.update(batch):
            if t.event == "drift_on":
                found["alarms"].append(start + t.index)
            elif t.event == "warning_on":
                found["warnings"].append(start + t.index)
    return found


def warm_up():
    """Load the compiled kernels before the clock starts, as the peers'
    imports happen before theirs: the chunked path on unchanged rows and
    the row-by-row path on a drift."""
    import numpy as np

    rng = np.random.default_rng(0)
    specs = [ColumnSpec("x", "numeric"), ColumnSpec("c", "categorical")]
    frame = {"x": rng.normal(size=2000), "c": np.array(["a", "b"] * 1000)}
    shifted = {**frame, "x": frame["x"] + 3}
    for batch in (frame, {k: v.astype(object) for k, v in frame.items()}):
        monitor = Monitor.fit(frame, specs)
        monitor.update(batch)
        assert monitor.update(shifted), "the warm-up drift was not found"


def main():
    mode, source, settings, out = args()
    meta, streams = load(source)
    warm_up()
    configs = settings.get("configs") or [
        {"label": "default", "drift": 1e6, "warning": 1e4}
    ]
    results = {}
    for sid, (ref, prod, kinds) in streams.items():
        specs = [ColumnSpec(c, k) for c, k in kinds.items()]
        base = DetectorConfig(kl_sizes=tuple(settings.get("kl_sizes", (
            DetectorConfig().kl_sizes))))
        fitted, fit_seconds = timed(lambda: Monitor.fit(ref, specs, base))
        for config in configs:
            monitor = fitted.recalibrated(
                config["drift"], config["warning"], config.get("calibration")
            )
            found, seconds = timed(lambda: events(monitor, prod))
            found["seconds"] = seconds + fit_seconds
            found["fit_seconds"] = fit_seconds
            results[f"{sid}@{config['label']}"] = found
    write(out, results)


if __name__ == "__main__":
    main()
