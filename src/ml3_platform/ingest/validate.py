"""Validation of one file against the columns of its category.

Everything here works on whole columns (Polars expressions); the only
per-row Python is formatting the one value that goes into an error message.
A validated table has the schema's column names in the schema's order: the id
as text, the time as float64 Unix seconds, floats as float64 (missing values
as nulls), strings and categories as text.
"""

from collections.abc import Sequence
from typing import Any, NamedTuple

import polars as pl
import pyarrow as pa

from ml3_platform.ingest.errors import IngestError
from ml3_platform_sdk.enums import ColumnRole, DataType
from ml3_platform_sdk.models import ColumnInfo

# ISO-8601 text is rewritten into this one form before it is parsed, so that
# a file may mix "2024-01-02", "2024-01-02 10:00" and "...T10:00:00.5+02:00".
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%:z"
_ISO_REWRITES = (
    (r"^(\d{4}-\d{2}-\d{2})[ T]", "${1}T"),
    (r"^(\d{4}-\d{2}-\d{2})$", "${1}T00:00:00"),
    (r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})([^:\d]|$)", "${1}:00${2}"),
    (r"[zZ]$", "+00:00"),
    (r"([+-]\d{2})(\d{2})$", "${1}:${2}"),
    (r"([+-]\d{2})$", "${1}:00"),
)
_HAS_OFFSET = r"[+-]\d{2}:\d{2}$"
# Detection events keep the id of their sample (``detection_events.sample_id``).
SAMPLE_ID_MAX_LENGTH = 300
_NUMBER = r"\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*"
_JSON_VECTOR = rf"^\s*\[({_NUMBER}(,{_NUMBER})*)?\]\s*$"


class _RowNames(NamedTuple):
    """What names an offending row in a message, beside its number."""

    label: str
    values: pl.Series


def validate_table(
    table: pa.Table, columns: Sequence[ColumnInfo], *, rows_named_by: str | None = None
) -> pa.Table:
    """Check ``table`` against ``columns`` and return it normalised.

    Raises `IngestError` naming the column and the first offending row
    (1-based, counting data rows only) for the first problem found. The row
    is named by its sample id, or by its value of the column
    ``rows_named_by``, as the file has it: KPI files name rows by their
    timestamp, since their sample ids, when the file has none, are only
    row numbers.
    """
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    _check_names(frame.columns, columns)

    id_info = next(column for column in columns if column.role == ColumnRole.ID)
    ids = _converted(frame[id_info.name], id_info, names=None)
    _check_unique(ids, id_info.name)
    names = _RowNames("sample id", ids)
    if rows_named_by is not None:
        names = _RowNames(rows_named_by, frame[rows_named_by])

    result = {id_info.name: ids}
    for column in columns:
        if column.role != ColumnRole.ID:
            # A bad value of the naming column would name its row by itself.
            own = None if column.name == rows_named_by else names
            result[column.name] = _converted(frame[column.name], column, own)
    return pl.DataFrame(result).to_arrow(compat_level=pl.CompatLevel.oldest())


def _check_names(found: list[str], columns: Sequence[ColumnInfo]) -> None:
    expected = [column.name for column in columns]
    missing = [name for name in expected if name not in found]
    if missing:
        raise IngestError(f"{_names(missing)} missing")
    extra = [name for name in found if name not in expected]
    if extra:
        raise IngestError(
            f"{_names(extra)} not in the schema for this data "
            f"(expected {', '.join(repr(name) for name in expected)})"
        )


def _names(names: list[str]) -> str:
    if len(names) == 1:
        return f"column '{names[0]}' is"
    return "columns " + ", ".join(f"'{name}'" for name in names) + " are"


def _check_unique(ids: pl.Series, name: str) -> None:
    row = _first(~ids.is_first_distinct())
    if row is None:
        return
    first = _first(ids == ids[row])
    raise IngestError(
        f"column '{name}': sample id '{ids[row]}' in row {row + 1} "
        f"repeats row {first + 1}; sample ids must be unique"
    )


