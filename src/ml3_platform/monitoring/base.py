"""The contract every detector of the engine keeps.

A detector is fitted (or fits itself), then takes batches of rows in order
and returns the status changes they caused. `update` changes state; the
verdict is read from `status`, `score` and the thresholds. The state
round-trips through `to_bytes` / `from_bytes` without pickle, and a stream
cut into other batches gives the same transitions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

import numpy as np

from .config import Transition


class Detector(ABC):
    """Arrays in, status changes out."""

    @abstractmethod
    def update(self, batch: Mapping[str, np.ndarray]) -> list[Transition]:
        """Monitor the rows of `batch`, in order; return the status changes."""

    @property
    @abstractmethod
    def status(self) -> str:
        """`not_initialized`, `ok`, `warning` or `drift`."""

    @property
    @abstractmethod
    def score(self) -> float:
        """The statistic compared with the thresholds, after the last row."""

    @property
    @abstractmethod
    def warning_threshold(self) -> float: ...

    @property
    @abstractmethod
    def drift_threshold(self) -> float: ...

    @property
    @abstractmethod
    def enough_data(self) -> bool:
        """False when the last batch held no usable value ("not enough
        data"): the status is then unchanged, never NaN."""

    @abstractmethod
    def to_bytes(self) -> bytes: ...

    @classmethod
    @abstractmethod
    def from_bytes(cls, blob: bytes) -> Detector: ...
