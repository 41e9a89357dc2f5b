"""Drive a model's error monitor into drift; read what the outbox holds.

A drift: 300 well-predicted samples (the monitor learns its baseline from
the first 200), then 400 whose predictions are off by 3, i.e. a squared
error about 900 times the baseline's. What no route shows (deliveries,
attempts) is read from the platform's database, as an operator would.
"""

import polars as pl
from sqlalchemy import select

from e2e_support import PREDICTION, PRODUCTION_START, production, samples
from ml3_platform.actions.messages import Alert
from ml3_platform.db.tables import Delivery, DeliveryAttempt
from ml3_platform_sdk.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    MonitoringTarget,
)
from receivers import wait_until
from support import database_session

CALM, DRIFTING = 300, 400
# An alert as a sender gets it, for tests of the senders alone.
ALERT = Alert(
    event_id="e1",
    event_type="drift_on",
    task_id="t1",
    task_name="churn",
    target="error",
    metric=None,
    specification=None,
    model="reg v1",
    severity="high",
    sample_id="s42",
    sample_time="2026-12-04T05:00:00+00:00",
    link="http://127.0.0.1:8000/sdk/v1/task/t1/sdk-detection-events#e1",
    idempotency_key="ml3-0123456789abcdef0123456789abcdef",
)


def error_rule(client, task_id: str, actions: list) -> str:
    return client.create_detection_event_rule(
        name="error drift",
        task_id=task_id,
        severity=DetectionEventSeverity.LOW,
        detection_event_type=DetectionEventType.DRIFT_ON,
        monitoring_target=MonitoringTarget.ERROR,
        actions=actions,
        model_name="reg",
    )


def drive_error_drift(client, task_id, model_id, folder):
    """Send a calm and a drifting batch; the one error ``drift_on`` event."""
    calm = samples("calm", CALM, PRODUCTION_START, seed=1)
    client.wait_job_completion(production(client, task_id, model_id, calm, folder))
    later = PRODUCTION_START + 60.0 * CALM
    drifting = samples("bad", DRIFTING, later, seed=2)
    drifting["predictions"] = drifting["predictions"].with_columns(
        pl.col(PREDICTION) + 3.0
    )
    client.wait_job_completion(production(client, task_id, model_id, drifting, folder))

    events = [
        event
        for event in client.get_detection_events(task_id)
        if event.monitoring_target == MonitoringTarget.ERROR
        and event.event_type == DetectionEventType.DRIFT_ON
    ]
    assert len(events) == 1
    return events[0]


def deliveries(platform, event_id: str) -> list[Delivery]:
    with database_session(platform.settings) as session:
        query = (
            select(Delivery)
            .where(Delivery.event_id == event_id)
            .order_by(Delivery.action_index)
        )
        return list(session.scalars(query))


def attempts(platform, delivery_id: str) -> list[DeliveryAttempt]:
    with database_session(platform.settings) as session:
        query = (
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id == delivery_id)
            .order_by(DeliveryAttempt.number)
        )
        return list(session.scalars(query))


def settled(
    platform, event_id: str, count: int, timeout: float = 60.0
) -> list[Delivery]:
    """The event's ``count`` deliveries, once none is pending."""

    def done():
        rows = deliveries(platform, event_id)
        finished = len(rows) == count and all(r.status != "pending" for r in rows)
        return rows if finished else None

    return wait_until(done, timeout, what="the deliveries to finish")
