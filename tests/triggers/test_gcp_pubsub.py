"""Retrain triggers on GCP Pub/Sub, against the emulator behind its auth gate."""

import base64
import json

import pytest

from ml3_platform_sdk.exceptions import SDKClientException
from ml3_platform_sdk.models import GCPPubSubRetrainTrigger
from standins import GCP_PROJECT, service_account_key
from support import unique
from trigger_support import SOURCE, ready_model


@pytest.fixture
def topic(pubsub) -> tuple[str, str]:
    """A topic with a subscription that sees every message published to it."""
    name, subscription = unique("topic"), unique("subscription")
    pubsub.emulator.create_topic(name)
    pubsub.emulator.create_subscription(name, subscription)
    return name, subscription


def gcp_credentials(client, pubsub, project_id: str, registered: bool = True):
    key = service_account_key(token_uri=f"{pubsub.url}/token")
    if registered:
        pubsub.register(key)
    return client.create_gcp_integration_credentials(
        unique("gcp"), True, project_id, json.dumps(key)
    )


def received(pubsub, subscription: str) -> list[tuple[dict, dict]]:
    return [
        (json.loads(base64.b64decode(message["data"])), message["attributes"])
        for message in pubsub.emulator.pull(subscription)
    ]


def test_test_trigger_publishes_one_test_message(client, pubsub, topic):
    project_id, model_id = ready_model(client)
    credentials = gcp_credentials(client, pubsub, project_id)
    name, subscription = topic

    client.test_retrain_trigger(
        model_id,
        GCPPubSubRetrainTrigger(
            credentials_id=credentials.credentials_id, topic_name=name
        ),
    )

    [(data, attributes)] = received(pubsub, subscription)
    assert data["source"] == SOURCE
    assert data["type"] == "ml3.retrain_request"
    assert data["model_id"] == model_id
    assert data["test"] is True
    assert attributes["source"] == SOURCE
    assert attributes["model_id"] == model_id
    assert attributes["test"] == "true"


def test_retrain_model_publishes_exactly_one_request(client, pubsub, topic):
    project_id, model_id = ready_model(client)
    credentials = gcp_credentials(client, pubsub, project_id)
    name, subscription = topic
    # The topic's full path works as well as its bare name.
    client.set_retrain_trigger(
        model_id,
        GCPPubSubRetrainTrigger(
            credentials_id=credentials.credentials_id,
            topic_name=f"projects/{GCP_PROJECT}/topics/{name}",
        ),
    )

    job_id = client.retrain_model(model_id)
    client.wait_job_completion(job_id, max_wait_timeout=120)

    [(data, attributes)] = received(pubsub, subscription)
    assert data["model_id"] == model_id
    assert data["test"] is False
    assert data["idempotency_key"] == f"job:{job_id}"
    assert attributes["idempotency_key"] == f"job:{job_id}"
    assert received(pubsub, subscription) == []


def test_a_key_google_does_not_know_is_refused(client, pubsub, topic):
    project_id, model_id = ready_model(client)
    credentials = gcp_credentials(client, pubsub, project_id, registered=False)
    name, subscription = topic

    with pytest.raises(SDKClientException) as raised:
        client.test_retrain_trigger(
            model_id,
            GCPPubSubRetrainTrigger(
                credentials_id=credentials.credentials_id, topic_name=name
            ),
        )

    assert raised.value.error_code == "GCP_PUBSUB_PUBLISH_FAILED"
    assert "invalid authentication credentials" in raised.value.error_message
    assert received(pubsub, subscription) == []


def test_a_missing_topic_is_the_providers_error(client, pubsub):
    project_id, model_id = ready_model(client)
    credentials = gcp_credentials(client, pubsub, project_id)

    with pytest.raises(SDKClientException) as raised:
        client.test_retrain_trigger(
            model_id,
            GCPPubSubRetrainTrigger(
                credentials_id=credentials.credentials_id, topic_name="no-such-topic"
            ),
        )

    assert raised.value.error_code == "GCP_PUBSUB_PUBLISH_FAILED"
    assert "no-such-topic" in raised.value.error_message
