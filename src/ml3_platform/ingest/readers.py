"""Readers of tabular files into Arrow tables.

CSV cells are read as text so that nothing is guessed before validation: a
sample id ``007`` stays ``007``, and a bad number is reported with its row
instead of silently turning the column into text. JSON and Parquet keep the
types the file declares; validation converts them.
"""

import io
import re
from pathlib import Path
from typing import IO

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ml3_platform.ingest.errors import IngestError
from ml3_platform_sdk.enums import FileType

Source = str | Path | IO[bytes]


def read_table(source: Source, file_type: FileType | str, name: str = "") -> pa.Table:
    """Read a CSV, JSON (an array of records) or Parquet file.

    ``name`` is the file's name as the user knows it, for messages.
    """
    label = name or _label(source)
    kind = FileType(file_type) if file_type in _TYPE_VALUES else None
    if kind not in _READERS:
        shown = getattr(file_type, "value", file_type)
        raise IngestError(f"file '{label}': {shown} files are not supported here")
    try:
        table = _READERS[kind](source)
    except IngestError as error:
        raise IngestError(f"file '{label}': {error.message}") from None
    except Exception as error:  # the parsers raise many unrelated types
        # Parsers quote the path they read, which is the server's own.
        reason = str(error)
        if isinstance(source, str | Path):
            reason = reason.replace(str(source), label)
        raise IngestError(
            f"file '{label}' could not be read as {kind.value.upper()}: {reason}"
        ) from error
    if table.num_rows == 0:
        raise IngestError(f"file '{label}' has no data rows")
    return table


def _read_csv(source: Source) -> pa.Table:
    data = source if isinstance(source, str | Path) else source.read()
    frame = pl.read_csv(data, infer_schema=False)
    # Polars renames a repeated header ``x`` to ``x_duplicated_0``.
    for name in frame.columns:
        base = re.fullmatch(r"(.*)_duplicated_\d+", name)
        if base and base[1] in frame.columns:
            raise IngestError(f"column '{base[1]}' appears more than once")
    return frame.to_arrow()


def _read_json(source: Source) -> pa.Table:
    data = _binary(source)
    head = data.lstrip()[:1]
    if head != b"[":
        raise IngestError("a JSON file must hold an array of records")
    if data.strip() == b"[]":
        return pa.table({})
    frame = pl.read_json(io.BytesIO(data), infer_schema_length=None)
    return frame.to_arrow()


def _read_parquet(source: Source) -> pa.Table:
    if isinstance(source, str | Path):
        return pq.read_table(source)
    return pq.read_table(pa.BufferReader(source.read()))


def _binary(source: Source) -> bytes:
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    return source.read()


def _label(source: Source) -> str:
    if isinstance(source, str | Path):
        return Path(source).name
    return str(getattr(source, "name", "upload"))


_TYPE_VALUES = {*FileType, *(kind.value for kind in FileType)}
_READERS = {
    FileType.CSV: _read_csv,
    FileType.JSON: _read_json,
    FileType.PARQUET: _read_parquet,
}
