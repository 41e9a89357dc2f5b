"""A platform wired to local stand-ins of AWS, GCP and Azure, per backend."""

import os
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from ml3_platform.embedded import EmbeddedPlatform, free_port
from ml3_platform_sdk.client import ML3PlatformClient
from standins import (
    AWS_REGION,
    AzureStandIn,
    PubSubEmulator,
    PubSubGate,
    self_signed_certificate,
)
from support import unique


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """The platform's own AWS identity, as the default boto3 chain finds it."""
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["AWS_ACCESS_KEY_ID"] = "platform-key"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "platform-secret"
    os.environ.pop("AWS_SESSION_TOKEN", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def moto_url(aws_env) -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def aws(moto_url):
    """boto3 clients of the moto server, as the customer's own account."""

    def client(service: str):
        return boto3.client(service, region_name=AWS_REGION, endpoint_url=moto_url)

    return client


@pytest.fixture(scope="session")
def pubsub(tmp_path_factory) -> Iterator[PubSubGate]:
    """The Pub/Sub emulator behind its gate; the platform talks to the gate."""
    if not PubSubEmulator.available():
        pytest.skip("the Pub/Sub emulator (gcloud, java) is not installed")
    emulator = PubSubEmulator(tmp_path_factory.mktemp("pubsub"))
    emulator.start()
    gate = PubSubGate(emulator)
    gate.start()
    yield gate
    gate.stop()
    emulator.stop()


@pytest.fixture(scope="session")
def azure(tmp_path_factory) -> Iterator[AzureStandIn]:
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    # The Azure SDKs use requests, which trusts this bundle instead of the
    # system's; nothing else in these tests speaks HTTPS.
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(cert)
    standin = AzureStandIn(cert, key)
    standin.start()
    yield standin
    standin.stop()
    if saved is None:
        os.environ.pop("REQUESTS_CA_BUNDLE", None)
    else:
        os.environ["REQUESTS_CA_BUNDLE"] = saved


@pytest.fixture(scope="session")
def trigger_platform(
    backend, new_database, tmp_path_factory, moto_url, pubsub, azure
) -> Iterator[EmbeddedPlatform]:
    with EmbeddedPlatform(
        home=tmp_path_factory.mktemp(f"triggers-{backend}"),
        database_url=new_database(backend),
        job_poll_interval=0.02,
        workers=2,
        aws_endpoint_url=moto_url,
        aws_region=AWS_REGION,
        gcp_pubsub_endpoint=pubsub.url,
        azure_authority_host=azure.url,
        trigger_timeout=5.0,
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


@pytest.fixture
def client(trigger_platform) -> Iterator[ML3PlatformClient]:
    """The client of a fresh user who owns a fresh company."""
    key = trigger_platform.create_user(unique("user"))
    with ML3PlatformClient(trigger_platform.url, key) as sdk:
        sdk.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        yield sdk
