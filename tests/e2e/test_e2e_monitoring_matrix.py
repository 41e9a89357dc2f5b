"""Every monitoring target × task type × data structure, through the server.

Each case creates a task, sends 400 historical samples, sets the reference,
sends a calm production batch (the control: nothing may change), then a
batch where one thing changes (`matrix_support`), and checks the statuses
and the ``drift_on`` event of that target through the real client.

The platform runs with a 200-sample baseline for prediction and error
monitors, so each case needs only a few hundred samples. Run lengths: a
control sends 300 samples through about 16 monitors, so with false warnings
at most once per 10⁵ samples per monitor (and drifts once per 10⁶) a
control warns with probability at most 300·16/10⁵ ≈ 5% by the union bound
(the engine's bound is conservative; its real run lengths are longer). The
changes are large (a 2σ shift, a mirrored relation, constant or shuffled
predictions: per-sample KL of 0.3 nats or more), so each is detected within
tens of samples, well inside the 400-sample batch: log(10⁶ · M) / 0.3 < 70
for banks of M < 100.

What the schema rules (platform-behaviour §2) and the task rules forbid is
checked to be refused instead: a RAG task needs the text structure, and has
no target, so neither concept nor error monitoring; it is monitored on text
length.
"""

import json
from collections.abc import Iterator

import numpy as np
import polars as pl
import pytest

from e2e_support import tabular
from matrix_support import (
    HISTORY_START,
    ID,
    MODEL,
    TIME,
    VERSION,
    Stream,
    column,
    schema,
)
from ml3_platform.embedded import EmbeddedPlatform
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    ColumnRole,
    DataStructure,
    DataType,
    DetectionEventType,
    FileType,
    JobStatus,
    ModelMetricName,
    StoragePolicy,
    SuggestionType,
    TaskType,
    TextLanguage,
)
from ml3_platform_sdk.exceptions import SDKClientException
from ml3_platform_sdk.models import DataSchema, LocalDataSource, TextData
from ml3_platform.pipeline.scores import kpi_scores, monitor_scores, task_monitors
from support import TEST_HANDLERS, database_session, unique

TASK_TYPES = [
    TaskType.REGRESSION,
    TaskType.CLASSIFICATION_BINARY,
    TaskType.CLASSIFICATION_MULTICLASS,
    TaskType.CLASSIFICATION_MULTILABEL,
]
STRUCTURES = [
    DataStructure.TABULAR,
    DataStructure.EMBEDDING,
    DataStructure.TEXT,
    DataStructure.IMAGE,
]
TARGETS = ["input", "concept", "prediction", "error"]
METRIC = {
    TaskType.REGRESSION: ModelMetricName.RMSE,
    TaskType.CLASSIFICATION_BINARY: ModelMetricName.ACCURACY,
    TaskType.CLASSIFICATION_MULTICLASS: ModelMetricName.ACCURACY,
    TaskType.CLASSIFICATION_MULTILABEL: ModelMetricName.ACCURACY,
}
# The per-feature event an input shift of z1 must raise, by structure:
# (metric, specification).
FEATURE_EVENT = {
    DataStructure.TABULAR: ("feature", "x1"),
    DataStructure.EMBEDDING: ("feature", "embedding"),
    DataStructure.TEXT: ("text_length", "text"),
    DataStructure.IMAGE: ("feature", "brightness"),
}
HISTORY, CALM, CHANGED = 400, 300, 400


@pytest.fixture(scope="module")
def fast_platform(backend, new_database, tmp_path_factory) -> Iterator:
    with EmbeddedPlatform(
        home=tmp_path_factory.mktemp(f"matrix-{backend}"),
        database_url=new_database(backend),
        handler_modules=(TEST_HANDLERS,),
        job_poll_interval=0.02,
        workers=4,
        drift_run_length=1e6,
        warning_run_length=1e5,
        baseline_samples=200,
        kpi_baseline_samples=200,
    ) as running:
        yield running


@pytest.fixture
def sdk(fast_platform, monkeypatch) -> Iterator[ML3PlatformClient]:
    monkeypatch.setenv("ML3_PROGRESS", "0")
    # Jobs take a fraction of a second here; poll often.
    monkeypatch.setenv("MLCUBE_POLLING", "0.05")
    key = fast_platform.create_user(unique("user"))
    with ML3PlatformClient(fast_platform.url, key) as client:
        client.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        yield client


def done(client: ML3PlatformClient, job_id: str) -> None:
    client.wait_job_completion(job_id)
    job = client.get_job(job_id)
    assert job.status == JobStatus.COMPLETED.value, job.error


