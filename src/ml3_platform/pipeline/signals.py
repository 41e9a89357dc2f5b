"""The per-sample signals that the input monitors watch, by column type.

The engine watches numeric and categorical columns; every input column is
turned into such signals here (platform-behaviour §5):

- float and categorical columns are their own signal (string columns of a
  tabular task count as categories);
- text columns (text and RAG tasks) give their length in characters, with
  the metric ``text_length``;
- an embedding (``array_1``) gives its projections on the first principal
  axes of the reference and its Euclidean norm. A shift of the embeddings'
  mean or spread along the directions where the reference varies most shows
  in the projections, a change of scale in the norm; projecting on a few
  fixed reference axes is the dimension reduction that Rabanser, Günnemann
  and Lipton ("Failing loudly", NeurIPS 2019) found to work best before
  univariate tests;
- an image (``array_3``) gives its brightness and contrast
  (`ml3_platform.ingest.structures`), each its own ``feature`` monitor with
  the statistic as specification (decisions, "Per-feature and
  image-statistic events").

A `SignalPlan` is fitted on the reference (the principal axes) and kept in
the state of the joint input monitor, so production batches are projected
on the same axes.
"""

import io
import json
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ml3_platform.ingest.schema import input_columns
from ml3_platform.ingest.structures import IMAGE_STATISTICS, statistic_column
from ml3_platform.monitoring import ColumnSpec, Monitor
from ml3_platform_sdk.enums import DataStructure, DataType
from ml3_platform_sdk.models import ColumnInfo

FEATURE_METRIC, TEXT_LENGTH_METRIC = "feature", "text_length"
# Principal axes per embedding: enough for the main directions of a shift,
# few enough that the joint monitor's false-alarm budget is not spread thin.
N_AXES = 3
_TEXT_STRUCTURES = {DataStructure.TEXT.value}


@dataclass(frozen=True)
class Signal:
    """One monitored array, derived from the input column ``source``.

    ``group`` is the specification of the per-feature monitor it belongs to
    and ``metric`` the metric of that monitor's events.
    """

    name: str
    kind: str
    source: str
    derivation: str  # "value" | "text_length" | "projection" | "norm" | "stored"
    group: str
    metric: str = FEATURE_METRIC
    axis: int = -1


class SignalPlan:
    """How a task's stored input tables become the monitors' arrays."""

    def __init__(self, signals: list[Signal], axes: dict[str, tuple]) -> None:
        self.signals = signals
        # Embedding column -> (reference mean, principal axes as rows).
        self.axes = axes

    @classmethod
    def fit(
        cls, columns: list[ColumnInfo], structure: str, reference: pa.Table
    ) -> "SignalPlan":
        signals, axes = [], {}
        for column in input_columns(columns):
            name, data_type = column.name, column.data_type
            if data_type == DataType.FLOAT:
                signals.append(Signal(name, "numeric", name, "value", name))
            elif data_type == DataType.STRING and structure in _TEXT_STRUCTURES:
                signals.append(
                    Signal(
                        f"{name}:{TEXT_LENGTH_METRIC}", "numeric", name,
                        TEXT_LENGTH_METRIC, name, TEXT_LENGTH_METRIC,
                    )
                )  # fmt: skip
            elif data_type in (DataType.CATEGORICAL, DataType.STRING):
                signals.append(Signal(name, "categorical", name, "value", name))
            elif data_type == DataType.ARRAY_1:
                mean, components = _principal_axes(vectors(reference.column(name)))
                axes[name] = (mean, components)
                for axis in range(len(components)):
                    signals.append(
                        Signal(f"{name}:pc{axis + 1}", "numeric", name,
                               "projection", name, axis=axis)
                    )  # fmt: skip
                signals.append(Signal(f"{name}:norm", "numeric", name, "norm", name))
            elif data_type == DataType.ARRAY_3:
                for statistic in IMAGE_STATISTICS:
                    stored = statistic_column(name, statistic)
                    signals.append(
                        Signal(stored, "numeric", stored, "stored", statistic)
                    )
        return cls(signals, axes)

    def specs(self, group: str | None = None) -> list[ColumnSpec]:
        return [
            ColumnSpec(signal.name, signal.kind)
            for signal in self.signals
            if group is None or signal.group == group
        ]

    def groups(self) -> dict[str, str]:
        """Each per-feature monitor's specification and its metric."""
        return {signal.group: signal.metric for signal in self.signals}

    def arrays(self, table: pa.Table) -> dict[str, np.ndarray]:
        """The signals of ``table``'s rows, in its row order."""
        out: dict[str, np.ndarray] = {}
        projected: dict[str, np.ndarray] = {}
        for signal in self.signals:
            column = table.column(signal.source)
            if signal.derivation in ("value", "stored"):
                out[signal.name] = engine_array(column, signal.kind)
            elif signal.derivation == TEXT_LENGTH_METRIC:
                lengths = pc.utf8_length(column.cast(pa.large_string()))
                out[signal.name] = engine_array(lengths, "numeric")
            else:
                if signal.source not in projected:
                    projected[signal.source] = vectors(column)
                values = projected[signal.source]
                if signal.derivation == "norm":
                    out[signal.name] = np.linalg.norm(values, axis=1)
                else:
                    mean, components = self.axes[signal.source]
                    out[signal.name] = (values - mean) @ components[signal.axis]
        return out

    def to_bytes(self) -> bytes:
        header = {"signals": [asdict(signal) for signal in self.signals]}
        arrays = {}
        for i, (name, (mean, components)) in enumerate(self.axes.items()):
            header.setdefault("axes", []).append(name)
            arrays[f"mean_{i}"], arrays[f"axes_{i}"] = mean, components
        return pack(header, arrays)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "SignalPlan":
        header, arrays = unpack(blob)
        signals = [Signal(**signal) for signal in header["signals"]]
        axes = {
            name: (arrays[f"mean_{i}"], arrays[f"axes_{i}"])
            for i, name in enumerate(header.get("axes", []))
        }
        return cls(signals, axes)