def _converted(
    original: pl.Series, column: ColumnInfo, names: _RowNames | None
) -> pl.Series:
    """``original`` as the column's type, after every check of its values."""
    role, data_type = column.role, column.data_type
    if isinstance(original.dtype, pl.Categorical | pl.Enum):
        # Dictionary-encoded text (pandas' "category" in Parquet): its values.
        original = original.cast(pl.String)
    if role == ColumnRole.ID:
        values, kind = _as_text(original, is_id=True), "a text sample id"
    elif role == ColumnRole.TIME_ID:
        values, kind = _as_timestamp(original), "a timestamp (Unix seconds or ISO-8601)"
    elif data_type == DataType.FLOAT:
        values, kind = _as_float(original), "a float"
    elif data_type == DataType.STRING:
        values, kind = _as_text(original, is_id=False), "a string"
    elif data_type == DataType.CATEGORICAL:
        values, kind = _as_category(original, column.possible_values), "a category"
    elif data_type == DataType.ARRAY_1:
        values, kind = _as_vector(original), "an array of numbers"
    else:
        raise IngestError(
            f"column '{column.name}': {data_type.value} columns are not supported "
            "in tabular files yet"
        )

    present = ~_missing(original)
    row = _first(present & values.is_null())
    if row is not None:
        raise IngestError(
            f"column '{column.name}': value {_shown(original[row])} in "
            f"{_where(row, names)} is not {kind}"
        )

    nullable = column.is_nullable and role not in (ColumnRole.ID, ColumnRole.TIME_ID)
    if not nullable:
        row = _first(values.is_null())
        if row is not None:
            raise IngestError(
                f"column '{column.name}': missing value in {_where(row, names)}; "
                "the column is not nullable"
            )

    if role == ColumnRole.ID:
        _check_id_length(values, column)
    if data_type == DataType.FLOAT and role != ColumnRole.TIME_ID:
        _check_finite(values, column, names)
    if data_type == DataType.ARRAY_1:
        _check_vector(values, column, names)
    if data_type == DataType.CATEGORICAL and column.possible_values is not None:
        allowed = category_texts(column.possible_values)
        row = _first(values.is_not_null() & ~values.is_in(allowed))
        if row is not None:
            shown = ", ".join(f"'{value}'" for value in allowed)
            raise IngestError(
                f"column '{column.name}': value {_shown(original[row])} in "
                f"{_where(row, names)} is not one of the possible values {shown}"
            )
    return values.rename(column.name)


def _check_id_length(values: pl.Series, column: ColumnInfo) -> None:
    lengths = values.str.len_chars()
    row = _first(lengths > SAMPLE_ID_MAX_LENGTH)
    if row is not None:
        raise IngestError(
            f"column '{column.name}': the sample id in row {row + 1} is "
            f"{lengths[row]} characters long; at most {SAMPLE_ID_MAX_LENGTH} fit"
        )


def _check_finite(values: pl.Series, column: ColumnInfo, names: _RowNames | None):
    """No infinities: the monitors cannot compare them (as in arrays)."""
    row = _first(values.is_infinite())
    if row is not None:
        raise IngestError(
            f"column '{column.name}': value {values[row]} in {_where(row, names)} "
            "is not finite"
        )


def _where(row: int, names: _RowNames | None) -> str:
    value = None if names is None else names.values[row]
    if value is None:
        return f"row {row + 1}"
    shown = f"'{value}'" if isinstance(value, str) else str(value)
    return f"row {row + 1} ({names.label} {shown})"


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _first(mask: pl.Series) -> int | None:
    rows = mask.fill_null(False).arg_true()
    return int(rows[0]) if len(rows) else None


def _missing(series: pl.Series) -> pl.Series:
    """Nulls, NaN, and text that is empty once trimmed."""
    if series.dtype == pl.String:
        return series.is_null() | (series.str.strip_chars() == "")
    if series.dtype.is_float():
        return series.is_null() | series.is_nan()
    return series.is_null()


def _blank_to_null(series: pl.Series) -> pl.Series:
    text = series.str.strip_chars()
    return pl.select(pl.when(text != "").then(text)).to_series()


def _as_float(series: pl.Series) -> pl.Series:
    dtype = series.dtype
    if dtype.is_numeric():
        values = series.cast(pl.Float64)
    elif dtype == pl.String:
        values = _blank_to_null(series).cast(pl.Float64, strict=False)
    else:
        return pl.Series(series.name, [None] * len(series), dtype=pl.Float64)
    # NaN means missing (as in the monitors' arrays); keep one spelling of it.
    return values.fill_nan(None)


def _as_text(series: pl.Series, is_id: bool) -> pl.Series:
    """Text as it is; a sample id may also be an integer, never blank."""
    dtype = series.dtype
    if dtype == pl.String:
        if is_id:
            blank = series.str.strip_chars() == ""
            return pl.select(pl.when(~blank).then(series)).to_series()
        return series
    if dtype.is_integer() or (not is_id and _is_scalar(dtype)):
        return series.cast(pl.String)
    return pl.Series(series.name, [None] * len(series), dtype=pl.String)


