"""Retrain triggers on AWS EventBridge, against moto's server."""

import pytest
from sqlalchemy import select, update

from ml3_platform.db.tables import Job, Model
from ml3_platform.services import retrain_triggers
from ml3_platform_sdk.exceptions import SDKClientException
from standins import AWS_REGION
from support import database_session
from trigger_support import (
    SOURCE,
    EventBus,
    aws_credentials,
    eventbridge_trigger,
    ready_model,
    sent_markers,
    wait_until,
)


def test_test_trigger_puts_one_test_event_on_the_bus(client, aws):
    project_id, model_id = ready_model(client)
    credentials = aws_credentials(client, aws, project_id)
    bus = EventBus(aws)

    client.test_retrain_trigger(
        model_id, eventbridge_trigger(credentials.credentials_id, bus)
    )

    [event] = bus.received()
    assert event["source"] == SOURCE
    assert event["detail-type"] == "ML3 Retrain Request"
    assert event["region"] == AWS_REGION
    detail = event["detail"]
    assert detail["type"] == "ml3.retrain_request"
    assert detail["model_id"] == model_id
    assert detail["model_name"] == "reg"
    assert detail["test"] is True
    assert detail["event_id"] is None


def test_retrain_model_sends_one_request_even_when_its_job_runs_again(
    client, aws, trigger_platform
):
    project_id, model_id = ready_model(client)
    credentials = aws_credentials(client, aws, project_id)
    bus = EventBus(aws)
    client.set_retrain_trigger(
        model_id, eventbridge_trigger(credentials.credentials_id, bus)
    )

    job_id = client.retrain_model(model_id)
    client.wait_job_completion(job_id, max_wait_timeout=120)
    # As after a crash between the commit and the worker's bookkeeping:
    # the executor picks the completed job up again.
    with database_session(trigger_platform.settings) as session:
        session.execute(update(Job).where(Job.id == job_id).values(status="idle"))
        session.commit()
    wait_until(lambda: job_row(trigger_platform.settings, job_id) == (2, "completed"))

    [event] = bus.received()
    assert event["source"] == SOURCE
    assert event["detail"]["model_id"] == model_id
    assert event["detail"]["test"] is False
    assert event["detail"]["idempotency_key"] == f"job:{job_id}"
    [marker] = sent_markers(trigger_platform.settings, model_id)
    assert marker.job_id == job_id
    assert marker.provider_message_id == event["id"]


def test_two_retrain_jobs_for_one_event_send_one_request(
    client, aws, trigger_platform
):
    """What a rule's retrain action submits, submitted twice for one event."""
    project_id, model_id = ready_model(client)
    credentials = aws_credentials(client, aws, project_id)
    bus = EventBus(aws)
    client.set_retrain_trigger(
        model_id, eventbridge_trigger(credentials.credentials_id, bus)
    )
    with database_session(trigger_platform.settings) as session:
        model = session.get(Model, model_id)
        job_ids = [
            retrain_triggers.submit_retrain(session, model, event_id="event-1").id
            for _ in range(2)
        ]
        session.commit()

    for job_id in job_ids:
        client.wait_job_completion(job_id, max_wait_timeout=120)

    [event] = bus.received()
    assert event["detail"]["event_id"] == "event-1"
    assert event["detail"]["idempotency_key"] == f"event:event-1:model:{model_id}"
    [marker] = sent_markers(trigger_platform.settings, model_id)
    assert marker.event_id == "event-1"


def job_row(settings, job_id: str) -> tuple[int, str]:
    with database_session(settings) as session:
        job = session.scalar(select(Job).where(Job.id == job_id))
        return job.attempts, job.status


def test_a_missing_bus_is_the_providers_error(client, aws):
    project_id, model_id = ready_model(client)
    credentials = aws_credentials(client, aws, project_id)
    trigger = eventbridge_trigger(credentials.credentials_id, EventBus(aws))
    trigger.event_bus_name = "no-such-bus"

    with pytest.raises(SDKClientException) as raised:
        client.test_retrain_trigger(model_id, trigger)

    assert raised.value.error_code == "AWS_EVENTBRIDGE_PUBLISH_FAILED"
    assert "no-such-bus" in raised.value.error_message
