"""A monitor: one or several columns against a reference, one status.

Method
------
Each column is discretised against the reference (`binning.py`) into bins
with smoothed reference probabilities p0[b] = (n[b] + α) / (N + Kα). For
every alternative p1 of the column (`alternatives.py`) a CUSUM (Page,
"Continuous inspection schemes", Biometrika 1954) runs on the per-row
log-likelihood ratio z = log(p1/p0)[b] − η:

    W_t = max(0, W_{t−1} + z_t)

The monitor's score is the largest W over all alternatives of all its
columns; `warning_on` when it reaches h_warn, `drift_on` when it reaches
h_drift.

Calibration. Under the reference, E[exp(z)] ≤ 1 for each alternative (with
probability `reference_confidence` over the reference draw, thanks to η).
Then the one-sided sequential test started at any row k that stops when any
of the M alternatives' sums reaches h has, by Ville's inequality on the
nonnegative martingales Π exp(z), probability ≤ M·e^(−h) of ever stopping.
Lorden ("Procedures for reacting to a change in distribution", Ann. Math.
Statist. 1971, Theorem 2) shows the smallest of those stopping times over k,
which is exactly the first row where max W ≥ h, has expected value
≥ e^h / M. So

    h_drift = log(drift_run_length · M),   h_warn = log(warning_run_length · M)

promise average run lengths ≥ the configured ones, whatever the data's
distribution, with M the size of the whole bank: the joint monitor shares
one budget over all its columns. The bound is conservative (the CUSUMs of
a bank are strongly correlated), so real run lengths are longer.

Detection. A change to a distribution at KL divergence κ from p0 along one
of the alternatives is found after about h_drift / κ rows (Lorden 1971).

Status machine. ok → warning at h_warn; ok or warning → drift at h_drift
(ok → drift emits only `drift_on`); warning → ok when the score falls below
h_warn / 2 (hysteresis). At `drift_on` the alarming CUSUM's rows since it
last left zero (the change-point estimate) give a maximum-likelihood
post-change distribution p̂ in the alarming alternative's tilt family; its
KL(p̂ ‖ p0) sets the severity (cut-offs in `DetectorConfig`). A recovery
CUSUM on log(p0/p̂) then runs on that column; its increments have mean
−KL(p̂ ‖ p0) while the change persists (moment matching of the exponential
family) and +KL(p0 ‖ p̂) once production is back to the reference. It emits
`drift_off` once it reaches h_off = log(drift_run_length) (a single CUSUM,
so a false `drift_off` while the change persists is as rare as a false
`drift_on`) and, as a second guard, the bank's score (capped at h_drift
during a drift) is back below h_warn. The bank then restarts from zero.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> specs = [ColumnSpec("x", "numeric")]
>>> config = DetectorConfig(drift_run_length=1e6, warning_run_length=1e4)
>>> monitor = Monitor.fit({"x": rng.normal(size=5000)}, specs, config)
>>> monitor.update({"x": rng.normal(size=2000)})
[]
>>> [t.event for t in monitor.update({"x": rng.normal(1, 1, size=500)})]
['warning_on', 'drift_on']
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from . import _kernel, _threads
from .base import Detector
from .alternatives import build_bank, candidates
from .binning import binning_from_meta, fit_binning
from .calibration import effective_alternatives, threshold
from .config import ColumnSpec, DetectorConfig, Transition

_STATUS = ("ok", "warning", "drift")
_EVENT = ("warning_on", "warning_off", "drift_on", "drift_off")
_STATUS_AFTER = ("warning", "ok", "drift", "ok")
_EVENT_BUFFER = 256
# Rows a column runs through at a time while the status holds: long
# enough to keep its CUSUMs in cache, short enough that a chunk where the
# status changes, run again a row at a time, costs little.
_CHUNK = 1024
# Batches shorter than this run in the calling thread: sharing them out
# would cost more than it saves.
_THREADED_ROWS = 2048
# Doubles in one vector register of the widest instruction set (AVX-512).
_LANES = 8
_FORMAT = 2

# Arrays that define a fitted monitor, then arrays of its running state.
_MODEL = ("log_ratio", "direction", "alt_col", "col_start", "p0", "n_bins")
_STATE = ("cusum", "zero_at", "seen", "rec_ratio", "istate", "fstate")
# The alternatives' sizes, kept since thresholds calibrated by simulation
# depend on them; monitors stored before have none.
_SIZES = "kl"


class Monitor(Detector):
    """Sequential drift detection of columns against a reference."""

    def __init__(
        self, specs, config, binnings, arrays, thresholds,
        reference_rows=None, bank_size=None,
    ) -> None:  # fmt: skip
        self.specs = tuple(specs)
        self.config = config
        self._binnings = binnings
        self._a = arrays
        self._floor = floors(arrays, config)
        self._kernel = _kernel_layout(arrays, self._floor)
        self._h_warn, self._h_drift, self._h_off = thresholds
        self._reference_rows = reference_rows
        self._bank_size = bank_size or max(len(arrays["alt_col"]), 1)
        self._last_rows_used = 1
        self._groups = None

    @classmethod
    def fit(
        cls,
        reference: Mapping[str, np.ndarray],
        specs: Sequence[ColumnSpec],
        config: DetectorConfig | None = None,
    ) -> Monitor:
        """Discretise and calibrate against `reference`, in state ok."""
        config = config or DetectorConfig()
        if not specs:
            raise ValueError("a monitor needs at least one column")

        binnings, p0s, counts = [], [], []
        for spec in specs:
            binning, n = fit_binning(reference[spec.name], spec.kind, config)
            p0 = (n + config.smoothing) / (n.sum() + config.smoothing * len(n))
            binnings.append(binning)
            p0s.append(p0)
            counts.append(n)

        found = [
            candidates(p0, spec.kind, config.kl_sizes)
            for p0, spec in zip(p0s, specs, strict=True)
        ]
        n_candidates = sum(map(len, found))
        banks = [
            build_bank(
                p0, n, spec.kind, cands, n_candidates, config.reference_confidence
            )
            for p0, n, spec, cands in zip(p0s, counts, specs, found, strict=True)
        ]

        reference_rows = np.array([int(n.sum()) for n in counts], dtype=np.int64)
        arrays = _assemble(banks, p0s)
        return cls._calibrated(specs, config, binnings, arrays, reference_rows)

    @classmethod
    def _calibrated(
        cls, specs, config, binnings, arrays, reference_rows, bank_size=None
    ) -> Monitor:
        """The monitor with thresholds for its run lengths R: log(R·M), or
        e^h − h − 1 = R·M_eff when calibrated by simulation."""
        warning, drift = config.warning_run_length, config.drift_run_length
        if config.calibration == "bound":
            bank_size = max(len(arrays["alt_col"]), 1)
            h_warn, h_drift = math.log(warning * bank_size), math.log(drift * bank_size)
        else:
            if bank_size is None:
                bank_size = _simulated_bank_size(arrays, reference_rows, config)
            h_warn, h_drift = threshold(warning, bank_size), threshold(drift, bank_size)
        thresholds = (h_warn, h_drift, math.log(drift))
        monitor = cls(
            specs, config, binnings, arrays, thresholds, reference_rows, bank_size
        )
        # A fresh state: every CUSUM at its floor.
        monitor._a["cusum"][:] = monitor._floor
        return monitor

    def recalibrated(
        self,
        drift_run_length: float,
        warning_run_length: float,
        calibration: str | None = None,
    ) -> Monitor:
        """The same fitted monitor promising other run lengths, in state ok.

        Bins and alternatives do not depend on the run lengths, only the
        thresholds do, so comparing several false-alarm rates on one
        reference needs a single fit (and a single simulation).
        """
        config = replace(
            self.config,
            drift_run_length=drift_run_length,
            warning_run_length=warning_run_length,
            calibration=calibration or self.config.calibration,
        )
        same = config.calibration == self.config.calibration
        return self._calibrated(
            self.specs, config, self._binnings, _assemble_state(self._a),
            self._reference_rows, self._bank_size if same else None,
        )  # fmt: skip

    @property
    def status(self) -> str:
        return _STATUS[self._a["istate"][_kernel.I_STATUS]]

    @property
    def score(self) -> float:
        cusum = self._a["cusum"]
        return float(cusum.max()) if len(cusum) else 0.0

    @property
    def warning_threshold(self) -> float:
        return self._h_warn

    @property
    def drift_threshold(self) -> float:
        return self._h_drift

    @property
    def enough_data(self) -> bool:
        return self._last_rows_used > 0

    @property
    def rows_seen(self) -> int:
        """Rows given to `update` since the fit."""
        return int(self._a["istate"][_kernel.I_ROWS])

    @property
    def n_alternatives(self) -> int:
        """Size M of the bank that shares the false-alarm budget."""
        return len(self._a["alt_col"])

    @property
    def effective_alternatives(self) -> float:
        """The m of the thresholds log(R·m): M, or the bank's effective
        size when calibrated by simulation."""
        return float(self._bank_size)

    def update(self, batch: Mapping[str, np.ndarray]) -> list[Transition]:
        """Monitor the rows of `batch`, in order; return the status changes.

        Rows go a chunk and a column at a time while the status holds
        (`_kernel.run_by_column`); a chunk where it changes goes a row at a
        time (`_kernel.run`), the same states either way.
        """
        codes = self._codes_by_column(batch)
        self._last_rows_used = int((codes >= 0).any(axis=0).sum())
        a, k = self._a, self._kernel
        # The CUSUMs in the kernel's padded layout, for this batch.
        at = k["at"]
        cusum = np.zeros(len(k["alt_col"]))
        zero_at = np.zeros(len(cusum), dtype=np.int64)
        cusum[at], zero_at[at] = a["cusum"], a["zero_at"]
        state = (cusum, zero_at, a["seen"], a["rec_ratio"], a["istate"], a["fstate"])

        transitions, row, n_rows = [], 0, codes.shape[1]
        if self._in_threads(codes, state):
            row = n_rows
        while row < n_rows:
            changed, row = _kernel.run_by_column(
                codes, row, _CHUNK, k["lr_t"], k["col_start"],
                self._h_warn, self._h_drift, self._h_off, k["floor"], *state,
            )  # fmt: skip
            if changed < row:
                rows = codes.T[changed:row]
                transitions += self._update_by_row(rows, changed, state)
        a["cusum"][:], a["zero_at"][:] = cusum[at], zero_at[at]
        return transitions

    def _in_threads(self, codes, state) -> bool:
        """The whole batch at once, its columns shared among threads; False,
        with the state as it was, when the status changes in it (the chunks
        then find where) or the batch is too small to share."""
        groups = self._column_groups()
        n_rows = codes.shape[1]
        if len(groups) < 2 or n_rows < _THREADED_ROWS:
            return False
        cusum, zero_at, seen, rec_ratio, istate, fstate = state
        saved = [array.copy() for array in (cusum, zero_at, seen, fstate)]
        status = int(istate[_kernel.I_STATUS])
        cap, t1, t2 = _kernel.thresholds(status, self._h_warn, self._h_drift)
        k = self._kernel
        counts = np.zeros((len(groups), 2, n_rows), dtype=np.int64)

        def run(i):
            _kernel.columns_rows(
                codes, groups[i], 0, n_rows, k["lr_t"], k["col_start"],
                k["floor"], cap, t1, t2, cusum, zero_at, seen, *counts[i],
            )  # fmt: skip

        list(_threads.pool().map(run, range(len(groups))))
        n1, n2 = counts.sum(axis=0)
        if _kernel.status_holds(codes, 0, n_rows, status, n1, n2, self._h_off,
                                rec_ratio, istate, fstate):  # fmt: skip
            istate[_kernel.I_ROWS] += n_rows
            return True
        for array, values in zip((cusum, zero_at, seen, fstate), saved):
            array[...] = values
        return False

    def _column_groups(self) -> list[np.ndarray]:
        """The columns split among the engine's threads by their
        alternatives (`_threads.column_groups`), worked out once."""
        if self._groups is None:
            sizes = np.diff(self._kernel["col_start"])
            self._groups = _threads.column_groups(sizes)
        return self._groups

    def _update_by_row(self, codes, offset, state) -> list[Transition]:
        """Rows of `codes` one at a time; events at `offset` + their row."""
        k = self._kernel
        buffers = [
            np.empty(_EVENT_BUFFER, dtype)
            for dtype in (np.int64, np.int64, np.float64, np.int64, np.float64)
        ]
        transitions, row = [], 0
        while row < len(codes):
            n_ev, row = _kernel.run(
                codes, row, k["lr_t"], k["direction"], k["slope"], k["offset"],
                k["alt_col"], k["col_start"], self._a["p0"], self._a["n_bins"],
                self._h_warn, self._h_drift, self._h_off, k["floor"], *state,
                *buffers,
            )  # fmt: skip
            rows, codes_, scores, cols, kls = buffers
            transitions += [
                self._transition(offset + rows[i], codes_[i], scores[i], cols[i],
                                 kls[i])
                for i in range(n_ev)
            ]  # fmt: skip
        return transitions

    def encode(self, batch: Mapping[str, np.ndarray]) -> np.ndarray:
        """Bin codes of a batch, shape (rows, columns), -1 for missing."""
        return self._codes_by_column(batch).T

    def _codes_by_column(self, batch: Mapping[str, np.ndarray]) -> np.ndarray:
        """Bin codes of a batch, shape (columns, rows): each column's codes
        contiguous, as the kernel reads them."""
        missing = [spec.name for spec in self.specs if spec.name not in batch]
        if missing:
            raise ValueError(f"batch lacks monitored columns {missing}")
        values = [batch[spec.name] for spec in self.specs]
        rows = {len(v) if _is_vector(v) else -1 for v in values}
        if len(rows) == 1 and -1 not in rows:
            # Each column's codes go straight into the kernel's matrix: no
            # per-column vectors to stack and copy.
            codes = np.empty((len(values), rows.pop()), dtype=np.int32)

            def write(columns):
                for col in columns:
                    self._binnings[col].write_codes(values[col], codes[col])

            groups = self._column_groups()
            if len(groups) > 1 and codes.shape[1] >= _THREADED_ROWS:
                list(_threads.pool().map(write, groups))
            else:
                write(range(len(values)))
            return codes

        columns = [b.codes(v) for b, v in zip(self._binnings, values)]
        if len({len(c) for c in columns}) > 1:
            raise ValueError("batch columns differ in length")
        return np.ascontiguousarray(np.stack(columns), dtype=np.int32)

    def _transition(self, row, code, score, col, kl) -> Transition:
        event = _EVENT[code]
        severity = None
        if event == "drift_on":
            low, high = self.config.severity_cutoffs
            severity = "low" if kl < low else "medium" if kl < high else "high"
        return Transition(
            index=int(row),
            event=event,
            status=_STATUS_AFTER[code],
            severity=severity,
            score=float(score),
            signal=self.specs[col].name if col >= 0 else None,
        )

    def to_bytes(self) -> bytes:
        """The fitted monitor and its state as an .npz archive (no pickle)."""
        header = {
            "format": _FORMAT,
            "config": self.config.to_dict(),
            "specs": [[s.name, s.kind] for s in self.specs],
            "binnings": [b.to_meta() for b in self._binnings],
            "thresholds": [self._h_warn, self._h_drift, self._h_off],
            "bank_size": self._bank_size,
        }
        if self._reference_rows is not None:
            header["reference_rows"] = [int(n) for n in self._reference_rows]
        cuts = {
            f"cuts_{i}": b.cuts
            for i, b in enumerate(self._binnings)
            if b.kind == "numeric"
        }
        buffer = io.BytesIO()
        np.savez_compressed(buffer, header=_json_array(header), **cuts, **self._a)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Monitor:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            header = json.loads(data["header"].tobytes())
            if header["format"] not in (1, _FORMAT):
                raise ValueError(f"unknown monitor format {header['format']}")
            binnings = [
                binning_from_meta(meta, data.get(f"cuts_{i}", np.empty(0)))
                for i, meta in enumerate(header["binnings"])
            ]
            if header["format"] == 1:
                arrays = _from_format_1(data)
            else:
                names = (*_MODEL, _SIZES, *_STATE)
                arrays = {n: data[n].copy() for n in names if n in data}
        specs = [ColumnSpec(name, kind) for name, kind in header["specs"]]
        config = DetectorConfig.from_dict(header["config"])
        rows = header.get("reference_rows")
        return cls(
            specs, config, binnings, arrays, tuple(header["thresholds"]),
            np.array(rows, dtype=np.int64) if rows is not None else None,
            header.get("bank_size"),
        )  # fmt: skip


def _assemble(banks, p0s) -> dict[str, np.ndarray]:
    """Stack the columns' banks into the kernel's arrays and a fresh state."""
    k_max = max(len(p0) for p0 in p0s)
    n_alt = sum(len(bank.kl) for bank in banks)

    def padded(rows_per_column):
        out = np.zeros((sum(len(r) for r in rows_per_column), k_max))
        at = 0
        for rows in rows_per_column:
            out[at : at + len(rows), : rows.shape[1]] = rows
            at += len(rows)
        return out

    sizes = [len(bank.kl) for bank in banks]
    return {
        "log_ratio": padded([bank.log_ratio for bank in banks]),
        "direction": padded([bank.direction for bank in banks]),
        "alt_col": np.repeat(np.arange(len(banks)), sizes).astype(np.int64),
        "col_start": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        "p0": padded([p0[None, :] for p0 in p0s]),
        "n_bins": np.array([len(p0) for p0 in p0s], dtype=np.int64),
        _SIZES: np.concatenate([bank.kl for bank in banks]).astype(np.float64),
        "cusum": np.zeros(n_alt),
        "zero_at": np.zeros(n_alt, dtype=np.int64),
        "seen": np.zeros(len(banks), dtype=np.int64),
        "rec_ratio": np.zeros(k_max),
        "istate": np.zeros(3, dtype=np.int64),
        "fstate": np.zeros(1),
    }


def _assemble_state(a) -> dict[str, np.ndarray]:
    """The model arrays of `a` with a fresh state."""
    fresh = {name: a[name] for name in _MODEL + (_SIZES,) if name in a}
    fresh.update(
        cusum=np.zeros_like(a["cusum"]),
        zero_at=np.zeros_like(a["zero_at"]),
        seen=np.zeros_like(a["seen"]),
        rec_ratio=np.zeros_like(a["rec_ratio"]),
        istate=np.zeros_like(a["istate"]),
        fstate=np.zeros_like(a["fstate"]),
    )
    return fresh


def _simulated_bank_size(arrays, reference_rows, config) -> float:
    if reference_rows is None or _SIZES not in arrays:
        raise ValueError(
            "this monitor was stored without its reference sizes; "
            "fit it again to calibrate it by simulation"
        )
    return effective_alternatives(
        np.ascontiguousarray(arrays["log_ratio"].T),
        floors(arrays, config),
        arrays["col_start"], arrays["p0"], arrays["n_bins"],
        reference_rows, config.smoothing,
    )  # fmt: skip


def floors(arrays, config) -> np.ndarray:
    """Where each CUSUM restarts: 0 for thresholds by the bound;
    −log(κ/κ_min) when calibrated by simulation, so that an alternative of
    size κ alarms at h + log(κ/κ_min) (see `calibration.py`)."""
    kl = arrays.get(_SIZES)
    if config.calibration == "bound" or kl is None or len(kl) == 0:
        return np.zeros(len(arrays["alt_col"]))
    return -np.log(kl / kl.min())


def _kernel_layout(a, floor) -> dict[str, np.ndarray]:
    """The kernel's arrays, computed from the stored ones.

    Each column's alternatives are padded with idle ones to a multiple of
    `_LANES`: the kernel's loop over a column's alternatives is vectorised,
    and a count that is not a multiple of the vector width leaves a
    remainder done a lane at a time (a numeric column has 20). An idle
    alternative gains −1 on every bin and restarts at 0, so it stays at 0:
    it never reaches a threshold nor becomes the largest (which must be
    above 0). `at` holds each stored alternative's place among the padded.

    `lr_t` holds the increments bins-first, so the alternatives of one bin
    are contiguous. Every increment is affine in its direction,
    log_ratio = slope·direction + offset (θ and −log Z − η of the tilt);
    the two coefficients come back by least squares over the column's bins.
    """
    k = a["n_bins"][a["alt_col"]][:, None]
    used = np.arange(a["log_ratio"].shape[1])[None, :] < k
    g = np.where(used, a["direction"], 0.0)
    z = np.where(used, a["log_ratio"], 0.0)
    g_mean, z_mean = g.sum(axis=1) / k[:, 0], z.sum(axis=1) / k[:, 0]
    gc = np.where(used, g - g_mean[:, None], 0.0)
    zc = np.where(used, z - z_mean[:, None], 0.0)
    spread = (gc * gc).sum(axis=1)
    slope = (gc * zc).sum(axis=1) / np.where(spread > 0, spread, 1.0)
    offset = z_mean - slope * g_mean

    sizes = np.diff(a["col_start"])
    padded = -(-sizes // _LANES) * _LANES
    col_start = np.concatenate([[0], np.cumsum(padded)]).astype(np.int64)
    at = np.concatenate(
        [start + np.arange(n) for start, n in zip(col_start, sizes)]
        or [np.empty(0, dtype=np.int64)]
    ).astype(np.int64)
    n_padded = int(col_start[-1])

    def spread_out(values, idle):
        out = np.full((n_padded, *values.shape[1:]), idle, dtype=values.dtype)
        out[at] = values
        return out

    return {
        "at": at,
        "col_start": col_start,
        "alt_col": np.repeat(np.arange(len(sizes)), padded).astype(np.int64),
        "lr_t": np.ascontiguousarray(spread_out(a["log_ratio"], -1.0).T),
        "direction": spread_out(a["direction"], 0.0),
        "slope": spread_out(slope, 1.0),
        "offset": spread_out(offset, 0.0),
        "floor": spread_out(np.asarray(floor, dtype=np.float64), 0.0),
    }


def _from_format_1(data) -> dict[str, np.ndarray]:
    """Arrays of a monitor stored before runs were tracked by `zero_at`.

    Format 1 kept each CUSUM's run as bin counts; only their total is
    needed now, and `seen` may start anywhere, so it starts at 0 and the
    run lengths become negative `zero_at`.
    """
    arrays = {name: data[name].copy() for name in _MODEL}
    for name in ("cusum", "rec_ratio", "istate", "fstate"):
        arrays[name] = data[name].copy()
    arrays["zero_at"] = -data["run_rows"].astype(np.int64)
    arrays["seen"] = np.zeros(len(arrays["n_bins"]), dtype=np.int64)
    return arrays


def _is_vector(values) -> bool:
    """A 1-D array, the form whose codes `encode` writes in place; lists,
    scalars and other shapes take the general path."""
    return isinstance(values, np.ndarray) and values.ndim == 1


def _json_array(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8)
