"""The store: keys, Parquet, and writes that appear whole or not at all."""

import pyarrow as pa
import pytest

from ml3_platform.settings import Settings
from ml3_platform.storage import Store, store_from_settings


@pytest.fixture(params=["local", "memory"])
def store(request, tmp_path):
    if request.param == "local":
        return Store(str(tmp_path / "data"))
    return Store(f"memory://{tmp_path.name}")


def test_bytes_round_trip(store):
    store.put_bytes("uploads/u1/a.csv", b"id\n1\n")

    assert store.exists("uploads/u1/a.csv")
    assert store.get_bytes("uploads/u1/a.csv") == b"id\n1\n"


def test_table_round_trip_and_columns(store):
    table = pa.table({"a": [1, 2], "b": ["x", "y"]})
    store.write_table("t/batch.parquet", table)

    assert store.read_table("t/batch.parquet").equals(table)
    assert store.read_table("t/batch.parquet", columns=["b"]).column_names == ["b"]


def test_failed_write_leaves_the_old_file(store):
    store.put_bytes("k.bin", b"old")

    with pytest.raises(RuntimeError), store.open("k.bin", "wb") as file:
        file.write(b"half of the new")
        raise RuntimeError("crash in the middle")

    assert store.get_bytes("k.bin") == b"old"
    assert store.list("") == ["k.bin"]


def test_reader_never_sees_half_a_file(tmp_path):
    store = Store(str(tmp_path))

    with store.open("k.bin", "wb") as file:
        file.write(b"first half")
        assert not store.exists("k.bin")
        file.write(b", second half")

    assert store.get_bytes("k.bin") == b"first half, second half"
    assert store.list("") == ["k.bin"]


def test_delete_file_folder_and_missing(store):
    store.put_bytes("jobs/j1/a", b"1")
    store.put_bytes("jobs/j1/b", b"2")

    store.delete("jobs/j1")
    store.delete("jobs/j1")

    assert store.list("jobs") == []


def test_keys_cannot_leave_the_root(store):
    for key in ("../x", "/etc/passwd", "a//b", ""):
        with pytest.raises(ValueError):
            store.path(key)


def test_store_from_settings(tmp_path):
    store = store_from_settings(Settings(home=tmp_path))

    store.put_bytes("a", b"1")
    assert (tmp_path / "data" / "a").read_bytes() == b"1"
