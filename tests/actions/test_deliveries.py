"""A real drift, through the real server, reaches real receivers once.

Each test drives the error monitor of a regression model into drift with the
real client: 300 well-predicted samples (the monitor learns its baseline
from the first 200), then 400 whose predictions are off by 3, i.e. a squared
error about 900 times the baseline's. The platform's worker then delivers
the rule's actions to a webhook server and an SMTP server on loopback, and
a retrain action's job fires the model's trigger on moto's EventBridge.
What no route shows (deliveries, attempts, job payloads) is read from the
platform's database, as an operator would.
"""

import itertools
import json
import time
from datetime import UTC, datetime

from sqlalchemy import select

from alerts import (
    CALM,
    DRIFTING,
    attempts,
    deliveries,
    drive_error_drift,
    error_rule,
    settled,
)
from e2e_support import PRODUCTION_START, production, ready_task, samples
from ml3_platform.actions.matching import idempotency_key
from ml3_platform.db.tables import DetectionEvent, Job
from ml3_platform_sdk.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    JobStatus,
    ModelMetricName,
    MonitoringTarget,
    SuggestionType,
)
from ml3_platform_sdk.models import (
    DiscordNotificationAction,
    EmailNotificationAction,
    RetrainAction,
    SlackNotificationAction,
    TeamsNotificationAction,
)
from support import database_session, unique
from trigger_support import (
    SOURCE,
    EventBus,
    aws_credentials,
    eventbridge_trigger,
    sent_markers,
)


def test_every_action_is_delivered_once_with_the_event(
    alerting, alert_client, webhooks, smtp, aws, tmp_path
):
    client = alert_client
    project_id, task_id, model_id = ready_task(client)
    credentials = aws_credentials(client, aws, project_id)
    bus = EventBus(aws)
    client.set_retrain_trigger(
        model_id, eventbridge_trigger(credentials.credentials_id, bus)
    )
    tag = unique("all")
    address = f"{tag}@example.org"
    rule_id = error_rule(
        client,
        task_id,
        [
            SlackNotificationAction(
                webhook=f"{webhooks.url}/ok/slack-{tag}", channel="#ml-alerts"
            ),
            DiscordNotificationAction(webhook=f"{webhooks.url}/ok/discord-{tag}"),
            TeamsNotificationAction(webhook=f"{webhooks.url}/ok/teams-{tag}"),
            EmailNotificationAction(address=address),
            RetrainAction(),
        ],
    )

    event = drive_error_drift(client, task_id, model_id, tmp_path)

    rows = settled(alerting, event.event_id, 5)
    assert [row.status for row in rows] == ["delivered"] * 5
    # A moment more, for anything sent twice to arrive.
    time.sleep(0.3)
    keys = [idempotency_key(event.event_id, rule_id, index) for index in range(5)]
    assert [row.idempotency_key for row in rows] == keys
    assert len(set(keys)) == 5

    task_name = client.get_task(task_id).name
    moment = datetime.fromtimestamp(event.sample_timestamp, UTC).isoformat()
    link = f"{alerting.url}/sdk/v1/task/{task_id}/sdk-detection-events#{event.event_id}"
    facts = [
        f"Drift detected: error of task '{task_name}'",
        f"{task_name} ({task_id})",
        "error",
        "reg v1",
        event.severity_type.value,
        f"{event.sample_id} at {moment}",
    ]

    (slack,) = webhooks.at(f"/ok/slack-{tag}")
    (discord,) = webhooks.at(f"/ok/discord-{tag}")
    (teams,) = webhooks.at(f"/ok/teams-{tag}")
    for request, key in ((slack, keys[0]), (discord, keys[1]), (teams, keys[2])):
        text = json.dumps(request.body)
        assert [fact for fact in facts if fact not in text] == []
        assert link in text
        assert key in text
        assert request.headers["Idempotency-Key"] == key

    assert slack.body["channel"] == "#ml-alerts"
    assert discord.body["embeds"][0]["url"] == link
    assert discord.body["embeds"][0]["footer"] == {"text": keys[1]}
    assert teams.body["@type"] == "MessageCard"
    assert teams.body["potentialAction"][0]["targets"][0]["uri"] == link

    mails = [m for m in smtp.messages if m["To"] == address]
    assert len(mails) == 1
    mail = mails[0]
    body = mail.get_content()
    assert [fact for fact in facts if fact not in body] == []
    assert link in body
    assert mail["Subject"] == f"[ML3 Platform] {facts[0]}"
    assert mail["From"] == "ml3@example.org"
    assert mail["X-ML3-Idempotency-Key"] == keys[3]
    assert ("ml3@example.org", [address]) in smtp.envelopes

    with database_session(alerting.settings) as session:
        retrains = list(
            session.scalars(
                select(Job).where(Job.task_id == task_id, Job.job_group == "retrain")
            )
        )
    assert [job.payload for job in retrains] == [
        {"model_id": model_id, "event_id": event.event_id}
    ]
    assert retrains[0].model_id == model_id
    # In the model's retrain queue, as retrain_model's: not behind monitoring.
    assert retrains[0].queue_key == f"retrain:{model_id}"
    assert attempts(alerting, rows[4].id)[0].outcome == (
        f"retrain job {retrains[0].id} submitted"
    )

    # The retrain job fires the model's trigger: one request on the bus.
    client.wait_job_completion(retrains[0].id, max_wait_timeout=120)
    assert client.get_job(retrains[0].id).status == JobStatus.COMPLETED.value
    (sent,) = bus.received()
    assert (sent["source"], sent["detail-type"]) == (SOURCE, "ML3 Retrain Request")
    detail = sent["detail"]
    assert (detail["source"], detail["type"]) == (SOURCE, "ml3.retrain_request")
    assert (detail["model_id"], detail["model_name"]) == (model_id, "reg")
    assert (detail["task_id"], detail["project_id"]) == (task_id, project_id)
    assert detail["event_id"] == event.event_id
    assert detail["idempotency_key"] == f"event:{event.event_id}:model:{model_id}"
    assert detail["test"] is False
    (marker,) = sent_markers(alerting.settings, model_id)
    assert (marker.job_id, marker.event_id) == (retrains[0].id, event.event_id)
    assert marker.provider_message_id == sent["id"]
    # A moment more, for a second request to arrive.
    time.sleep(0.3)
    assert bus.received() == []


