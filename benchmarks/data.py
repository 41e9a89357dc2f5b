"""Seeded streams shared by the benchmarks, written once for every tool.

Every tool reads the same arrays from the same `.npz` file, so all tools of
one run see the same data.
"""

from __future__ import annotations

import zlib

import numpy as np

LEVELS = np.array([f"level{i}" for i in range(10)])


def wide_frame(rng, n, n_numeric=15, n_categorical=5):
    """The throughput benchmark's frame: mixed-distribution numeric columns
    and 10-level categorical ones (as fixed-width text)."""
    frame = {}
    for i in range(n_numeric):
        kind = i % 3
        if kind == 0:
            frame[f"num{i}"] = rng.normal(size=n)
        elif kind == 1:
            frame[f"num{i}"] = rng.standard_t(3, size=n)
        else:
            frame[f"num{i}"] = rng.gamma(2.0, size=n)
    probs = np.linspace(1, 2, 10)
    probs /= probs.sum()
    for i in range(n_categorical):
        frame[f"cat{i}"] = LEVELS[rng.choice(10, size=n, p=probs)]
    return frame


def numeric_names(frame):
    return [k for k in frame if k.startswith("num")]


def categorical_names(frame):
    return [k for k in frame if k.startswith("cat")]


# --- Quality streams ----------------------------------------------------

REFERENCE, PRODUCTION, CHANGE, RAMP = 50_000, 40_000, 20_000, 10_000
UNIFORM = np.full(10, 0.1)
ONE_UP = np.r_[0.15, np.full(9, 0.85 / 9)]


def _changed_column(rng, family, seed, n, change, scenario):
    """The column that changes at `change`, and its standard deviation.

    Non-Gaussian streams rotate over heavy tails (t, 3 d.f.), skew
    (gamma, shape 2) and discrete counts (Poisson, mean 3) by seed; the
    Poisson column changes its mean parameter, so it stays on integers.
    """
    kind = "normal" if family == "gaussian" else ("t3", "gamma", "poisson")[seed % 3]
    t = np.arange(n)
    after = t >= change
    ramp = np.clip((t - change + 1) / RAMP, 0, 1) * after
    shift = {"mean": 0.25 * after, "gradual": 0.5 * ramp}.get(scenario, 0 * t)
    if kind == "poisson":
        lam = 3.0 + shift * np.sqrt(3.0)
        x = rng.poisson(lam).astype(float)
        if scenario == "variance":
            x = np.where(after, np.round(3.0 + np.sqrt(2) * (x - 3.0)), x)
        return x
    draw = {
        "normal": lambda: rng.normal(size=n),
        "t3": lambda: rng.standard_t(3, size=n),
        "gamma": lambda: rng.gamma(2.0, size=n),
    }[kind]
    sd = {"normal": 1.0, "t3": np.sqrt(3.0), "gamma": np.sqrt(2.0)}[kind]
    centre = {"normal": 0.0, "t3": 0.0, "gamma": 2.0}[kind]
    x = draw()
    if scenario == "variance":
        x = np.where(after, centre + np.sqrt(2) * (x - centre), x)
    return x + shift * sd


def quality_stream(seed, family, scenario):
    """(reference, production, kinds, change row) of one benchmark stream.

    Four numeric columns and one categorical column of 10 levels; only
    `num0` (mean, variance, gradual) or level 0 of `cat0` (level) changes.
    The error scenario is a model's 0/1 error alone, 10% then 17%: concept
    drift that leaves the inputs as they were.
    """
    key = [seed, zlib.crc32(family.encode()), zlib.crc32(scenario.encode())]
    rng = np.random.default_rng(key)
    if scenario == "error":
        ref = {"error": (rng.random(REFERENCE) < 0.10).astype(float)}
        p = np.where(np.arange(PRODUCTION) < CHANGE, 0.10, 0.17)
        prod = {"error": (rng.random(PRODUCTION) < p).astype(float)}
        return ref, prod, {"error": "numeric"}, CHANGE

    def frame(n, scenario, change):
        out = {"num0": _changed_column(rng, family, seed, n, change, scenario)}
        for i in range(1, 4):
            out[f"num{i}"] = rng.normal(size=n)
        probs = np.where(
            (np.arange(n) >= change)[:, None] & (scenario == "level"), ONE_UP, UNIFORM
        )
        u = rng.random(n)[:, None]
        out["cat0"] = LEVELS[(u > np.cumsum(probs, axis=1)).sum(axis=1)]
        return out

    ref = frame(REFERENCE, "control", REFERENCE)
    prod = frame(PRODUCTION, scenario, CHANGE if scenario != "control" else PRODUCTION)
    kinds = {c: "numeric" if c.startswith("num") else "categorical" for c in ref}
    return ref, prod, kinds, CHANGE if scenario != "control" else None


def save_streams(path, streams):
    """Write streams {id: (reference, production, kinds, change, extra)}
    to `path` (.npz) and its JSON sidecar, the format of peers/common.py."""
    import json
    from pathlib import Path

    arrays, meta = {}, []
    for sid, (ref, prod, kinds, change, extra) in streams.items():
        for c in kinds:
            arrays[f"{sid}/ref/{c}"] = ref[c]
            arrays[f"{sid}/prod/{c}"] = prod[c]
        meta.append({"id": sid, "kinds": kinds, "change": change, **extra})
    np.savez(path, **arrays)
    Path(path).with_suffix(".json").write_text(json.dumps({"streams": meta}))
