"""Plain SciPy baseline: per chunk, KS on numeric and χ² on categorical
columns, Bonferroni over the columns.

Settings: `alpha`, the chunk-level false-alarm probability shared by the
columns (0.05 by default; `chunk / run_length` to target a run length).
"""

from __future__ import annotations

import numpy as np
from common import args, chunks, load, timed, write
from scipy.stats import chi2_contingency, ks_2samp


def prepare(reference, kinds):
    fitted = {}
    for column, kind in kinds.items():
        values = reference[column]
        if kind == "numeric":
            fitted[column] = np.sort(values[~np.isnan(values)])
        else:
            levels, counts = np.unique(values, return_counts=True)
            fitted[column] = (levels, counts)
    return fitted


def p_value(fitted, kind, chunk):
    if kind == "numeric":
        x = chunk[~np.isnan(chunk)]
        return ks_2samp(fitted, x).pvalue if len(x) else 1.0
    levels, counts = fitted
    current = np.array([(chunk == level).sum() for level in levels])
    other = len(chunk) - current.sum()
    table = np.vstack([np.r_[counts, 0], np.r_[current, other]])
    table = table[:, table.sum(axis=0) > 0]
    return chi2_contingency(table)[1]


def alarms(reference, production, kinds, alpha):
    fitted = prepare(reference, kinds)
    n = len(next(iter(production.values())))
    found = []
    for start, stop in chunks(n):
        threshold = alpha / len(kinds)
        if any(
            p_value(fitted[c], k, production[c][start:stop]) < threshold
            for c, k in kinds.items()
        ):
            found.append(stop - 1)
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