def test_a_flaky_receiver_gets_the_message_once_after_retries(
    alerting, alert_client, webhooks, tmp_path
):
    client = alert_client
    _, task_id, model_id = ready_task(client)
    path = f"/flaky/{unique('discord')}"
    error_rule(
        client, task_id, [DiscordNotificationAction(webhook=webhooks.url + path)]
    )

    event = drive_error_drift(client, task_id, model_id, tmp_path)

    (delivery,) = settled(alerting, event.event_id, 1)
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    received = webhooks.at(path)
    assert [request.status for request in received] == [503, 503, 200]
    assert {request.headers["Idempotency-Key"] for request in received} == {
        delivery.idempotency_key
    }
    tried = attempts(alerting, delivery.id)
    assert [(a.number, a.ok) for a in tried] == [(1, False), (2, False), (3, True)]
    assert tried[0].outcome == "HTTP 503 Service Unavailable: no"
    assert tried[2].outcome == "HTTP 200 OK"
    # Back-off: the n-th retry waits base * 2**(n-1) after the failure.
    waits = [
        (later.started_at - earlier.finished_at).total_seconds()
        for earlier, later in itertools.pairwise(tried)
    ]
    base = alerting.settings.delivery_retry_base
    assert waits[0] >= base and waits[1] >= 2 * base


def test_a_receiver_that_always_fails_leaves_a_failure_and_monitoring_goes_on(
    alerting, alert_client, webhooks, tmp_path
):
    client = alert_client
    _, task_id, model_id = ready_task(client)
    path = f"/down/{unique('slack')}"
    action = SlackNotificationAction(webhook=webhooks.url + path, channel="#ml")
    error_rule(client, task_id, [action])

    event = drive_error_drift(client, task_id, model_id, tmp_path)

    (delivery,) = settled(alerting, event.event_id, 1)
    most = alerting.settings.delivery_max_attempts
    assert (delivery.status, delivery.attempts) == ("failed", most)
    assert delivery.last_error == "HTTP 500 Internal Server Error: no"
    assert len(webhooks.at(path)) == most
    tried = attempts(alerting, delivery.id)
    assert [a.ok for a in tried] == [False] * most

    # The next batch is monitored as ever: well predicted again, it ends the
    # drift of the error monitor.
    before = len(client.get_detection_events(task_id))
    later = PRODUCTION_START + 60.0 * (CALM + DRIFTING)
    calm = samples("again", DRIFTING, later, seed=3)
    job_id = production(client, task_id, model_id, calm, tmp_path)
    client.wait_job_completion(job_id)

    assert client.get_job(job_id).status == JobStatus.COMPLETED.value
    with database_session(alerting.settings) as session:
        new = list(
            session.scalars(
                select(DetectionEvent).where(DetectionEvent.job_id == job_id)
            )
        )
    assert new
    assert len(client.get_detection_events(task_id)) == before + len(new)


def test_a_webhook_made_private_by_the_policy_is_refused_at_delivery(
    alerting, alert_client, webhooks, tmp_path
):
    client = alert_client
    _, task_id, model_id = ready_task(client)
    path = f"/ok/{unique('teams')}"
    error_rule(client, task_id, [TeamsNotificationAction(webhook=webhooks.url + path)])

    # The operator withdraws the allowance after the rule was saved.
    alerting.settings.webhook_allow_private = False
    try:
        event = drive_error_drift(client, task_id, model_id, tmp_path)
        (delivery,) = settled(alerting, event.event_id, 1)
    finally:
        alerting.settings.webhook_allow_private = True

    # Refused once, for good: retrying would not change the address.
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith(f"refused: webhook '{webhooks.url}{path}'")
    assert "non-public address 127.0.0.1" in delivery.last_error
    assert webhooks.at(path) == []


def test_only_matching_rules_queue_deliveries(
    alerting, alert_client, webhooks, tmp_path
):
    client = alert_client
    _, task_id, model_id = ready_task(client)
    # A second model, whose rule must not answer the first model's drift.
    client.create_model(
        task_id, "b", "v1", ModelMetricName.RMSE, SuggestionType.SAMPLE_WEIGHTS
    )
    hook = DiscordNotificationAction(webhook=f"{webhooks.url}/ok/{unique('x')}")
    others = [
        client.create_detection_event_rule(
            "other", task_id, DetectionEventSeverity.LOW, kind, target, [hook], **more
        )
        for kind, target, more in (
            (DetectionEventType.DRIFT_ON, MonitoringTarget.INPUT, {}),
            (DetectionEventType.DRIFT_OFF, MonitoringTarget.ERROR, {}),
            (DetectionEventType.WARNING_ON, MonitoringTarget.PREDICTION, {}),
            (DetectionEventType.DRIFT_ON, MonitoringTarget.ERROR, {"model_name": "b"}),
        )
    ]
    matching = error_rule(client, task_id, [hook, hook])

    event = drive_error_drift(client, task_id, model_id, tmp_path)

    rows = deliveries(alerting, event.event_id)
    assert [(row.rule_id, row.action_index) for row in rows] == [
        (matching, 0), (matching, 1)
    ]  # fmt: skip
    assert not {row.rule_id for row in rows} & set(others)