def monitored_task(client, task_type, structure, folder) -> tuple[str, str]:
    """A task with its schema, a model and a reference of 400 samples."""
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    language = TextLanguage.ENGLISH if structure == DataStructure.TEXT else None
    task_id = client.create_task(
        project_id, unique("task"), [], task_type, structure, text_language=language
    )
    client.add_data_schema(task_id, schema(task_type, structure))
    model_id = client.create_model(
        task_id, MODEL, VERSION, METRIC[task_type], SuggestionType.SAMPLE_WEIGHTS
    )
    history = Stream(task_type, structure, "h", HISTORY, HISTORY_START, seed=1)
    done(
        client,
        client.add_historical_data(
            task_id, history.inputs(folder), history.target_data(folder)
        ),
    )
    end = HISTORY_START + 60.0 * HISTORY
    done(client, client.set_model_reference(model_id, HISTORY_START, end))
    return task_id, model_id


def send(client, task_id, model_id, stream: Stream, folder) -> None:
    done(
        client,
        client.add_production_data(
            task_id,
            inputs=stream.inputs(folder),
            target=stream.target_data(folder),
            predictions=[(model_id, stream.prediction_data(folder))],
        ),
    )


def statuses(client, task_id, model_id) -> dict[str, str]:
    task, model = client.get_task(task_id), client.get_model(model_id)
    return {
        "input": task.input_status.value,
        "concept": task.concept_status.value,
        "prediction": str(getattr(model.prediction_status, "value",
                                  model.prediction_status)),
        "error": model.status.value,
    }  # fmt: skip


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("structure", STRUCTURES, ids=lambda s: s.value)
@pytest.mark.parametrize("task_type", TASK_TYPES, ids=lambda t: t.value)
def test_a_change_of_each_target_is_detected(
    sdk, task_type, structure, target, tmp_path
):
    task_id, model_id = monitored_task(sdk, task_type, structure, tmp_path)
    start = HISTORY_START + 86_400.0
    calm = Stream(task_type, structure, "p", CALM, start, seed=2)

    send(sdk, task_id, model_id, calm, tmp_path)

    assert sdk.get_detection_events(task_id) == []
    assert statuses(sdk, task_id, model_id) == dict.fromkeys(TARGETS, "ok")
    assert sdk.get_task(task_id).monitoring_targets == TARGETS_RUNNING

    changed = Stream(
        task_type, structure, "q", CHANGED, start + 86_400.0, seed=3, scenario=target
    )
    send(sdk, task_id, model_id, changed, tmp_path)

    events = sdk.get_detection_events(task_id)
    found = [
        e for e in events
        if e.event_type == DetectionEventType.DRIFT_ON
        and e.monitoring_target.value == target
        and e.monitoring_metric is None
    ]  # fmt: skip
    assert len(found) == 1, [(e.monitoring_target, e.event_type) for e in events]
    (event,) = found
    assert event.sample_id.startswith("q")
    assert event.sample_timestamp >= start + 86_400.0
    assert event.severity_type is not None
    if target in ("prediction", "error"):
        assert (event.model_id, event.model_name, event.model_version) == (
            model_id, MODEL, VERSION
        )  # fmt: skip
    else:
        assert event.model_name is None
    assert statuses(sdk, task_id, model_id)[target] == "drift"

    if target == "input":
        metric, specification = FEATURE_EVENT[structure]
        features = {
            (e.monitoring_metric.value, e.specification)
            for e in events
            if e.event_type == DetectionEventType.DRIFT_ON and e.monitoring_metric
        }
        assert (metric, specification) in features


# The targets each case monitors once the control batch has passed.
TARGETS_RUNNING = ["error", "input", "concept", "prediction"]


def test_forbidden_combinations_are_refused(sdk):
    """A RAG task needs text; multilabel needs an array target (§2)."""
    project_id = sdk.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    for structure in (DataStructure.TABULAR, DataStructure.EMBEDDING,
                      DataStructure.IMAGE):  # fmt: skip
        with pytest.raises(SDKClientException, match="RAG task needs the text"):
            sdk.create_task(project_id, unique("t"), [], TaskType.RAG, structure)
    task_id = sdk.create_task(
        project_id, unique("t"), [], TaskType.CLASSIFICATION_MULTILABEL,
        DataStructure.TABULAR,
    )  # fmt: skip
    flat = schema(TaskType.REGRESSION, DataStructure.TABULAR)
    with pytest.raises(SDKClientException, match="multilabel target must have"):
        sdk.add_data_schema(task_id, flat)


