"""Detection event rules through the real client: CRUD, checks, tenancy.

These run on the shared platform, whose address policy refuses private,
loopback and link-local webhooks (the default).
"""

import json

import pytest

from e2e_support import MODEL_NAME, ready_task
from ml3_platform_sdk.enums import (
    DetectionEventSeverity,
    DetectionEventType,
    MonitoringMetric,
    MonitoringTarget,
)
from ml3_platform_sdk.exceptions import (
    CreateDetectionEventRuleException,
    SDKClientException,
    UpdateDetectionEventRuleException,
)
from ml3_platform_sdk.models import (
    DiscordNotificationAction,
    EmailNotificationAction,
    RetrainAction,
    SlackNotificationAction,
    TeamsNotificationAction,
)
from support import ok, post, sdk_client, unique

# A global address and a name that does not resolve here: both may be saved.
SLACK = SlackNotificationAction(webhook="https://93.184.215.14/slack", channel="#ml")
TEAMS = TeamsNotificationAction(webhook="https://teams.example.invalid/hook")
DISCORD = DiscordNotificationAction(webhook="https://93.184.215.14/discord")
EMAIL = EmailNotificationAction(address="ops@example.org")


def create(client, task_id, actions, **fields):
    arguments = {
        "name": "on drift",
        "task_id": task_id,
        "severity": DetectionEventSeverity.MEDIUM,
        "detection_event_type": DetectionEventType.DRIFT_ON,
        "monitoring_target": MonitoringTarget.ERROR,
        "actions": actions,
        "model_name": MODEL_NAME,
        **fields,
    }
    return client.create_detection_event_rule(**arguments)


def test_rule_round_trip(client):
    _, task_id, _ = ready_task(client)

    rule_id = create(
        client,
        task_id,
        [SLACK, TEAMS, DISCORD, EMAIL, RetrainAction()],
        monitoring_metric=None,
    )

    rule = client.get_detection_event_rule(rule_id)
    assert (rule.rule_id, rule.name, rule.task_id) == (rule_id, "on drift", task_id)
    assert rule.model_name == MODEL_NAME
    assert rule.severity == DetectionEventSeverity.MEDIUM
    assert rule.detection_event_type == DetectionEventType.DRIFT_ON
    assert rule.monitoring_target == MonitoringTarget.ERROR
    assert rule.monitoring_metric is None
    assert rule.actions == [
        SLACK, TEAMS, DISCORD, EMAIL, RetrainAction(model_name=MODEL_NAME)
    ]  # fmt: skip
    assert [r.rule_id for r in client.get_detection_event_rules(task_id)] == [rule_id]

    returned = client.update_detection_event_rule(
        rule_id,
        name="renamed",
        severity=DetectionEventSeverity.HIGH,
        detection_event_type=DetectionEventType.WARNING_ON,
        actions=[EMAIL],
    )

    assert returned is None
    rule = client.get_detection_event_rule(rule_id)
    assert (rule.name, rule.severity) == ("renamed", DetectionEventSeverity.HIGH)
    assert rule.detection_event_type == DetectionEventType.WARNING_ON
    assert rule.monitoring_target == MonitoringTarget.ERROR
    assert (rule.model_name, rule.actions) == (MODEL_NAME, [EMAIL])

    client.delete_detection_event_rule(rule_id)
    assert client.get_detection_event_rules(task_id) == []
    with pytest.raises(SDKClientException) as raised:
        client.get_detection_event_rule(rule_id)
    assert raised.value.error_code == "DETECTION_EVENT_RULE_NOT_FOUND"


def test_feature_metric_and_rules_without_model(client):
    _, task_id, _ = ready_task(client)

    rule_id = create(
        client,
        task_id,
        [SLACK],
        monitoring_target=MonitoringTarget.INPUT,
        monitoring_metric=MonitoringMetric.FEATURE,
        model_name=None,
    )

    rule = client.get_detection_event_rule(rule_id)
    assert (rule.monitoring_metric, rule.model_name) == (MonitoringMetric.FEATURE, None)


def test_the_wire_shape_of_a_rule(platform, client, owner_key):
    """Each action comes back with exactly its variant's keys (protocol §4.2),
    and an update answers a JSON ``null``."""
    _, task_id, _ = ready_task(client)
    rule_id = create(client, task_id, [SLACK, DISCORD, RetrainAction()])
    keep = dict.fromkeys(
        ["name", "model_name", "severity", "detection_event_type",
         "monitoring_target", "actions"]
    )  # fmt: skip

    with sdk_client(platform, owner_key) as raw:
        body = ok(raw.get(f"/task/detection-event/rule/{rule_id}"))
        patched = raw.patch(
            "/task/detection-event/rule",
            content=json.dumps({"rule_id": rule_id, **keep}),
        )

    assert [sorted(action) for action in body["actions"]] == [
        ["channel", "type", "webhook"], ["type", "webhook"], ["model_name", "type"]
    ]  # fmt: skip
    assert body["actions"][2] == {"type": "retrain", "model_name": MODEL_NAME}
    assert (patched.status_code, patched.content) == (200, b"null")
    assert client.get_detection_event_rule(rule_id).actions[0] == SLACK


