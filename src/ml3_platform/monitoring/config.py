"""Configuration and result types of the detection engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Kind = Literal["numeric", "categorical"]
Status = Literal["not_initialized", "ok", "warning", "drift"]
Event = Literal["warning_on", "warning_off", "drift_on", "drift_off"]
Severity = Literal["low", "medium", "high"]
Calibration = Literal["bound", "simulated"]


@dataclass(frozen=True)
class DetectorConfig:
    """How sensitive a monitor is and what it promises under no change.

    `drift_run_length` and `warning_run_length` are the average numbers of
    rows between false alarms that the thresholds guarantee when production
    follows the reference (see `monitor.py` for the argument).
    `kl_sizes` are the per-sample Kullback–Leibler divergences (nats) of the
    alternatives each column is tested against; a grid with ratio 4 loses at
    most about 17% of the drift rate of a CUSUM tuned to the exact change.
    `reference_confidence` is the probability, over the draw of the
    reference, with which the promise holds despite the reference being a
    sample. `severity_cutoffs` split the estimated KL of a change into low,
    medium and high: 0.05 nats is a 0.3σ mean shift, 0.5 nats a 1σ shift.
    `calibration` chooses how the thresholds keep the run lengths:
    "bound" by Lorden's bound over the whole bank, for any data (see
    `monitor.py`); "simulated" by the bank's effective size measured on
    simulated reference data, lower thresholds and shorter delays (see
    `calibration.py`).
    """

    drift_run_length: float = 1e6
    warning_run_length: float = 1e4
    kl_sizes: tuple[float, ...] = (0.005, 0.02, 0.08, 0.32, 1.28)
    numeric_bins: int = 20
    min_bin_count: int = 50
    max_levels: int = 50
    smoothing: float = 0.5
    reference_confidence: float = 0.99
    severity_cutoffs: tuple[float, float] = (0.05, 0.5)
    calibration: Calibration = "bound"

    def __post_init__(self) -> None:
        if not 1 < self.warning_run_length <= self.drift_run_length:
            raise ValueError("need 1 < warning_run_length <= drift_run_length")
        if not self.kl_sizes or min(self.kl_sizes) <= 0:
            raise ValueError("kl_sizes must be positive")
        if self.numeric_bins < 2 or self.min_bin_count < 1:
            raise ValueError("numeric_bins must be >= 2, min_bin_count >= 1")
        if self.max_levels < 1 or self.smoothing <= 0:
            raise ValueError("max_levels must be >= 1 and smoothing > 0")
        if not 0 < self.reference_confidence < 1:
            raise ValueError("reference_confidence must be in (0, 1)")
        low, high = self.severity_cutoffs
        if not 0 < low < high:
            raise ValueError("severity_cutoffs must be increasing and positive")
        if self.calibration not in ("bound", "simulated"):
            raise ValueError('calibration must be "bound" or "simulated"')

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> DetectorConfig:
        data = dict(data)
        data["kl_sizes"] = tuple(data["kl_sizes"])
        data["severity_cutoffs"] = tuple(data["severity_cutoffs"])
        return cls(**data)


@dataclass(frozen=True)
class ColumnSpec:
    """One monitored column and how its values are compared."""

    name: str
    kind: Kind

    def __post_init__(self) -> None:
        if self.kind not in ("numeric", "categorical"):
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Transition:
    """A status change decided at row `index` of the batch given to `update`.

    `score` is the statistic that crossed its threshold: the monitor's score
    for `warning_on`, `warning_off` and `drift_on`, the recovery statistic
    for `drift_off`. `signal` is the column whose statistic decided it.
    `severity` is set on `drift_on` only.
    """

    index: int
    event: Event
    status: Status
    severity: Severity | None
    score: float
    signal: str | None
