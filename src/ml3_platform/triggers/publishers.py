"""Send a retrain request with each cloud's official SDK.

Every publisher returns the provider's id for the message (None when the
provider gives none) or raises :class:`CloudError` with a code naming the
provider and a message carrying what it said, so that
``test_retrain_trigger`` can tell a wrong credential from a missing topic
or an unreachable endpoint.
"""

import logging
from concurrent.futures import TimeoutError as FutureTimeout

from azure.core.exceptions import AzureError
from azure.eventgrid import EventGridEvent, EventGridPublisherClient
from botocore.exceptions import BotoCoreError, ClientError
from google.api_core import retry as api_retry
from google.api_core.exceptions import GoogleAPIError
from google.auth.exceptions import GoogleAuthError
from google.cloud import pubsub_v1

from ml3_platform.integrations.aws import aws_client, aws_session, describe_aws_error
from ml3_platform.integrations.azure import azure_credential
from ml3_platform.integrations.errors import CloudError
from ml3_platform.integrations.gcp import PUBSUB_SCOPE, gcp_credentials, gcp_project_id
from ml3_platform.integrations.resolver import ResolvedCredentials
from ml3_platform.settings import Settings
from ml3_platform.triggers.message import (
    DETAIL_TYPE,
    EVENT_TYPE,
    SCHEMA_VERSION,
    SOURCE,
    RetrainRequest,
)
from ml3_platform_sdk.enums import ExternalIntegration, RetrainTriggerType
from ml3_platform_sdk.models import (
    AWSEventBridgeRetrainTrigger,
    AzureEventGridRetrainTrigger,
    GCPPubSubRetrainTrigger,
    RetrainTrigger,
)

logger = logging.getLogger(__name__)

PROVIDERS = {
    RetrainTriggerType.AWS_EVENT_BRIDGE: ExternalIntegration.AWS,
    RetrainTriggerType.GCP_PUBSUB: ExternalIntegration.GCP,
    RetrainTriggerType.AZURE_EVENT_GRID: ExternalIntegration.AZURE,
}


def provider_of(trigger: RetrainTrigger) -> ExternalIntegration:
    return PROVIDERS[RetrainTriggerType(trigger.type)]


def publish(
    settings: Settings,
    trigger: RetrainTrigger,
    credentials: ResolvedCredentials,
    request: RetrainRequest,
) -> str | None:
    """Send ``request`` to ``trigger``; the provider's message id."""
    if isinstance(trigger, AWSEventBridgeRetrainTrigger):
        sent = _eventbridge(settings, trigger, credentials, request)
    elif isinstance(trigger, GCPPubSubRetrainTrigger):
        sent = _pubsub(settings, trigger, credentials, request)
    else:
        sent = _event_grid(settings, trigger, credentials, request)
    logger.info(
        "sent retrain request %s for model %s to %s",
        request.idempotency_key,
        request.model_id,
        trigger.type,
    )
    return sent


def _eventbridge(
    settings: Settings,
    trigger: AWSEventBridgeRetrainTrigger,
    credentials: ResolvedCredentials,
    request: RetrainRequest,
) -> str | None:
    session = aws_session(settings, credentials, trigger.aws_region_name)
    events = aws_client(settings, session, "events", trigger.aws_region_name)
    entry = {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": request.detail_json(),
        "EventBusName": trigger.event_bus_name,
    }
    try:
        answer = events.put_events(Entries=[entry])
    except (BotoCoreError, ClientError) as error:
        said = describe_aws_error(error)
        raise _failed("AWS_EVENTBRIDGE", trigger.event_bus_name, said) from None

    result = answer["Entries"][0]
    if answer.get("FailedEntryCount") or "ErrorCode" in result:
        said = f"{result.get('ErrorCode')}: {result.get('ErrorMessage')}"
        raise _failed("AWS_EVENTBRIDGE", trigger.event_bus_name, said)
    return result.get("EventId")


def _pubsub(
    settings: Settings,
    trigger: GCPPubSubRetrainTrigger,
    credentials: ResolvedCredentials,
    request: RetrainRequest,
) -> str | None:
    topic = _topic_path(trigger.topic_name, gcp_project_id(credentials))
    options = None
    if settings.gcp_pubsub_endpoint:
        options = {"api_endpoint": settings.gcp_pubsub_endpoint}
    # REST rather than gRPC: one request per message is all a trigger needs,
    # and the same transport reaches Google and a local emulator.
    publisher = pubsub_v1.PublisherClient(
        credentials=gcp_credentials(credentials, (PUBSUB_SCOPE,)),
        transport="rest",
        client_options=options,
    )
    retry = api_retry.Retry(initial=0.2, maximum=2.0, timeout=settings.trigger_timeout)

    try:
        future = publisher.publish(
            topic,
            request.detail_json().encode(),
            retry=retry,
            timeout=settings.trigger_timeout,
            **request.attributes(),
        )
        return future.result(timeout=settings.trigger_timeout + 5)
    except (GoogleAPIError, GoogleAuthError) as error:
        said = f"{type(error).__name__}: {_first_line(error)}"
        raise _failed("GCP_PUBSUB", topic, said) from None
    except FutureTimeout:
        raise _failed("GCP_PUBSUB", topic, "no answer in time") from None
    finally:
        publisher.stop()


def _event_grid(
    settings: Settings,
    trigger: AzureEventGridRetrainTrigger,
    credentials: ResolvedCredentials,
    request: RetrainRequest,
) -> str | None:
    # The Event Grid schema, a custom topic's default input schema; the
    # event id is the idempotency key, on which subscribers can dedupe.
    event = EventGridEvent(
        subject=f"models/{request.model_id}",
        event_type=EVENT_TYPE,
        data=request.detail(),
        data_version=SCHEMA_VERSION,
        id=request.idempotency_key,
    )
    client = EventGridPublisherClient(
        trigger.topic_endpoint,
        azure_credential(settings, credentials),
        retry_total=1,
        connection_timeout=settings.trigger_timeout,
        read_timeout=settings.trigger_timeout,
    )

    try:
        with client:
            client.send([event])
    except AzureError as error:
        said = f"{type(error).__name__}: {_first_line(error)}"
        raise _failed("AZURE_EVENT_GRID", trigger.topic_endpoint, said) from None
    return None


def _topic_path(topic_name: str, project_id: str) -> str:
    """``projects/<p>/topics/<t>``; a bare name is in the key's project."""
    if topic_name.startswith("projects/"):
        return topic_name
    return f"projects/{project_id}/topics/{topic_name}"


def _failed(provider: str, target: str, said: str) -> CloudError:
    return CloudError(
        f"{provider}_PUBLISH_FAILED",
        f"the retrain request could not be sent to {target}: {said}",
    )


def _first_line(error: Exception) -> str:
    text = getattr(error, "message", None) or str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
