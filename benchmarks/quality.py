"""Quality benchmark: false alarms, detection rate and delay, every tool on
the same streams in the same run.

    .venv/bin/python benchmarks/quality.py [--seeds 5] [--quick]

Streams (data.py): a 50,000-row reference, then 40,000 production rows with
a change at row 20,000 (none in the control streams); Gaussian and
non-Gaussian (heavy-tailed, skewed, discrete) numeric columns; changes of
the mean (+0.25σ), of the variance (×2), gradual (0 → 0.5σ over 10,000
rows), of one categorical level's share (10% → 15%) and of a model's error
rate with unchanged inputs (10% → 17%). Chunked tools get 10,000-row chunks;
online detectors one value per row and signal; this engine 10,000-row
batches and decides per row.

Every peer runs in its own process and environment (venvs.py). False alarms
are alarms before the change, per 100,000 unchanged rows, and the average
run length (unchanged rows per alarm) they give; the delay is the
median number of rows from the change to the first alarm at or after it.
Our engine is then set to each peer's measured false-alarm rate ("ours @
peer"), which is how decisions.md reads "better than every peer": of a
grid of run lengths, the most sensitive whose measured rate on these
streams is no higher than the peer's. There it uses the thresholds
calibrated by simulation (monitoring/calibration.py), which spend the
false-alarm budget the bound leaves unused.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import venvs  # noqa: E402

CHANGES = ("mean", "variance", "gradual", "level", "error")
FAMILIES = ("gaussian", "non_gaussian")
DEFAULT_RUN_LENGTH = 1e6
# False alarms are counted per this many unchanged rows (decisions.md).
PER = 1e5

# (label, environment, runner, settings). "strict" settings target a run
# length of about 10⁶ rows, like our default, where the tool has a knob.
PEERS = [
    ("SciPy KS+χ² p<0.05/cols", "scipy", "scipy_tests", {"alpha": 0.05}),
    ("SciPy KS+χ² strict", "scipy", "scipy_tests", {"alpha": 0.01}),
    ("Frouros KS+χ² p<0.05/cols", "frouros", "frouros_tests", {"alpha": 0.05}),
    ("Frouros KS+χ² strict", "frouros", "frouros_tests", {"alpha": 0.01}),
    ("River ADWIN defaults", "river", "river_detectors", {"detector": "ADWIN"}),
    (
        "River ADWIN strict",
        "river",
        "river_detectors",
        {"detector": "ADWIN", "params": {"delta": 1e-5}},
    ),
    (
        "River Page-Hinkley defaults",
        "river",
        "river_detectors",
        {"detector": "PageHinkley"},
    ),
    (
        "River Page-Hinkley strict",
        "river",
        "river_detectors",
        {"detector": "PageHinkley", "params": {"threshold": 200.0}},
    ),
    (
        "River KSWIN defaults (numeric, seed 0)",
        "river",
        "river_detectors",
        {"detector": "KSWIN", "numeric_only": True, "max_seed": 0},
    ),
    ("NannyML defaults", "nannyml", "nannyml_drift", {}),
    ("Evidently defaults", "evidently", "evidently_drift", {}),
]


def streams(seeds):
    found = {}
    for seed in range(seeds):
        for family in FAMILIES:
            for scenario in ("control", "mean", "variance", "gradual"):
                ref, prod, kinds, change = data.quality_stream(seed, family, scenario)
                extra = {"seed": seed, "family": family, "scenario": scenario}
                found[f"{scenario}-{family}-{seed}"] = (ref, prod, kinds, change, extra)
        for scenario in ("level", "error"):
            ref, prod, kinds, change = data.quality_stream(seed, "gaussian", scenario)
            extra = {"seed": seed, "family": "gaussian", "scenario": scenario}
            found[f"{scenario}-{seed}"] = (ref, prod, kinds, change, extra)
    return found


def run_tool(env, runner, settings, source, workdir):
    out = Path(workdir) / f"{runner}-{abs(hash(json.dumps(settings)))}.json"
    command = [
        str(venvs.python(env)),
        str(HERE / "peers" / f"{runner}.py"),
        "quality",
        str(source),
        json.dumps(settings),
        str(out),
    ]
    environment = {"PYTHONPATH": str(HERE / "peers"), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, env=environment)
    return json.loads(out.read_text())


def summarise(results, meta, suffix=""):
    """False alarms and warnings per 10⁵ unchanged rows; per change type
    (found, streams, median delay)."""
    unchanged = alarms = warnings = 0
    per_change = {c: [0, 0, []] for c in CHANGES}
    for s in meta["streams"]:
        found = results.get(s["id"] + suffix)
        if found is None:
            continue
        change = s["change"] if s["change"] is not None else data.PRODUCTION
        unchanged += change
        alarms += sum(1 for r in found["alarms"] if r < change)
        warnings += sum(1 for r in found["warnings"] if r < change)
        if s["scenario"] in per_change:
            entry = per_change[s["scenario"]]
            entry[1] += 1
            after = [r for r in found["alarms"] if r >= change]
            if after:
                entry[0] += 1
                entry[2].append(after[0] - change)
    rate = alarms / max(unchanged, 1) * PER
    return {
        "fa": rate,
        "warn": warnings / max(unchanged, 1) * PER,
        "alarms": alarms,
        "unchanged": unchanged,
        "changes": {
            c: (f, n, float(np.median(d)) if d else math.nan)
            for c, (f, n, d) in per_change.items()
        },
    }


# Drift run lengths our engine is also run at, 20 to 10⁶ rows in steps of
# about 1.6, to find the one that matches each peer's measured rate.
GRID = np.geomspace(20.0, DEFAULT_RUN_LENGTH, 24)


def at_peer_rate(ours, meta, peer):
    """Our most sensitive setting of GRID whose measured false-alarm rate
    on these streams is no higher than the peer's: how decisions.md reads
    "set to each peer's measured rate". A setting's promised run length
    is a bound, so the rate it measures is lower; matching on the measured
    rate compares the two at the same alarms. Returns its summary."""
    fitting = [
        summary
        for drift in GRID
        if (summary := summarise(ours, meta, f"@grid{drift:.0f}"))["fa"]
        <= peer["fa"]
    ]
    strictest = summarise(ours, meta, f"@grid{GRID[-1]:.0f}")
    return max(fitting, key=lambda summary: summary["fa"], default=strictest)


def run_length(summary):
    """Unchanged rows per false alarm; a lower limit when there were none."""
    if summary["alarms"] == 0:
        return f"> {summary['unchanged']:,}"
    return f"{summary['unchanged'] / summary['alarms']:,.0f}"


def row(label, summary, warnings=True):
    cells = [label, f"{summary['fa']:.2f}", run_length(summary),
             f"{summary['warn']:.2f}" if warnings else "–"]  # fmt: skip
    for change in CHANGES:
        found, n, delay = summary["changes"][change]
        cells.append("–" if n == 0 else f"{delay:,.0f} ({found}/{n})")
    return cells


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="peer environments to run")
    parser.add_argument(
        "--small", action="store_true", help="short streams, to try the runners"
    )
    parser.add_argument(
        "--skip", nargs="*", default=[], help="leave out peers whose label has this"
    )
    options = parser.parse_args()
    if options.small:
        data.REFERENCE, data.PRODUCTION, data.CHANGE = 20_000, 20_000, 10_000

    with tempfile.TemporaryDirectory() as workdir:
        source = Path(workdir) / "streams.npz"
        data.save_streams(source, streams(options.seeds))
        meta = json.loads(source.with_suffix(".json").read_text())

        peers = {}
        for label, env, runner, settings in PEERS:
            if options.only is not None and env not in options.only:
                continue
            if any(word in label for word in options.skip):
                continue
            try:
                results = run_tool(env, runner, settings, source, workdir)
            except subprocess.CalledProcessError as error:
                # A peer that cannot run here is named, not silently dropped.
                print(f"{label}: failed ({error})", file=sys.stderr)
                continue
            peers[label] = summarise(results, meta)

        configs = [
            {"label": "default", "drift": 1e6, "warning": 1e4},
            {"label": "simulated", "drift": 1e6, "warning": 1e4,
             "calibration": "simulated"},
        ]  # fmt: skip
        configs += [
            {"label": f"grid{drift:.0f}", "drift": drift,
             "warning": min(1e4, drift), "calibration": "simulated"}
            for drift in GRID
        ]  # fmt: skip
        ours = run_tool("scipy", "engine", {"configs": configs}, source, workdir)
        bound = bound_table(max(options.seeds, 10), workdir)

    header = ["detector", "FA/100k rows", "ARL", "warn/100k", *CHANGES]
    rows = [
        row("this engine, defaults (ARL 10⁶)", summarise(ours, meta, "@default")),
        row("this engine, simulated calibration (ARL 10⁶)",
            summarise(ours, meta, "@simulated")),
    ]  # fmt: skip
    rows += [row(label, s, warnings=False) for label, s in peers.items()]
    print(f"Delay: median rows from the change to the first alarm (found/streams); "
          f"{options.seeds} seeds, {meta_rows(meta):,} unchanged rows per tool.")
    print(table(rows, header))
    print()

    matched = []
    for label, summary in peers.items():
        mine = at_peer_rate(ours, meta, summary)
        cells = [label, f"{summary['fa']:.2f} / {mine['fa']:.2f}"]
        for change in CHANGES:
            theirs, us = summary["changes"][change][2], mine["changes"][change][2]
            f_t, n_t = summary["changes"][change][:2]
            f_u = mine["changes"][change][0]
            if n_t == 0:
                cells.append("–")
                continue
            cells.append(f"{theirs:,.0f} ({f_t}) / {us:,.0f} ({f_u})")
        matched.append(cells)
    print("Ours (simulated calibration) at each peer's measured false-alarm "
          "rate: peer / ours (median delay, streams found).")
    print(table(matched, ["peer", "FA/100k peer / ours", *CHANGES]))
    print()
    print("Known mean shift (+0.25σ) against the sequential lower bound.")
    print(bound)


def bound_table(seeds, workdir):
    """Our delay on a known 0.25σ mean shift of one Gaussian column against
    Lorden's lower bound log(ARL) / KL, KL = 0.25² / 2, at the default
    run length; with the default grid of sizes and with the one size."""
    kl, change, n = 0.25**2 / 2, 5_000, 15_000
    found = {}
    for seed in range(seeds):
        rng = np.random.default_rng([seed, 77])
        ref = {"x": rng.normal(size=data.REFERENCE)}
        prod = {"x": rng.normal(size=n) + 0.25 * (np.arange(n) >= change)}
        extra = {"seed": seed, "family": "gaussian", "scenario": "mean"}
        found[f"bound-{seed}"] = (ref, prod, {"x": "numeric"}, change, extra)
    source = Path(workdir) / "bound.npz"
    data.save_streams(source, found)
    meta = json.loads(source.with_suffix(".json").read_text())
    bound = math.log(DEFAULT_RUN_LENGTH) / kl
    rows = []
    for label, settings in [
        ("default sizes", {}),
        ("known size (kl_sizes = [KL])", {"kl_sizes": [kl]}),
        ("default sizes, simulated calibration", {"calibration": "simulated"}),
        ("known size, simulated calibration",
         {"kl_sizes": [kl], "calibration": "simulated"}),
    ]:  # fmt: skip
        config = {"label": "default", "drift": DEFAULT_RUN_LENGTH, "warning": 1e4,
                  "calibration": settings.pop("calibration", "bound")}  # fmt: skip
        settings["configs"] = [config]
        results = run_tool("scipy", "engine", settings, source, workdir)
        found_, n_, delay = summarise(results, meta, "@default")["changes"]["mean"]
        rows.append([label, f"{delay:,.0f} ({found_}/{n_})", f"{bound:,.0f}",
                     f"{delay / bound:.2f}"])  # fmt: skip
    return table(rows, ["engine, one column, ARL 10⁶", "median delay",
                        "log(ARL)/KL", "ratio"])  # fmt: skip


def meta_rows(meta):
    return sum(
        s["change"] if s["change"] is not None else data.PRODUCTION
        for s in meta["streams"]
    )


if __name__ == "__main__":
    main()
