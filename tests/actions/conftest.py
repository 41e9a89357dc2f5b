"""A platform that delivers to real receivers on loopback, on every backend.

Webhooks to loopback are allowed here (``webhook_allow_private``), retries
are a few hundredths of a second apart, and the error monitor learns its
baseline from 200 samples, so a drift and its deliveries take seconds.
Retrain triggers publish to moto's EventBridge.
"""

import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from ml3_platform.embedded import EmbeddedPlatform
from ml3_platform_sdk.client import ML3PlatformClient
from receivers import SMTP_PASSWORD, SMTP_USER, SmtpReceiver, WebhookReceiver
from support import unique

# The end-to-end tests' data helpers (samples, uploads) and the trigger
# tests' AWS stand-ins (an EventBridge bus copied into SQS) serve here too.
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).parents[1] / "triggers"))

from standins import AWS_REGION

# Retries: few and quick.
MAX_ATTEMPTS = 3
RETRY_BASE = 0.05


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


@pytest.fixture(scope="module")
def webhooks() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def aws(moto_url):
    """boto3 clients of the moto server, as the customer's own account."""

    def client(service: str):
        return boto3.client(service, region_name=AWS_REGION, endpoint_url=moto_url)

    return client


@pytest.fixture(scope="module")
def alerting(
    backend, new_database, tmp_path_factory, smtp, moto_url
) -> Iterator[EmbeddedPlatform]:
    with EmbeddedPlatform(
        home=tmp_path_factory.mktemp(f"alerting-{backend}"),
        database_url=new_database(backend),
        job_poll_interval=0.02,
        baseline_samples=200,
        drift_run_length=1e5,
        warning_run_length=1e3,
        webhook_allow_private=True,
        delivery_max_attempts=MAX_ATTEMPTS,
        delivery_retry_base=RETRY_BASE,
        delivery_poll_interval=0.02,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_user=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
        smtp_from="ml3@example.org",
        aws_endpoint_url=moto_url,
        aws_region=AWS_REGION,
    ) as running:
        yield running


@pytest.fixture
def alert_client(alerting) -> Iterator[ML3PlatformClient]:
    """A fresh company owner on the delivering platform."""
    key = alerting.create_user(unique("user"))
    with ML3PlatformClient(alerting.url, key) as sdk:
        sdk.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        yield sdk


@pytest.fixture
def owner_key(platform) -> str:
    return platform.create_user(unique("u"))


@pytest.fixture
def client(platform, owner_key) -> Iterator[ML3PlatformClient]:
    """A fresh company owner on the shared platform (private webhooks refused)."""
    with ML3PlatformClient(platform.url, owner_key) as sdk:
        sdk.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        yield sdk


@pytest.fixture
def stranger(platform) -> Iterator[ML3PlatformClient]:
    """The owner of another company on the shared platform."""
    with ML3PlatformClient(platform.url, platform.create_user(unique("u"))) as sdk:
        sdk.create_company(name=unique("company"), address="2 Side St", vat="FR0")
        yield sdk
