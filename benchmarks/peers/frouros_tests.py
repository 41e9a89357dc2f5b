"""Frouros (0.9): `KSTest` on numeric and `ChiSquareTest` on categorical
columns per chunk, Bonferroni over the columns, as its documentation's
data-drift examples do. Settings: `alpha` as in the SciPy baseline."""

from __future__ import annotations

import numpy as np
from common import args, chunks, load, timed, write
from frouros.detectors.data_drift import ChiSquareTest, KSTest


def alarms(reference, production, kinds, alpha):
    detectors = {}
    for column, kind in kinds.items():
        detector = KSTest() if kind == "numeric" else ChiSquareTest()
        values = reference[column]
        if kind == "numeric":
            values = values[~np.isnan(values)]
        detector.fit(X=values)
        detectors[column] = detector
    n = len(next(iter(production.values())))
    found = []
    for start, stop in chunks(n):
        for column, detector in detectors.items():
            result, _ = detector.compare(X=production[column][start:stop])
            if result.p_value < alpha / len(kinds):
                found.append(stop - 1)
                break
    return found


def main():
    mode, source, settings, out = args()
    meta, streams = load(source)
    alpha = settings.get("alpha", 0.05)
    results = {}
    for sid, (ref, prod, kinds) in streams.items():
        found, seconds = timed(lambda: alarms(ref, prod, kinds, alpha))
        results[sid] = {"alarms": found, "warnings": [], "seconds": seconds}
    write(out, results)


if __name__ == "__main__":
    main()
