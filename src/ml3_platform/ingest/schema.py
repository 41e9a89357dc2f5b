"""Which columns of a task's data schema make up each category of a batch."""

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from ml3_platform_sdk.enums import ColumnRole
from ml3_platform_sdk.models import ColumnInfo


class Category(StrEnum):
    """A batch file holds one category of data (platform-behaviour §3)."""

    INPUT = "input"
    TARGET = "target"
    PREDICTION = "prediction"


def parse_columns(columns: Iterable[dict[str, Any] | ColumnInfo]) -> list[ColumnInfo]:
    """The schema's columns as stored in ``DataSchema.columns``."""
    return [ColumnInfo.model_validate(column) for column in columns]


def prediction_column_name(model_name: str, version: str) -> str:
    """The prediction column the platform adds for a model version."""
    return f"{model_name}@{version}"


def id_column(columns: list[ColumnInfo]) -> ColumnInfo:
    return _only(columns, ColumnRole.ID)


def time_column(columns: list[ColumnInfo]) -> ColumnInfo:
    return _only(columns, ColumnRole.TIME_ID)


def input_columns(columns: list[ColumnInfo]) -> list[ColumnInfo]:
    return [column for column in columns if column.role == ColumnRole.INPUT]


def target_column(columns: list[ColumnInfo]) -> ColumnInfo | None:
    targets = [column for column in columns if column.role == ColumnRole.TARGET]
    return targets[0] if targets else None


def category_columns(
    columns: list[ColumnInfo],
    category: Category,
    prediction_column: str | None = None,
) -> list[ColumnInfo]:
    """The columns a file of ``category`` must have: id, time, then its own.

    For predictions, ``prediction_column`` names the model version's column.
    """
    own: list[ColumnInfo]
    if category == Category.INPUT:
        own = input_columns(columns)
    elif category == Category.TARGET:
        target = target_column(columns)
        if target is None:
            raise ValueError("the task's schema has no target column")
        own = [target]
    else:
        own = [
            column
            for column in columns
            if column.role == ColumnRole.PREDICTION and column.name == prediction_column
        ]
        if not own:
            own = [_prediction_like_target(columns, prediction_column)]
    return [id_column(columns), time_column(columns), *own]


def _prediction_like_target(
    columns: list[ColumnInfo], prediction_column: str | None
) -> ColumnInfo:
    """A version's prediction column, when the schema does not list it yet.

    It has the target's type and values (platform-behaviour §2).
    """
    target = target_column(columns)
    if target is None or prediction_column is None:
        raise ValueError(f"the task's schema has no column '{prediction_column}'")
    return target.model_copy(
        update={
            "name": prediction_column,
            "role": ColumnRole.PREDICTION,
            "predicted_target": target.name,
            "is_nullable": False,
        }
    )


def _only(columns: list[ColumnInfo], role: ColumnRole) -> ColumnInfo:
    found = [column for column in columns if column.role == role]
    if len(found) != 1:
        raise ValueError(f"the task's schema must have one {role.value} column")
    return found[0]
