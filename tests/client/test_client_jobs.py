"""``wait_job_completion`` and the polling loop behind it."""

import time

import pytest

from ml3_platform_sdk._jobs import wait_for_job
from ml3_platform_sdk.exceptions import (
    JobFailureException,
    JobNotFoundException,
    JobWaitTimeoutException,
    SDKClientException,
)
from ml3_platform_sdk.models import Job


def job(status, error=None):
    return {"job_id": "j1", "job_group": "historical", "project_id": "p",
            "project_name": "P", "task_id": "t", "task_name": "T",
            "status": status, "error": error}


def test_a_completed_job_returns_at_once(client, recorder):
    recorder.answer("GET", "/job", [job("completed")])

    started = time.monotonic()
    client.wait_job_completion("j1")

    assert time.monotonic() - started < 0.05
    assert recorder.last.url.raw_path == b"/sdk/v1/job?job_id=j1"


def test_polls_until_completed(client, recorder):
    for status in ("idle", "running", "completed"):
        recorder.answer("GET", "/job", [job(status)])

    client.wait_job_completion("j1")

    assert len(recorder.requests) == 3


def test_a_failed_job_carries_its_error(client, recorder):
    recorder.answer("GET", "/job", [job("error", "column x is missing")])

    with pytest.raises(JobFailureException) as raised:
        client.wait_job_completion("j1")

    assert raised.value.error_message == "column x is missing"


def test_an_unknown_job_is_not_found(client, recorder):
    recorder.answer("GET", "/job", [])

    with pytest.raises(JobNotFoundException) as raised:
        client.wait_job_completion("j1")

    assert raised.value.error_code == "No job found with id j1"


def test_get_job_refuses_several_answers(client, recorder):
    recorder.answer("GET", "/job", [job("idle"), job("idle")])

    with pytest.raises(SDKClientException) as raised:
        client.get_job("j1")

    assert raised.value.error_code == "Found more than one job with id j1"


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


def running(_job_id):
    return Job.model_validate(job("running"))


def test_backs_off_geometrically_to_the_cap_and_times_out():
    fake = FakeTime()

    with pytest.raises(JobWaitTimeoutException):
        wait_for_job(running, "j1", 30, sleep=fake.sleep, clock=fake.clock)

    assert fake.sleeps[:3] == pytest.approx([0.02, 0.025, 0.03125])
    assert max(fake.sleeps) == 5.0
    assert fake.now == pytest.approx(30)


def test_mlcube_polling_caps_the_interval(monkeypatch):
    monkeypatch.setenv("MLCUBE_POLLING", "1")
    fake = FakeTime()

    with pytest.raises(JobWaitTimeoutException):
        wait_for_job(running, "j1", 10, sleep=fake.sleep, clock=fake.clock)

    assert max(fake.sleeps) == 1.0