@pytest.mark.parametrize(
    "actions, model_name, code",
    [
        # The server checks what the client checks, for other clients' sake.
        ([RetrainAction(model_name=MODEL_NAME)], None, "INVALID_ACTION_LIST"),
        ([RetrainAction(model_name="other")], MODEL_NAME, "INVALID_ACTION_LIST"),
        ([RetrainAction(), RetrainAction()], MODEL_NAME, "INVALID_ACTION_LIST"),
        ([RetrainAction()], "no-such-model", "MODEL_NOT_FOUND"),
        ([EmailNotificationAction(address="not an address")], None,
         "INVALID_EMAIL_ADDRESS"),
        ([EmailNotificationAction(address="a@b.org\r\nBcc: x@y.org")], None,
         "INVALID_EMAIL_ADDRESS"),
        ([SlackNotificationAction(webhook="ftp://example.org/x", channel="c")], None,
         "WEBHOOK_NOT_ALLOWED"),
    ],
)  # fmt: skip
def test_the_server_refuses_bad_actions(
    platform, client, owner_key, actions, model_name, code
):
    _, task_id, _ = ready_task(client)
    body = {
        "name": "r",
        "task_id": task_id,
        "model_name": model_name,
        "severity": "low",
        "detection_event_type": "drift_on",
        "monitoring_target": "error",
        "monitoring_metric": None,
        "actions": [action.model_dump(mode="json") for action in actions],
    }

    with sdk_client(platform, owner_key) as raw:
        response = post(raw, "/task/detection-event/rule", body)

    assert response.status_code == 400
    assert response.json()["error_code"] == code
    assert client.get_detection_event_rules(task_id) == []


def test_a_rule_for_a_model_the_task_lacks_is_refused(client):
    """Such a rule would never match an event: refused, naming the model and
    the task, and nothing is stored."""
    _, task_id, _ = ready_task(client)

    with pytest.raises(CreateDetectionEventRuleException) as raised:
        create(client, task_id, [SLACK], model_name="no-such-model")

    assert raised.value.error_code == "MODEL_NOT_FOUND"
    assert "'no-such-model'" in raised.value.error_message
    assert task_id in raised.value.error_message
    assert client.get_detection_event_rules(task_id) == []


def test_an_update_to_a_model_the_task_lacks_is_refused(client):
    """The same check on update; the rule keeps its model."""
    _, task_id, _ = ready_task(client)
    rule_id = create(client, task_id, [SLACK])

    with pytest.raises(UpdateDetectionEventRuleException) as raised:
        client.update_detection_event_rule(rule_id, model_name="no-such-model")

    assert raised.value.error_code == "MODEL_NOT_FOUND"
    assert "'no-such-model'" in raised.value.error_message
    assert task_id in raised.value.error_message
    assert client.get_detection_event_rule(rule_id).model_name == MODEL_NAME


def test_the_client_refuses_a_retrain_action_without_model(client):
    _, task_id, _ = ready_task(client)

    with pytest.raises(CreateDetectionEventRuleException) as raised:
        create(client, task_id, [RetrainAction()], model_name=None)

    assert raised.value.error_code == "CREATE_DETECTION_EVENT_RULE_ERROR"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_a_webhook_to_a_private_address_is_refused_at_save(client, url):
    _, task_id, _ = ready_task(client)

    with pytest.raises(CreateDetectionEventRuleException) as raised:
        create(client, task_id, [TeamsNotificationAction(webhook=url)])

    assert raised.value.error_code == "WEBHOOK_NOT_ALLOWED"
    assert "non-public address" in raised.value.error_message
    assert "ML3_WEBHOOK_ALLOW_PRIVATE" in raised.value.error_message
    assert client.get_detection_event_rules(task_id) == []


def test_an_update_is_checked_and_leaves_the_rule_unchanged(client):
    _, task_id, _ = ready_task(client)
    rule_id = create(client, task_id, [SLACK, RetrainAction()])

    with pytest.raises(UpdateDetectionEventRuleException) as private:
        client.update_detection_event_rule(
            rule_id,
            name="x",
            actions=[DiscordNotificationAction(webhook="http://10.0.0.1/")],
        )
    # Another model for the rule while its retrain action names the first.
    with pytest.raises(UpdateDetectionEventRuleException) as mismatch:
        client.update_detection_event_rule(rule_id, model_name="other")

    assert private.value.error_code == "WEBHOOK_NOT_ALLOWED"
    assert mismatch.value.error_code == "INVALID_ACTION_LIST"
    rule = client.get_detection_event_rule(rule_id)
    assert (rule.name, rule.model_name) == ("on drift", MODEL_NAME)
    assert rule.actions == [SLACK, RetrainAction(model_name=MODEL_NAME)]


def test_another_companys_rules_read_as_unknown(client, stranger):
    _, task_id, _ = ready_task(client)
    rule_id = create(client, task_id, [SLACK])

    for call in (
        lambda: stranger.get_detection_event_rule(rule_id),
        lambda: stranger.delete_detection_event_rule(rule_id),
    ):
        with pytest.raises(SDKClientException) as raised:
            call()
        assert raised.value.error_code == "DETECTION_EVENT_RULE_NOT_FOUND"
    with pytest.raises(UpdateDetectionEventRuleException) as raised:
        stranger.update_detection_event_rule(rule_id, name="mine")
    assert raised.value.error_code == "DETECTION_EVENT_RULE_NOT_FOUND"
    with pytest.raises(SDKClientException) as raised:
        stranger.get_detection_event_rules(task_id)
    assert raised.value.error_code == "TASK_NOT_FOUND"
    with pytest.raises(CreateDetectionEventRuleException) as raised:
        create(stranger, task_id, [SLACK])
    assert raised.value.error_code == "TASK_NOT_FOUND"
    assert client.get_detection_event_rule(rule_id).name == "on drift"


def test_an_unknown_rule(client):
    with pytest.raises(SDKClientException) as raised:
        client.get_detection_event_rule(unique("rule"))
    assert raised.value.error_code == "DETECTION_EVENT_RULE_NOT_FOUND"
