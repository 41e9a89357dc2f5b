"""Fixtures of the client tests: a client wired to a recording transport."""

import httpx
import pytest
from client_recording import Recorder

from ml3_platform_sdk.client import ML3PlatformClient


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> ML3PlatformClient:
    with ML3PlatformClient(
        "http://platform.test", "key-1", transport=httpx.MockTransport(recorder)
    ) as client:
        yield client


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


@pytest.fixture
def model_json() -> dict:
    return {
        "model_id": "m1", "task_id": "t1", "name": "m", "version": "v1",
        "status": "not_initialized",
        "status_insert_datetime": "2023-09-11T08:27:41.431000",
        "prediction_status": "not_initialized",
        "prediction_status_insert_datetime": "2023-09-11T08:27:41.431000",
        "metric_name": "rmse", "retraining_cost": 0.0,
    }
