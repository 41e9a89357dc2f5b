"""Clients of the real platform, over a loopback socket, on every backend."""

from collections.abc import Iterator

import pytest

from ml3_platform_sdk.client import ML3PlatformClient
from support import unique


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


@pytest.fixture
def newcomer(platform) -> Iterator[ML3PlatformClient]:
    """The client of a fresh user who has no company yet."""
    with ML3PlatformClient(platform.url, platform.create_user(unique("user"))) as sdk:
        yield sdk


@pytest.fixture
def client(newcomer) -> ML3PlatformClient:
    """The client of a fresh user who owns a fresh company."""
    newcomer.create_company(name=unique("company"), address="1 Main St", vat="IT0")
    return newcomer


@pytest.fixture
def stranger(platform) -> Iterator[ML3PlatformClient]:
    """The client of the owner of another company."""
    with ML3PlatformClient(platform.url, platform.create_user(unique("user"))) as sdk:
        sdk.create_company(name=unique("company"), address="2 Side St", vat="FR0")
        yield sdk
