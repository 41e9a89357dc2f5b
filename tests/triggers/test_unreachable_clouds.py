"""A cloud that does not answer is reported, in seconds, with what failed.

Publishers are called directly: the endpoints of AWS and Pub/Sub are the
server's settings, so a platform per unreachable endpoint is not needed.
"""

import pytest

from ml3_platform.embedded import free_port
from ml3_platform.integrations.errors import CloudError
from ml3_platform.integrations.resolver import ResolvedCredentials
from ml3_platform.settings import Settings
from ml3_platform.triggers import RetrainRequest, publish
from ml3_platform_sdk.enums import ExternalIntegration
from ml3_platform_sdk.models import (
    AWSEventBridgeRetrainTrigger,
    GCPPubSubRetrainTrigger,
)
from standins import AWS_ACCOUNT, service_account_key

REQUEST = RetrainRequest(
    model_id="m1",
    model_name="reg",
    model_version="v1",
    task_id="t1",
    project_id="p1",
    idempotency_key="job:j1",
)


def closed_endpoint() -> str:
    # Nothing listens on a port that was just free.
    return f"http://127.0.0.1:{free_port()}"


def test_an_unreachable_sts_fails_the_role_assumption(aws_env):
    settings = Settings(aws_endpoint_url=closed_endpoint(), trigger_timeout=2)
    credentials = ResolvedCredentials(
        credentials_id="c1",
        project_id="p1",
        name="aws",
        provider=ExternalIntegration.AWS,
        public={"role_arn": f"arn:aws:iam::{AWS_ACCOUNT}:role/r"},
        secret={"external_id": "external-id-1"},
    )
    trigger = AWSEventBridgeRetrainTrigger(
        credentials_id="c1", aws_region_name="eu-west-1", event_bus_name="bus"
    )

    with pytest.raises(CloudError) as raised:
        publish(settings, trigger, credentials, REQUEST)

    assert raised.value.code == "AWS_ASSUME_ROLE_FAILED"
    assert settings.aws_endpoint_url in raised.value.message


def test_an_unreachable_pubsub_fails_the_publish():
    settings = Settings(gcp_pubsub_endpoint=closed_endpoint(), trigger_timeout=2)
    credentials = ResolvedCredentials(
        credentials_id="c1",
        project_id="p1",
        name="gcp",
        provider=ExternalIntegration.GCP,
        public={},
        secret=service_account_key(token_uri=f"{closed_endpoint()}/token"),
    )
    trigger = GCPPubSubRetrainTrigger(credentials_id="c1", topic_name="topic-x")

    with pytest.raises(CloudError) as raised:
        publish(settings, trigger, credentials, REQUEST)

    assert raised.value.code == "GCP_PUBSUB_PUBLISH_FAILED"
    assert "ConnectionError" in raised.value.message
