"""Validation of a file against its category's columns, message by message."""

import pyarrow as pa
import pytest

from ml3_platform.ingest.errors import IngestError
from ml3_platform.ingest.schema import Category, category_columns, parse_columns
from ml3_platform.ingest.validate import validate_table

SCHEMA = parse_columns(
    [
        {"name": "sid", "role": "id", "is_nullable": False, "data_type": "string"},
        {"name": "ts", "role": "time_id", "is_nullable": False, "data_type": "float"},
        {"name": "age", "role": "input", "is_nullable": False, "data_type": "float"},
        {"name": "note", "role": "input", "is_nullable": True, "data_type": "string"},
        {
            "name": "color",
            "role": "input",
            "is_nullable": True,
            "data_type": "categorical",
            "possible_values": ["red", "green"],
        },
        {
            "name": "label",
            "role": "target",
            "is_nullable": False,
            "data_type": "categorical",
            "possible_values": [0, 1],
        },
    ]
)
INPUTS = category_columns(SCHEMA, Category.INPUT)


def inputs(**changes) -> pa.Table:
    columns = {
        "sid": ["a1", "a2", "a3"],
        "ts": [1.0, 2.0, 3.0],
        "age": ["30", "40.5", "50"],
        "note": ["x", None, "z"],
        "color": ["red", None, "green"],
    }
    columns.update(changes)
    return pa.table({name: v for name, v in columns.items() if v is not None})


def failure(table: pa.Table, columns=INPUTS) -> str:
    with pytest.raises(IngestError) as caught:
        validate_table(table, columns)
    return caught.value.message


def test_valid_file_is_normalised():
    table = validate_table(inputs(), INPUTS)

    assert table.column_names == ["sid", "ts", "age", "note", "color"]
    assert table.schema.field("age").type == pa.float64()
    assert table.column("age").to_pylist() == [30.0, 40.5, 50.0]


def test_wrong_type():
    message = failure(inputs(age=["30", "abc", "50"]))

    assert (
        message == "column 'age': value 'abc' in row 2 (sample id 'a2') is not a float"
    )


def test_missing_column():
    assert failure(inputs(color=None)) == "column 'color' is missing"


def test_extra_columns_are_named():
    message = failure(inputs(shoe=[1, 2, 3], hat=[1, 2, 3]))

    assert message.startswith("columns 'shoe', 'hat' are not in the schema")


def test_duplicate_ids_in_file():
    message = failure(inputs(sid=["a1", "a2", "a1"]))

    assert message == (
        "column 'sid': sample id 'a1' in row 3 repeats row 1; sample ids must be unique"
    )


def test_null_in_non_nullable_column():
    message = failure(inputs(age=["30", "40", None]))

    assert message == (
        "column 'age': missing value in row 3 (sample id 'a3'); "
        "the column is not nullable"
    )


def test_nan_counts_as_missing():
    message = failure(inputs(age=[30.0, float("nan"), 50.0]))

    assert "missing value in row 2 (sample id 'a2')" in message


def test_null_sample_id():
    message = failure(inputs(sid=["a1", None, "a3"]))

    assert message == "column 'sid': missing value in row 2; the column is not nullable"


def test_category_outside_possible_values():
    message = failure(inputs(color=["red", "blue", None]))

    assert message == (
        "column 'color': value 'blue' in row 2 (sample id 'a2') is not one of "
        "the possible values 'red', 'green'"
    )


def test_integer_categories_accept_text_and_numbers():
    target = category_columns(SCHEMA, Category.TARGET)
    table = pa.table({"sid": ["a", "b"], "ts": [1, 2], "label": ["1", "0"]})
    numbers = pa.table({"sid": ["a", "b"], "ts": [1, 2], "label": [1.0, 0.0]})

    assert validate_table(table, target).column("label").to_pylist() == ["1", "0"]
    assert validate_table(numbers, target).column("label").to_pylist() == ["1", "0"]
    assert "value 2 in row 2" in failure(
        pa.table({"sid": ["a", "b"], "ts": [1, 2], "label": [1, 2]}), target
    )


def test_unparseable_timestamp():
    message = failure(inputs(ts=["1.0", "yesterday", "3"]))

    assert message == (
        "column 'ts': value 'yesterday' in row 2 (sample id 'a2') is not a "
        "timestamp (Unix seconds or ISO-8601)"
    )


def test_iso_timestamps_naive_means_utc():
    times = ["2024-01-01", "2024-01-01 01:00", "2024-01-01T03:00:00+02:00"]
    table = validate_table(inputs(ts=times), INPUTS)

    expected = [1704067200.0, 1704070800.0, 1704070800.0]
    assert table.column("ts").to_pylist() == expected


def test_missing_timestamp():
    message = failure(inputs(ts=[1.0, None, 3.0]))

    assert (
        message == "column 'ts': missing value in row 2 (sample id 'a2'); "
        "the column is not nullable"
    )


def test_integer_sample_ids_become_text():
    table = validate_table(inputs(sid=[1, 2, 3]), INPUTS)

    assert table.column("sid").to_pylist() == ["1", "2", "3"]


def test_prediction_column_follows_the_target():
    columns = category_columns(SCHEMA, Category.PREDICTION, "clf@v1")

    assert [c.name for c in columns] == ["sid", "ts", "clf@v1"]
    assert columns[2].possible_values == [0, 1]
