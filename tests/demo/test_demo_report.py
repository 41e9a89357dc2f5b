"""The demo's text blocks, from hand-made platform answers."""

from datetime import UTC, date, datetime

from ml3_platform.demo import report
from ml3_platform_sdk.models import DetectionEvent, Job, Model, Task

NOW = datetime(2013, 6, 1, tzinfo=UTC)


def _task(input_status="ok"):
    return Task(
        task_id="t1",
        name="arrival delay",
        type="classification_binary",
        input_status=input_status,
        input_status_insert_datetime=NOW.isoformat(),
        concept_status="ok",
        concept_status_insert_datetime=NOW.isoformat(),
        optional_target=False,
        monitoring_targets=["input", "concept"],
    )


def _model(status="not_initialized"):
    return Model(
        model_id="m1",
        task_id="t1",
        name="delay-gbt",
        version="v1",
        status=status,
        status_insert_datetime=NOW,
        prediction_status="ok",
        prediction_status_insert_datetime=NOW,
        metric_name="accuracy",
        retraining_cost=0.0,
    )


def _event(event_type, target="input", **extra):
    fields = {
        "sample_timestamp": 1370700000.0,  # 2013-06-08 10:00 in New York
        "sample_id": "20130608-UA1545-EWR",
        **extra,
    }
    return DetectionEvent(
        event_id=f"e-{event_type}",
        event_type=event_type,
        monitoring_target=target,
        insert_datetime=NOW.isoformat(),
        **fields,
    )


def test_a_batch_line_has_the_batch_then_both_tasks():
    line = report.batch_line(
        date(2013, 6, 3),
        512,
        0.31,
        0.70,
        (_task("drift"), _model("warning")),
        (_task(), _model()),
    )

    words = "2013-06-03 512 31% 70% | drift ok warning | ok ok -"
    assert line.split() == words.split(" ")
    assert line.index("|") == report.batch_header().splitlines()[-1].index("|")


def test_events_are_summarised_per_signal_from_its_first_drift():
    events = [
        _event("warning_on"),
        _event("drift_on", severity_type="high"),
        _event("drift_off", sample_timestamp=1370800000.0),
        _event("drift_on", specification="temp", severity_type="medium"),
    ]

    rows = report.events_table(events).splitlines()[2:]

    assert rows[0].split() == ["input", "all", "inputs", "2013-06-08", "10:00",
                               "20130608-UA1545-EWR", "high", "1", "2"]  # fmt: skip
    assert rows[1].split()[:2] == ["input", "temp"]


def test_a_task_that_only_warned_says_no_drift():
    text = report.events_table([_event("warning_on"), _event("warning_off")])

    assert text.startswith("no drift events\n")
    assert report.events_table([]).startswith("no drift events")


def test_drift_episodes_run_from_drift_on_to_drift_off():
    events = [
        _event("drift_on", target="error", severity_type="medium"),
        _event("drift_off", target="error", sample_timestamp=1370800000.0),
        _event("drift_on", target="input", severity_type="high"),
    ]

    text = report.drift_episodes(events, "error")

    assert text == "  2013-06-08 10:00 to 2013-06-09 13:46 (medium)"


def test_jobs_are_counted_by_task_group_and_status():
    job = {
        "project_id": "p1",
        "project_name": "p",
        "task_id": "t1",
        "task_name": "arrival delay",
        "job_group": "production",
    }
    jobs = [Job(job_id=str(n), status="completed", **job) for n in range(3)]

    rows = report.jobs_table(jobs).splitlines()

    assert rows[-1].split() == ["arrival", "delay", "production", "completed", "3"]
