"""Throughput benchmark: rows per second to monitor a production stream of
20 columns (15 numeric, 5 categorical) against a reference, in 10,000-row
batches; every tool on the same data in the same run, each in its own
process.

    .venv/bin/python benchmarks/throughput.py [--rows 1000000]
        [--reference 100000] [--evidently-rows 50000]

Seconds include each tool's fit on the reference. Evidently takes seconds
per chunk, so it monitors the first `--evidently-rows` rows only and its
rate is that of those rows. End to end is EmbeddedPlatform driven by the
real client, from the first upload to the last job's completion (files
written beforehand), with every monitor the platform runs on inputs (the
joint one and one per column); Parquet and CSV.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import venvs  # noqa: E402
from quality import table  # noqa: E402

TOOLS = [
    ("this engine", "scipy", "engine", {}),
    ("SciPy KS+χ² (reference point)", "scipy", "scipy_tests", {}),
    ("NannyML", "nannyml", "nannyml_drift", {}),
    ("Frouros", "frouros", "frouros_tests", {}),
    ("Evidently", "evidently", "evidently_drift", {}),
]
PEERS = {"NannyML", "Frouros", "Evidently"}


def run(env, runner, settings, source, out):
    command = [
        str(venvs.python(env)),
        str(HERE / "peers" / f"{runner}.py"),
        "throughput",
        str(source),
        json.dumps(settings),
        str(out),
    ]
    environment = {"PYTHONPATH": str(HERE / "peers"), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, check=True, env=environment)
    result = next(iter(json.loads(Path(out).read_text()).values()))
    return result


def platform(rows, reference, kind, out):
    command = [sys.executable, str(HERE / "platform_run.py"), str(rows),
               str(reference), kind, str(out)]  # fmt: skip
    subprocess.run(command, check=True)
    return json.loads(Path(out).read_text())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference", type=int, default=100_000)
    parser.add_argument("--evidently-rows", type=int, default=50_000)
    parser.add_argument("--skip-platform", action="store_true")
    parser.add_argument("--only", nargs="*", help="environments to run")
    options = parser.parse_args()

    rng = np.random.default_rng(0)
    ref = data.wide_frame(rng, options.reference)
    prod = data.wide_frame(rng, options.rows)
    kinds = {c: "numeric" if c.startswith("num") else "categorical" for c in ref}

    rates, rows, spent = {}, [], {}
    with tempfile.TemporaryDirectory() as workdir:
        source = Path(workdir) / "wide.npz"
        data.save_streams(source, {"wide": (ref, prod, kinds, None, {})})
        for label, env, runner, settings in TOOLS:
            if options.only is not None and env not in options.only:
                continue
            if runner == "evidently_drift":
                settings = {"max_rows": options.evidently_rows}
            try:
                result = run(env, runner, settings, source, Path(workdir) / "out.json")
            except subprocess.CalledProcessError as error:
                print(f"{label}: failed ({error})", file=sys.stderr)
                continue
            n = result.get("rows", options.rows)
            rates[label] = n / result["seconds"]
            fit = result.get("fit_seconds")
            note = f"fit {fit:.1f} s" if fit is not None else ""
            alarms = len(result["alarms"])
            rows.append([label, f"{n:,}", f"{result['seconds']:.1f}",
                         f"{rates[label]:,.0f}", alarms, note])  # fmt: skip

        if not options.skip_platform:
            for kind in ("parquet", "csv"):
                out = Path(workdir) / f"platform-{kind}.json"
                result = platform(options.rows, options.reference, kind, out)
                label = f"platform end to end ({kind})"
                rates[label] = result["rows"] / result["seconds"]
                spent[kind] = (result["seconds"], result["spent"])
                rows.append([label, f"{result['rows']:,}", f"{result['seconds']:.1f}",
                             f"{rates[label]:,.0f}", result["events"],
                             ", ".join(result["kinds"])])  # fmt: skip

    print(f"{options.rows:,} production rows × 20 columns against "
          f"{options.reference:,} reference rows, 10,000-row batches.")
    print(table(rows, ["tool", "rows", "seconds", "rows/s", "alarms", "note"]))
    for kind, (total, parts) in spent.items():
        print()
        print(f"Where the platform's time goes ({kind}, seconds of {total:.1f}):")
        lines = [[name, f"{seconds:.1f}", f"{seconds / total:.0%}"]
                 for name, seconds in parts.items()]  # fmt: skip
        rest = total - sum(v for k, v in parts.items() if not k.startswith(" "))
        lines.append(["upload, job queue, polling, commit (rest)", f"{rest:.1f}",
                      f"{rest / total:.0%}"])  # fmt: skip
        print(table(lines, ["step", "seconds", "share"]))
    print()
    if not PEERS & rates.keys() or "Evidently" not in rates:
        return
    fastest = max((rates[p], p) for p in PEERS if p in rates)
    print(f"fastest peer: {fastest[1]} at {fastest[0]:,.0f} rows/s")
    for label in [k for k in rates if k not in PEERS and "SciPy" not in k]:
        print(f"{label}: {rates[label] / fastest[0]:.1f}× the fastest peer, "
              f"{rates[label] / rates['Evidently']:.0f}× Evidently")


if __name__ == "__main__":
    main()
