"""Retrain triggers on Azure Event Grid, against the local HTTPS stand-in."""

import json

import pytest

from ml3_platform.embedded import free_port
from ml3_platform_sdk.exceptions import SDKClientException
from ml3_platform_sdk.models import AzureEventGridRetrainTrigger
from support import unique
from trigger_support import SOURCE, ready_model


def azure_credentials(client, principal: dict, project_id: str):
    return client.create_azure_integration_credentials(
        unique("azure"), True, project_id, json.dumps(principal)
    )


def test_test_trigger_sends_one_test_event(client, azure):
    project_id, model_id = ready_model(client)
    credentials = azure_credentials(client, azure.add_principal(), project_id)
    topic = unique("topic")

    client.test_retrain_trigger(
        model_id,
        AzureEventGridRetrainTrigger(
            credentials_id=credentials.credentials_id,
            topic_endpoint=azure.topic_endpoint(topic),
        ),
    )

    [event] = azure.events_of(topic)
    assert event["eventType"] == "ml3.retrain_request"
    assert event["subject"] == f"models/{model_id}"
    assert event["data"]["source"] == SOURCE
    assert event["data"]["model_id"] == model_id
    assert event["data"]["test"] is True
    assert event["id"] == event["data"]["idempotency_key"]


def test_retrain_model_sends_exactly_one_request(client, azure):
    project_id, model_id = ready_model(client)
    credentials = azure_credentials(client, azure.add_principal(), project_id)
    topic = unique("topic")
    client.set_retrain_trigger(
        model_id,
        AzureEventGridRetrainTrigger(
            credentials_id=credentials.credentials_id,
            topic_endpoint=azure.topic_endpoint(topic),
        ),
    )

    job_id = client.retrain_model(model_id)
    client.wait_job_completion(job_id, max_wait_timeout=120)

    [event] = azure.events_of(topic)
    assert event["id"] == f"job:{job_id}"
    assert event["data"]["model_id"] == model_id
    assert event["data"]["test"] is False


def test_a_wrong_client_secret_is_refused(client, azure):
    project_id, model_id = ready_model(client)
    principal = {**azure.add_principal(), "password": "not-the-secret"}
    credentials = azure_credentials(client, principal, project_id)
    topic = unique("topic")

    with pytest.raises(SDKClientException) as raised:
        client.test_retrain_trigger(
            model_id,
            AzureEventGridRetrainTrigger(
                credentials_id=credentials.credentials_id,
                topic_endpoint=azure.topic_endpoint(topic),
            ),
        )

    assert raised.value.error_code == "AZURE_EVENT_GRID_PUBLISH_FAILED"
    assert "Invalid client secret" in raised.value.error_message
    assert azure.events_of(topic) == []


def test_an_unreachable_topic_is_reported(client, azure):
    project_id, model_id = ready_model(client)
    credentials = azure_credentials(client, azure.add_principal(), project_id)
    # Nothing listens on a port that was just free.
    endpoint = f"https://127.0.0.1:{free_port()}/api/events"

    with pytest.raises(SDKClientException) as raised:
        client.test_retrain_trigger(
            model_id,
            AzureEventGridRetrainTrigger(
                credentials_id=credentials.credentials_id, topic_endpoint=endpoint
            ),
        )

    assert raised.value.error_code == "AZURE_EVENT_GRID_PUBLISH_FAILED"
    assert endpoint in raised.value.error_message