def vectors(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A list<float> column as a (rows, dims) float64 array; NaN rows for
    missing arrays."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    present = ~np.isnan(lengths.astype(np.float64))
    dims = int(lengths[present][0]) if present.any() else 0
    flat = pc.list_flatten(column).to_numpy(zero_copy_only=False)
    out = np.full((len(column), dims), np.nan)
    out[present] = flat.astype(np.float64).reshape(-1, dims)
    return out


def _principal_axes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean and the first `N_AXES` principal axes of the rows."""
    values = values[~np.isnan(values).any(axis=1)]
    mean = values.mean(axis=0)
    # Right singular vectors of the centred data are the principal axes.
    _, _, rows = np.linalg.svd(values - mean, full_matrices=False)
    return mean, rows[: min(N_AXES, len(rows))].copy()


def engine_array(column, kind: str) -> np.ndarray:
    """The engine's arrays: float64 with NaN, or objects with None."""
    if kind == "numeric":
        filled = pc.fill_null(column.cast(pa.float64()), np.nan)
        return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.float64)
    return column.to_numpy(zero_copy_only=False).astype(object)


def pack(header: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """A JSON header and named arrays as one .npz blob (no pickle)."""
    buffer = io.BytesIO()
    encoded = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez_compressed(buffer, header=encoded, **arrays)
    return buffer.getvalue()


def unpack(blob: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        header = json.loads(data["header"].tobytes())
        arrays = {name: data[name].copy() for name in data.files if name != "header"}
    return header, arrays


class Planned:
    """A `Monitor` kept together with what derives its arrays.

    ``extras`` are opaque blobs (a `SignalPlan`, a concept model) that the
    pipeline needs to turn stored rows into the monitor's arrays; they are
    saved in the same monitor state, so they always match the monitor.
    """

    def __init__(self, monitor: Monitor, extras: dict[str, bytes]) -> None:
        self.monitor = monitor
        self.extras = extras

    status = property(lambda self: self.monitor.status)
    score = property(lambda self: self.monitor.score)
    warning_threshold = property(lambda self: self.monitor.warning_threshold)
    drift_threshold = property(lambda self: self.monitor.drift_threshold)

    def update(self, batch):
        return self.monitor.update(batch)

    def to_bytes(self) -> bytes:
        arrays = {"monitor": np.frombuffer(self.monitor.to_bytes(), np.uint8)}
        for name, blob in self.extras.items():
            arrays[f"extra_{name}"] = np.frombuffer(blob, np.uint8)
        return pack({"kind": "planned"}, arrays)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Planned":
        _, arrays = unpack(blob)
        monitor = Monitor.from_bytes(arrays.pop("monitor").tobytes())
        extras = {
            name.removeprefix("extra_"): value.tobytes()
            for name, value in arrays.items()
        }
        return cls(monitor, extras)
