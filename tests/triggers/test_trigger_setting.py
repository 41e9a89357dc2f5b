"""Setting, replacing and removing triggers; which credentials they use."""

import pytest

from ml3_platform_sdk.enums import RetrainTriggerType
from ml3_platform_sdk.exceptions import SDKClientException
from ml3_platform_sdk.models import (
    AzureEventGridRetrainTrigger,
    GCPPubSubRetrainTrigger,
)
from trigger_support import EventBus, aws_credentials, eventbridge_trigger, ready_model


def test_set_replace_and_remove_show_on_the_model(client, aws):
    project_id, model_id = ready_model(client)
    credentials = aws_credentials(client, aws, project_id)
    assert client.get_model(model_id).retrain_trigger is None

    first = eventbridge_trigger(credentials.credentials_id, EventBus(aws))
    client.set_retrain_trigger(model_id, first)
    assert client.get_model(model_id).retrain_trigger == first

    second = eventbridge_trigger(credentials.credentials_id, EventBus(aws))
    client.set_retrain_trigger(model_id, second)
    shown = client.get_model(model_id).retrain_trigger
    assert shown == second
    assert shown.type == RetrainTriggerType.AWS_EVENT_BRIDGE

    client.set_retrain_trigger(model_id, None)
    assert client.get_model(model_id).retrain_trigger is None


def test_a_trigger_needs_credentials_of_its_cloud(client, aws):
    project_id, model_id = ready_model(client)
    credentials = aws_credentials(client, aws, project_id)
    pubsub = GCPPubSubRetrainTrigger(
        credentials_id=credentials.credentials_id, topic_name="some-topic"
    )

    with pytest.raises(SDKClientException) as raised:
        client.set_retrain_trigger(model_id, pubsub)

    assert raised.value.error_code == "CREDENTIALS_PROVIDER_MISMATCH"
    assert client.get_model(model_id).retrain_trigger is None


def test_an_empty_credentials_id_uses_the_projects_default(client, aws):
    project_id, model_id = ready_model(client)
    bus = EventBus(aws)
    trigger = eventbridge_trigger("", bus)

    with pytest.raises(SDKClientException) as raised:
        client.set_retrain_trigger(model_id, trigger)
    assert raised.value.error_code == "CREDENTIALS_NOT_FOUND"
    assert "no default aws credentials" in raised.value.error_message

    aws_credentials(client, aws, project_id)  # registered as the default
    client.set_retrain_trigger(model_id, trigger)
    client.test_retrain_trigger(model_id, trigger)
    [event] = bus.received()
    assert event["detail"]["model_id"] == model_id


def test_missing_credentials_are_a_clear_error(client):
    _, model_id = ready_model(client)
    trigger = AzureEventGridRetrainTrigger(
        credentials_id="no-such-credentials",
        topic_endpoint="https://127.0.0.1:1/api/events",
    )

    with pytest.raises(SDKClientException) as raised:
        client.test_retrain_trigger(model_id, trigger)

    assert raised.value.error_code == "CREDENTIALS_NOT_FOUND"
    assert "no-such-credentials" in raised.value.error_message


def test_another_projects_credentials_read_as_unknown(client, aws):
    _, model_id = ready_model(client)
    other_project, _ = ready_model(client)
    credentials = aws_credentials(client, aws, other_project)
    trigger = eventbridge_trigger(credentials.credentials_id, EventBus(aws))

    with pytest.raises(SDKClientException) as raised:
        client.set_retrain_trigger(model_id, trigger)

    assert raised.value.error_code == "CREDENTIALS_NOT_FOUND"


def test_retrain_model_without_a_trigger_is_refused(client):
    _, model_id = ready_model(client)

    with pytest.raises(SDKClientException) as raised:
        client.retrain_model(model_id)

    assert raised.value.error_code == "RETRAIN_TRIGGER_NOT_SET"
    assert model_id in raised.value.error_message


def test_credentials_in_use_by_a_trigger_are_kept(client, aws):
    project_id, model_id = ready_model(client)
    credentials = aws_credentials(client, aws, project_id)
    client.set_retrain_trigger(
        model_id, eventbridge_trigger(credentials.credentials_id, EventBus(aws))
    )

    with pytest.raises(SDKClientException) as raised:
        client.delete_integration_credentials(credentials.credentials_id)
    assert raised.value.error_code == "CREDENTIALS_IN_USE"

    client.set_retrain_trigger(model_id, None)
    client.delete_integration_credentials(credentials.credentials_id)
