"""The demo's dataset: sizes, splits, batches and files against the schema."""

from datetime import datetime

import numpy as np
import pyarrow.parquet as pq
import pytest

from ml3_platform.demo import flights
from ml3_platform.demo.flights import (
    ID,
    INPUTS,
    LATE,
    PRODUCTION_END,
    PRODUCTION_START,
    TARGET,
    TIME,
)
from ml3_platform.demo.model import train
from ml3_platform_sdk.enums import ColumnRole, DataType

# Columns of the source table that are only known once the flight has left.
AFTER_DEPARTURE = {"dep_time", "dep_delay", "arr_time", "arr_delay", "air_time"}


@pytest.fixture(scope="module")
def table():
    return flights.load_flights()


@pytest.fixture(scope="module")
def data(table):
    return flights.split(table)


@pytest.fixture(scope="module")
def schema(table):
    return flights.data_schema(table)


def test_the_demo_streams_at_least_ten_thousand_distinct_flights(data):
    ids = set(data.reference[ID]) | set(data.production[ID]) | set(data.control[ID])

    assert len(ids) >= 10_000
    assert len(ids) == len(data.reference) + len(data.production) + len(data.control)
    assert len(data.control) == len(data.production)


def test_flight_ids_are_unique_over_the_year(table):
    assert table[ID].is_unique
    assert table[ID].iloc[0] == "20130101-UA1545-EWR"


def test_inputs_are_known_before_departure(schema):
    inputs = {c.name for c in schema.columns if c.role == ColumnRole.INPUT}

    assert inputs == set(INPUTS)
    assert not inputs & (AFTER_DEPARTURE | {TARGET})


def test_reference_is_winter_and_production_the_rest_of_the_year(data):
    assert data.reference[TIME].max() < PRODUCTION_START
    assert data.production[TIME].min() >= PRODUCTION_START
    assert data.production[TIME].max() < PRODUCTION_END
    assert set(data.production["month"]) == set(range(4, 13))


def test_control_is_held_out_winter_on_fresh_increasing_timestamps(data):
    control = data.control

    assert set(control["month"]) == {1, 2, 3}
    assert not set(control[ID]) & set(data.reference[ID])
    assert np.all(np.diff(control[TIME].to_numpy()) > 0)
    assert control[TIME].min() >= PRODUCTION_START
    assert control[TIME].max() < PRODUCTION_END


def test_batches_are_weeks_sorted_by_time(data):
    for stream in (data.production, data.control):
        cut = flights.batches(stream)

        assert sum(len(batch) for _, batch in cut) == len(stream)
        assert len(cut) == 40  # 1 April to 31 December, the last week partial
        for start, batch in cut:
            times = batch[TIME].to_numpy()
            days = {_new_york_day(t) for t in times[[0, -1]]}
            assert np.all(np.diff(times) >= 0)
            assert all(0 <= (day - start).days < flights.BATCH_DAYS for day in days)


def _new_york_day(timestamp):
    return datetime.fromtimestamp(timestamp, tz=flights.NEW_YORK).date()


def test_the_season_shifts_weather_and_delays(data):
    winter, later = data.reference, data.production
    summer = later[later["month"].isin([6, 7])]

    assert summer["temp"].mean() - winter["temp"].mean() > 30  # °F
    assert summer["dewp"].mean() - winter["dewp"].mean() > 30
    assert (summer[TARGET] == LATE).mean() > (winter[TARGET] == LATE).mean() + 0.05


def test_written_files_match_the_schema(data, schema, tmp_path):
    batch = flights.batches(data.production)[0][1]
    files = flights.write_batch(
        batch, tmp_path, "week", "delay-gbt@v1", np.full(len(batch), LATE)
    )
    by_role = {
        files.inputs: {ColumnRole.ID, ColumnRole.TIME_ID, ColumnRole.INPUT},
        files.target: {ColumnRole.ID, ColumnRole.TIME_ID, ColumnRole.TARGET},
    }

    for path, roles in by_role.items():
        table = pq.read_table(path)
        columns = [c for c in schema.columns if c.role in roles]
        assert table.column_names == [c.name for c in columns]
        for column in columns:
            _assert_column_fits(table.column(column.name), column)

    predictions = pq.read_table(files.predictions)
    assert predictions.column_names == [ID, TIME, "delay-gbt@v1"]


def _assert_column_fits(values, column):
    if column.data_type == DataType.FLOAT:
        assert str(values.type) == "double", column.name
    else:
        assert str(values.type) == "string", column.name
    if not column.is_nullable:
        assert values.null_count == 0, column.name
    if column.possible_values is not None:
        assert set(values.to_pylist()) <= set(column.possible_values), column.name


def test_the_model_beats_always_on_time_on_held_out_winter(table, data):
    categories = {name: sorted(table[name].unique()) for name in ("carrier", "origin")}
    model = train(data.reference, categories)
    always_on_time = float(np.mean(data.control[TARGET] != LATE))

    assert model.accuracy(data.control) > always_on_time
