"""The detection engine: arrays in, status changes out.

A pure library: no SQL, HTTP, files or logging. `Monitor` watches columns
against a reference; `SelfStartingMonitor` takes its reference from the
start of its own stream. See `monitor.py` for the method and its
calibration by Lorden's bound, `calibration.py` for the calibration by
simulation (`DetectorConfig(calibration="simulated")`).
"""

from .base import Detector
from .config import ColumnSpec, DetectorConfig, Transition
from .monitor import Monitor
from .self_starting import SelfStartingMonitor

__all__ = [
    "ColumnSpec",
    "Detector",
    "DetectorConfig",
    "Monitor",
    "SelfStartingMonitor",
    "Transition",
]
