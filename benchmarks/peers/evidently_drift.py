"""Evidently (0.4) `DataDriftPreset` report per 10,000-row chunk at its
defaults (per-column tests chosen by Evidently; Wasserstein or
Jensen–Shannon distance ≥ 0.1 on large samples); a chunk alarms when any
column drifts. Settings: `max_rows` cuts the production stream, since a
report per chunk takes seconds."""

from __future__ import annotations

import pandas as pd
from common import args, chunks, load, timed, write
from evidently import ColumnMapping
from evidently.metric_preset import DataDriftPreset
from evidently.report import Report


def drifted(result) -> bool:
    for metric in result["metrics"]:
        by_column = metric["result"].get("drift_by_columns")
        if by_column:
            return any(c["drift_detected"] for c in by_column.values())
    return False


def alarms(reference, production, kinds):
    mapping = ColumnMapping(
        numerical_features=[c for c, k in kinds.items() if k == "numeric"],
        categorical_features=[c for c, k in kinds.items() if k != "numeric"],
    )
    ref = pd.DataFrame(reference)
    prod = pd.DataFrame(production)
    found = []
    for start, stop in chunks(len(prod)):
        report = Report(metrics=[DataDriftPreset()])
        report.run(
            reference_data=ref,
            current_data=prod.iloc[start:stop],
            column_mapping=mapping,
        )
        if drifted(report.as_dict()):
            found.append(stop - 1)
    return found


def main():
    mode, source, settings, out = args()
    meta, streams = load(source)
    limit = settings.get("max_rows")
    results = {}
    for sid, (ref, prod, kinds) in streams.items():
        if limit:
            prod = {c: v[:limit] for c, v in prod.items()}
        found, seconds = timed(lambda: alarms(ref, prod, kinds))
        rows = len(next(iter(prod.values())))
        results[sid] = {
            "alarms": found, "warnings": [], "seconds": seconds, "rows": rows
        }
    write(out, results)


if __name__ == "__main__":
    main()