def test_rag_task_is_monitored_on_text_length(sdk, tmp_path):
    project_id = sdk.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    task_id = sdk.create_task(
        project_id, unique("rag"), [], TaskType.RAG, DataStructure.TEXT,
        text_language=TextLanguage.ENGLISH,
    )  # fmt: skip
    columns = [
        column(ID, ColumnRole.ID, DataType.STRING),
        column(TIME, ColumnRole.TIME_ID, DataType.FLOAT),
        column("question", ColumnRole.INPUT, DataType.STRING),
    ]
    sdk.add_data_schema(task_id, DataSchema(columns=columns))
    model_id = sdk.create_model(
        task_id, MODEL, VERSION, ModelMetricName.ACCURACY,
        SuggestionType.SAMPLE_WEIGHTS,
    )  # fmt: skip

    def questions(prefix, n, start, words, seed):
        rng = np.random.default_rng(seed)
        counts = np.clip(np.round(rng.normal(words, 3, n)), 1, None).astype(int)
        frame = pl.DataFrame(
            {ID: [f"{prefix}{i}" for i in range(n)],
             TIME: start + 60.0 * np.arange(n),
             "question": [" ".join(["why"] * k) for k in counts]}
        )  # fmt: skip
        path = tmp_path / f"{unique('questions')}.json"
        path.write_text(json.dumps(frame.to_dicts()))
        source = LocalDataSource(
            file_path=str(path), file_type=FileType.JSON, is_folder=False
        )
        return TextData(source=source)

    done(sdk, sdk.add_historical_data(task_id, questions("h", 400, HISTORY_START,
                                                         12, 1)))  # fmt: skip
    done(sdk, sdk.set_model_reference(model_id, HISTORY_START, HISTORY_START + 1e6))
    start = HISTORY_START + 1e6
    done(sdk, sdk.add_production_data(task_id, questions("p", 300, start, 12, 2)))
    assert sdk.get_detection_events(task_id) == []

    done(sdk, sdk.add_production_data(task_id, questions("q", 300, start + 1e5, 30, 3)))

    events = sdk.get_detection_events(task_id)
    drift = [e for e in events if e.event_type == DetectionEventType.DRIFT_ON]
    assert {(e.monitoring_target.value, e.monitoring_metric and
             e.monitoring_metric.value, e.specification) for e in drift} == {
        ("input", None, None), ("input", "text_length", "question")
    }  # fmt: skip
    assert sdk.get_task(task_id).input_status.value == "drift"


def test_kpi_drift_is_detected_and_its_scores_kept(sdk, fast_platform, tmp_path):
    project_id = sdk.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    kpi_id = sdk.create_kpi(project_id, unique("kpi"))
    rng = np.random.default_rng(5)

    def values(n, start, mean):
        frame = pl.DataFrame(
            {"timestamp": start + 60.0 * np.arange(n),
             "value": rng.normal(mean, 1.0, n)}
        )  # fmt: skip
        return tabular(frame, tmp_path)

    # The first 200 values are the baseline, the next 200 the control.
    done(sdk, sdk.add_kpi_data(project_id, kpi_id, values(400, 0.0, 0.0)))
    assert sdk.get_kpi(kpi_id).status.value == "ok"

    done(sdk, sdk.add_kpi_data(project_id, kpi_id, values(200, 1e5, 3.0)))

    assert sdk.get_kpi(kpi_id).status.value == "drift"
    with database_session(fast_platform.settings) as session:
        points = kpi_scores(session, kpi_id)
    assert [p.sample_ts for p in points] == [399 * 60.0, 1e5 + 199 * 60.0]
    assert points[0].score < points[0].warning_threshold
    assert points[1].score >= points[1].drift_threshold
    assert points[1].drift_threshold > points[1].warning_threshold


def test_every_monitor_keeps_its_scores(sdk, fast_platform, tmp_path):
    task_type, structure = TaskType.CLASSIFICATION_BINARY, DataStructure.IMAGE
    task_id, model_id = monitored_task(sdk, task_type, structure, tmp_path)
    start = HISTORY_START + 86_400.0
    for seed in (2, 3):
        stream = Stream(task_type, structure, f"p{seed}", CALM, start, seed=seed)
        send(sdk, task_id, model_id, stream, tmp_path)
        start += 86_400.0

    with database_session(fast_platform.settings) as session:
        monitors = task_monitors(session, task_id)
        scores = {m.id: monitor_scores(session, m.id) for m in monitors}
        names = {(m.target, m.specification) for m in monitors}
    assert names == {
        ("input", ""), ("input", "brightness"), ("input", "contrast"),
        ("input", "embedding"), ("concept", ""), ("prediction", ""),
        ("error", ""),
    }  # fmt: skip
    # Input and concept monitors score both batches; prediction and error
    # monitors start scoring once their 200-sample baseline is full.
    assert {len(points) for points in scores.values()} == {2}
    for points in scores.values():
        assert all(p.drift_threshold > p.warning_threshold > 0 for p in points)
