"""NannyML (0.13) `UnivariateDriftCalculator` at its defaults (Jensen–Shannon
distance, thresholds from the spread over reference chunks), 10,000-row
chunks; a chunk alarms when any column's alert is set."""

from __future__ import annotations

import nannyml as nml
import pandas as pd
from common import CHUNK, args, load, timed, write


def alarms(reference, production, kinds):
    calculator = nml.UnivariateDriftCalculator(
        column_names=list(kinds),
        treat_as_categorical=[c for c, k in kinds.items() if k != "numeric"],
        chunk_size=CHUNK,
    )
    calculator.fit(pd.DataFrame(reference))
    frame = calculator.calculate(pd.DataFrame(production)).to_df()
    alert = [c for c in frame.columns if c[-1] == "alert"]
    flagged = frame[alert].any(axis=1).to_numpy()
    ends = frame[("chunk", "chunk", "end_index")].to_numpy()
    return [int(end) for end, hit in zip(ends, flagged) if hit]


def main():
    mode, source, settings, out = args()
    meta, streams = load(source)
    results = {}
    for sid, (ref, prod, kinds) in streams.items():
        found, seconds = timed(lambda: alarms(ref, prod, kinds))
        results[sid] = {"alarms": found, "warnings": [], "seconds": seconds}
    write(out, results)


if __name__ == "__main__":
    main()
