"""Memory benchmark: peak resident memory to monitor N and 10·N batches of
10,000 rows (20 columns), engine alone and through the platform; each run
in a fresh process, batches generated one at a time for the engine.

    .venv/bin/python benchmarks/memory.py [--batches 10] [--reference 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402
from quality import table  # noqa: E402

BATCH = 10_000


def engine_child(batches, reference):
    from ml3_platform.monitoring import ColumnSpec, Monitor

    rng = np.random.default_rng(0)
    ref = data.wide_frame(rng, reference)
    specs = [
        ColumnSpec(c, "numeric" if c.startswith("num") else "categorical") for c in ref
    ]
    monitor = Monitor.fit(ref, specs)
    del ref
    for _ in range(batches):
        monitor.update(data.wide_frame(rng, BATCH))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"peak": peak}))  # noqa: T201 - read by the parent


def engine(batches, reference):
    command = [sys.executable, __file__, "--child", str(batches),
               "--reference", str(reference)]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["peak"]


def platform(batches, reference):
    with tempfile.TemporaryDirectory() as workdir:
        out = Path(workdir) / "out.json"
        command = [sys.executable, str(HERE / "platform_run.py"),
                   str(batches * BATCH), str(reference), "parquet", str(out)]  # fmt: skip
        subprocess.run(command, check=True)
        return json.loads(out.read_text())["peak"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--reference", type=int, default=100_000)
    parser.add_argument("--child", type=int)
    parser.add_argument("--skip-platform", action="store_true")
    parser.add_argument(
        "--platform-batches", type=int, help="N for the platform (default --batches)"
    )
    options = parser.parse_args()
    if options.child is not None:
        engine_child(options.child, options.reference)
        return

    rows = []
    runs = [("engine alone", engine)]
    if not options.skip_platform:
        runs.append(("platform end to end (Parquet)", platform))
    for label, measure in runs:
        n = options.batches
        if measure is platform and options.platform_batches:
            n = options.platform_batches
        small, large = measure(n, options.reference), measure(10 * n, options.reference)
        rows.append([label, f"N = {n}", f"{small / 2**20:,.0f}",
                     f"{large / 2**20:,.0f}", f"{(large / small - 1) * 100:+.1f}%"])  # fmt: skip
    print(f"Peak resident memory (MiB), {options.reference:,}-row reference.")
    print(table(rows, ["path", "batches", "N batches", "10·N batches", "change"]))


if __name__ == "__main__":
    main()