def _is_scalar(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Boolean


def category_texts(possible_values: list[str | int | bool]) -> list[str]:
    """Categories are kept as text; ``True`` reads as ``true``."""
    return [
        str(value).lower() if isinstance(value, bool) else str(value)
        for value in possible_values
    ]


def _as_category(
    series: pl.Series, possible_values: list[str | int | bool] | None
) -> pl.Series:
    dtype = series.dtype
    if dtype == pl.String:
        values = _blank_to_null(series)
    elif dtype.is_integer() or dtype == pl.Boolean:
        values = series.cast(pl.String)
    elif dtype.is_float():
        # JSON may write the category 1 as 1.0.
        integral = series.fill_nan(None)
        if (integral.drop_nulls() % 1 == 0).all():
            values = integral.cast(pl.Int64).cast(pl.String)
        else:
            values = integral.cast(pl.String)
    else:
        return pl.Series(series.name, [None] * len(series), dtype=pl.String)

    if possible_values and any(isinstance(value, bool) for value in possible_values):
        lowered = values.str.to_lowercase()
        is_bool = lowered.is_in(["true", "false"])
        values = pl.select(pl.when(is_bool).then(lowered).otherwise(values)).to_series()
    return values


def _as_timestamp(series: pl.Series) -> pl.Series:
    """Unix seconds as float64; ISO-8601 text without an offset is UTC."""
    dtype = series.dtype
    if dtype.is_numeric():
        values = series.cast(pl.Float64)
    elif dtype == pl.Datetime:
        values = _epoch_seconds(series)
    elif dtype == pl.Date:
        values = _epoch_seconds(series.cast(pl.Datetime("us")))
    elif dtype == pl.String:
        text = _blank_to_null(series)
        numbers = text.cast(pl.Float64, strict=False)
        values = numbers.fill_null(_epoch_seconds(_parse_iso(text)))
    else:
        return pl.Series(series.name, [None] * len(series), dtype=pl.Float64)
    return pl.select(pl.when(values.is_finite()).then(values)).to_series()


def _parse_iso(text: pl.Series) -> pl.Series:
    for pattern, replacement in _ISO_REWRITES:
        text = text.str.replace(pattern, replacement)
    with_offset = pl.select(
        pl.when(text.str.contains(_HAS_OFFSET)).then(text).otherwise(text + "+00:00")
    ).to_series()
    return with_offset.str.to_datetime(_ISO_FORMAT, strict=False, time_unit="us")


def _epoch_seconds(series: pl.Series) -> pl.Series:
    # A naive datetime is read as UTC: epoch() counts from 1970-01-01 00:00.
    return series.dt.epoch("us").cast(pl.Float64) / 1e6


def _as_vector(series: pl.Series) -> pl.Series:
    """Arrays as lists of float64: Parquet/JSON lists, or JSON text in CSV.

    A value that is not an array of numbers becomes null, so the caller
    reports it with its row.
    """
    dtype = series.dtype
    if dtype == pl.String:
        text = _blank_to_null(series)
        # Only well-formed arrays reach the JSON parser, which fails whole.
        text = pl.select(pl.when(text.str.contains(_JSON_VECTOR)).then(text))
        series = text.to_series().str.json_decode(pl.List(pl.Float64))
        dtype = series.dtype
    if isinstance(dtype, pl.Array):
        series = series.arr.to_list()
        dtype = series.dtype
    if not isinstance(dtype, pl.List) or not _is_scalar(dtype.inner):
        return pl.Series(series.name, [None] * len(series), dtype=pl.List(pl.Float64))
    return series.cast(pl.List(pl.Float64))


def _check_vector(values: pl.Series, column: ColumnInfo, names: _RowNames | None):
    """Every array has ``dims[0]`` finite numbers (platform-behaviour §3)."""
    size = column.dims[0] if column.dims else None
    lengths = values.list.len()
    if size is not None:
        row = _first(values.is_not_null() & (lengths != size))
        if row is not None:
            raise IngestError(
                f"column '{column.name}': the array in {_where(row, names)} has "
                f"{lengths[row]} values; the schema's dims are ({size},)"
            )
    bad = values.list.eval(~pl.element().is_finite().fill_null(False)).list.any()
    row = _first(values.is_not_null() & bad)
    if row is not None:
        raise IngestError(
            f"column '{column.name}': the array in {_where(row, names)} holds a "
            "missing or infinite value"
        )
