"""The rows a monitor gets from a batch: ids, times and arrays, in time order."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ml3_platform.ingest.schema import id_column, time_column
from ml3_platform.monitoring import ColumnSpec
from ml3_platform.pipeline.signals import engine_array
from ml3_platform_sdk.models import ColumnInfo


@dataclass
class Rows:
    """A monitor's input rows in timestamp order."""

    ids: np.ndarray
    times: np.ndarray
    arrays: dict[str, np.ndarray]

    @classmethod
    def of(cls, table: pa.Table, columns: list[ColumnInfo], specs: list[ColumnSpec]):
        """The columns named by ``specs``, as the engine reads them."""
        return cls.derived(
            table,
            columns,
            lambda ordered: {
                spec.name: engine_array(ordered.column(spec.name), spec.kind)
                for spec in specs
            },
        )

    @classmethod
    def of_signals(cls, table: pa.Table, columns: list[ColumnInfo], plan):
        """The signals of a `SignalPlan`."""
        return cls.derived(table, columns, plan.arrays)

    @classmethod
    def derived(
        cls,
        table: pa.Table,
        columns: list[ColumnInfo],
        arrays: Callable[[pa.Table], dict[str, np.ndarray]],
    ):
        time_name = time_column(columns).name
        ordered = table.sort_by([(time_name, "ascending")])
        return cls(
            ids=ordered.column(id_column(columns).name).to_numpy(zero_copy_only=False),
            times=ordered.column(time_name).to_numpy(),
            arrays=arrays(ordered),
        )
