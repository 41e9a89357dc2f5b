"""A worker killed with SIGKILL in the middle of a job: another finishes it.

The job is stopped after all of its work and before its commit, the worst
moment; the same batches sent to a control task on the same platform, with
no kill, say what must be stored and sent. Each task has a rule that posts
its input drift events to a webhook receiver on loopback, so notifications
are counted where they arrive, not only as rows.
"""

import os
import signal
import time

import pytest
from sqlalchemy import func, select

from actions.receivers import WebhookReceiver
from e2e.e2e_support import (
    HISTORY_START,
    PRODUCTION_START,
    production,
    ready_task,
    samples,
    tabular,
)
from ml3_platform.db.tables import Batch, Delivery, DetectionEvent, Job
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    MonitoringTarget,
)
from ml3_platform_sdk.models import DiscordNotificationAction
from support import database_session, unique



@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


@pytest.fixture
def webhooks():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def test_killed_worker_job_is_finished_once_and_in_order(scaled, webhooks, tmp_path):
    client = _client(scaled)
    control, control_model = _referenced_task(client, tmp_path)
    victim, victim_model = _referenced_task(client, tmp_path)
    for task_id in (control, victim):
        _input_drift_rule(client, task_id, f"{webhooks.url}/ok/{task_id}")
    drifted = samples("p", 400, PRODUCTION_START, shift=3.0, seed=1)
    later = samples("q", 200, PRODUCTION_START + 1e5, seed=2)

    for job in (
        production(client, control, control_model, drifted, tmp_path),
        production(client, control, control_model, later, tmp_path),
    ):
        client.wait_job_completion(job)

    (scaled.pause_dir / "arm").touch()
    first = production(client, victim, victim_model, drifted, tmp_path)
    second = production(client, victim, victim_model, later, tmp_path)
    started = scaled.pause_dir / f"{first}.started"
    _wait_until(lambda: started.exists() and started.read_text())
    victim_pid = int(started.read_text())
    worker = next(w for w in scaled.workers if w.pid == victim_pid)

    assert _job(scaled, second).status == "idle"  # blocked behind the first
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert _job(scaled, first).status == "running"

    client.wait_job_completion(second)
    first_row, second_row = _job(scaled, first), _job(scaled, second)
    assert (first_row.status, second_row.status) == ("completed", "completed")
    assert first_row.attempts == 2
    assert first_row.finished_at <= second_row.started_at  # no overtaking

    assert _stored(scaled, victim) == _stored(scaled, control)
    assert _events(client, victim) == _events(client, control)
    assert any(event[0] == "drift_on" for event in _events(client, victim))
    # Each input drift_on event notified once, the killed run's included.
    drifts = sum(e[:2] == ("drift_on", "input") for e in _events(client, victim))
    assert drifts > 0
    sent = {task_id: _received(webhooks, task_id, drifts) for task_id in (control, victim)}
    assert [len(keys) for keys in sent.values()] == [drifts, drifts]
    assert all(len(set(keys)) == drifts for keys in sent.values())
    scaled.start_worker()  # give the module its two workers back


def _client(platform) -> ML3PlatformClient:
    client = ML3PlatformClient(platform.url, platform.create_user(unique("user")))
    client.create_company(name=unique("company"), address="1 Main St", vat="IT0")
    return client


def _referenced_task(client, folder) -> tuple[str, str]:
    _, task_id, model_id = ready_task(client)
    history = samples("h", 1000, HISTORY_START)
    job = client.add_historical_data(
        task_id, tabular(history["inputs"], folder), tabular(history["target"], folder)
    )
    client.wait_job_completion(job)
    client.wait_job_completion(
        client.set_model_reference(model_id, HISTORY_START, HISTORY_START + 1e6)
    )
    return task_id, model_id


def _input_drift_rule(client, task_id: str, webhook: str) -> None:
    client.create_detection_event_rule(
        name="input drift",
        task_id=task_id,
        severity=DetectionEventSeverity.LOW,
        detection_event_type=DetectionEventType.DRIFT_ON,
        monitoring_target=MonitoringTarget.INPUT,
        actions=[DiscordNotificationAction(webhook=webhook)],
    )


def _received(webhooks: WebhookReceiver, task_id: str, expected: int) -> list[str]:
    """The idempotency keys the task's webhook got, once ``expected`` came
    and a moment more passed for a repeat to show."""
    path = f"/ok/{task_id}"
    _wait_until(lambda: len(webhooks.at(path)) >= expected)
    time.sleep(1.0)
    return [request.headers["Idempotency-Key"] for request in webhooks.at(path)]


def _job(platform, job_id: str) -> Job:
    with database_session(platform.settings) as session:
        return session.scalar(select(Job).where(Job.id == job_id))


def _stored(platform, task_id: str) -> dict:
    """Rows per batch category, events and deliveries: what a job stores."""
    with database_session(platform.settings) as session:
        batches = session.execute(
            select(Batch.category, func.count(), func.sum(Batch.n_rows))
            .where(Batch.task_id == task_id)
            .group_by(Batch.category)
        ).all()
        events = session.scalar(
            select(func.count()).where(DetectionEvent.task_id == task_id)
        )
        deliveries = session.scalar(
            select(func.count())
            .select_from(Delivery)
            .join(DetectionEvent, DetectionEvent.id == Delivery.event_id)
            .where(DetectionEvent.task_id == task_id)
        )
    return {"batches": sorted(batches), "events": events, "deliveries": deliveries}


def _events(client, task_id: str) -> list[tuple]:
    return [
        (
            event.event_type.value,
            event.monitoring_target.value,
            event.monitoring_metric,
            event.severity_type,
            event.sample_id,
            event.specification,
        )
        for event in client.get_detection_events(task_id)
    ]


def _wait_until(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
