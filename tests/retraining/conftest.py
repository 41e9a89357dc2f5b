"""Retraining tests: the client of a fresh company owner, quiet uploads."""

from collections.abc import Iterator

import pytest

from ml3_platform_sdk.client import ML3PlatformClient
from support import unique


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


@pytest.fixture
def client(platform) -> Iterator[ML3PlatformClient]:
    with ML3PlatformClient(platform.url, platform.create_user(unique("user"))) as sdk:
        sdk.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        yield sdk
