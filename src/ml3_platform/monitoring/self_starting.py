"""A monitor that takes its reference from the start of its own stream."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence

import numpy as np

from .base import Detector
from .config import ColumnSpec, DetectorConfig, Transition
from .monitor import Monitor

_FORMAT = 1


class SelfStartingMonitor(Detector):
    """Buffers `baseline_samples` rows, fits itself on them, then monitors.

    Used where no reference exists (a model's predictions and errors). The
    status is `not_initialized` until the baseline is complete; rows after
    the baseline in the same batch are monitored at once, so batch cuts do
    not matter here either. Indices of transitions are rows of the batch
    given to `update`, baseline rows included.
    """

    def __init__(
        self,
        specs: Sequence[ColumnSpec],
        config: DetectorConfig | None = None,
        baseline_samples: int = 1000,
    ) -> None:
        if baseline_samples < 1:
            raise ValueError("baseline_samples must be at least 1")
        self.specs = tuple(specs)
        self.config = config or DetectorConfig()
        self.baseline_samples = int(baseline_samples)
        self.monitor: Monitor | None = None
        self._buffer: dict[str, list[np.ndarray]] = {s.name: [] for s in specs}
        self._buffered = 0

    @property
    def status(self) -> str:
        return self.monitor.status if self.monitor else "not_initialized"

    @property
    def score(self) -> float:
        return self.monitor.score if self.monitor else 0.0

    @property
    def enough_data(self) -> bool:
        """Before the baseline is complete there is never enough data."""
        return self.monitor.enough_data if self.monitor else False

    @property
    def warning_threshold(self) -> float:
        return self.monitor.warning_threshold if self.monitor else 0.0

    @property
    def drift_threshold(self) -> float:
        return self.monitor.drift_threshold if self.monitor else 0.0

    def update(self, batch: Mapping[str, np.ndarray]) -> list[Transition]:
        if self.monitor is not None:
            return self.monitor.update(batch)

        n_rows = _batch_length(batch, self.specs)
        take = min(self.baseline_samples - self._buffered, n_rows)
        for spec in self.specs:
            self._buffer[spec.name].append(np.asarray(batch[spec.name])[:take])
        self._buffered += take
        if self._buffered < self.baseline_samples:
            return []

        baseline = {name: np.concatenate(parts) for name, parts in self._buffer.items()}
        self.monitor = Monitor.fit(baseline, self.specs, self.config)
        self._buffer = {s.name: [] for s in self.specs}
        rest = {s.name: np.asarray(batch[s.name])[take:] for s in self.specs}
        return [_shifted(t, take) for t in self.monitor.update(rest)]

    def to_bytes(self) -> bytes:
        header = {
            "format": _FORMAT,
            "config": self.config.to_dict(),
            "specs": [[s.name, s.kind] for s in self.specs],
            "baseline_samples": self.baseline_samples,
        }
        arrays = {}
        if self.monitor is not None:
            arrays["monitor"] = np.frombuffer(self.monitor.to_bytes(), np.uint8)
        else:
            # Categorical values go through JSON: no pickled objects.
            buffered = {}
            for spec in self.specs:
                parts = self._buffer[spec.name]
                values = np.concatenate(parts) if parts else np.empty(0)
                if spec.kind == "numeric":
                    arrays[f"buffer_{spec.name}"] = values.astype(np.float64)
                else:
                    buffered[spec.name] = _json_values(values)
            header["buffer"] = buffered
        buffer = io.BytesIO()
        header_bytes = np.frombuffer(json.dumps(header).encode(), np.uint8)
        np.savez_compressed(buffer, header=header_bytes, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> SelfStartingMonitor:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            header = json.loads(data["header"].tobytes())
            if header["format"] != _FORMAT:
                raise ValueError(f"unknown monitor format {header['format']}")
            specs = [ColumnSpec(name, kind) for name, kind in header["specs"]]
            config = DetectorConfig.from_dict(header["config"])
            self = cls(specs, config, header["baseline_samples"])
            if "monitor" in data:
                self.monitor = Monitor.from_bytes(data["monitor"].tobytes())
                return self
            for spec in specs:
                if spec.kind == "numeric":
                    values = data[f"buffer_{spec.name}"].copy()
                else:
                    values = np.array(header["buffer"][spec.name], dtype=object)
                self._buffer[spec.name] = [values]
                self._buffered = len(values)
        return self


def _batch_length(batch, specs) -> int:
    lengths = {len(np.asarray(batch[s.name]).reshape(-1)) for s in specs}
    if len(lengths) > 1:
        raise ValueError("batch columns differ in length")
    return lengths.pop() if lengths else 0


def _json_values(values: np.ndarray) -> list:
    values = np.asarray(values).reshape(-1).tolist()
    return [None if _is_nan(v) else v for v in values]


def _is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _shifted(t: Transition, offset: int) -> Transition:
    return Transition(
        t.index + offset, t.event, t.status, t.severity, t.score, t.signal
    )
