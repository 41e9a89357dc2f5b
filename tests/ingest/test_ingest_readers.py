"""Readers of CSV, JSON and Parquet files."""

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ml3_platform.ingest.errors import IngestError
from ml3_platform.ingest.readers import read_table

ROWS = [
    {"id": "007", "time": 1.5, "x": 2.0},
    {"id": "008", "time": 2.5, "x": None},
]


def test_csv_cells_stay_text(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("id,time,x\n007,1.5,2.0\n008,2.5,\n")

    table = read_table(path, "csv")

    assert table.column("id").to_pylist() == ["007", "008"]
    assert table.column("time").to_pylist() == ["1.5", "2.5"]
    assert table.column("x").to_pylist() == ["2.0", None]


def test_json_array_of_records(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(ROWS))

    table = read_table(path, "json")

    assert table.column("id").to_pylist() == ["007", "008"]
    assert table.column("x").to_pylist() == [2.0, None]


def test_json_must_be_an_array():
    source = io.BytesIO(json.dumps(ROWS[0]).encode())

    with pytest.raises(IngestError, match="array of records"):
        read_table(source, "json", "one.json")


def test_parquet_from_a_file_object():
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(ROWS), buffer)
    buffer.seek(0)

    table = read_table(buffer, "parquet", "data.parquet")

    assert table.to_pylist() == ROWS


def test_unreadable_file_is_named():
    source = io.BytesIO(b"not parquet at all")

    with pytest.raises(IngestError, match="'bad.parquet' could not be read"):
        read_table(source, "parquet", "bad.parquet")


def test_header_only_has_no_rows():
    with pytest.raises(IngestError, match="has no data rows"):
        read_table(io.BytesIO(b"id,time\n"), "csv", "empty.csv")


def test_unsupported_type():
    with pytest.raises(IngestError, match="npy files are not supported"):
        read_table(io.BytesIO(b""), "npy", "x.npy")
