"""Presigned uploads: announce, POST the file, 204 (protocol §3.2–3.3)."""

import threading
import time

import httpx
import pytest
from sqlalchemy import text

from ml3_platform import jobs
from ml3_platform.services.errors import DomainError
from ml3_platform.services.received import claim
from scaleout_support import skip_when_distributed
from support import (
    CSV,
    create_project,
    create_task,
    database_session,
    ok,
    post,
    presign,
    ready_task,
    unique,
    upload,
)
from test_setup import historical_body

# Scale-out: with S3, clients upload to the bucket, not to our upload route;
# tests/scaleout/test_direct_upload.py covers that path.
OWN_ROUTE = "the file goes to our own upload route and data folder"

def test_upload_is_stored_and_answers_204(platform, api):
    skip_when_distributed(OWN_ROUTE)
    task_id = create_task(api, create_project(api))
    presigned = presign(api, task_id, CSV)

    assert presigned["presigned_url"]["url"].startswith(f"{platform.url}/upload/")
    assert presigned["presigned_url"]["fields"] == {}
    assert "X-Api-Key" not in presigned["presigned_url"]["url"]
    response = upload(presigned, CSV)
    assert response.status_code == 204
    assert list((platform.settings.home / "data" / "uploads").rglob("data.csv"))


def test_checksum_mismatch_is_refused_and_nothing_is_kept(platform, api):
    skip_when_distributed(OWN_ROUTE)
    task_id = create_task(api, create_project(api))
    presigned = presign(api, task_id, CSV)

    response = upload(presigned, CSV + b"b,2.0,0.1,0.2\n")
    assert response.status_code == 400
    assert response.json()["error_code"] == "UPLOAD_CHECKSUM_MISMATCH"
    folder = platform.settings.home / "data" / "uploads" / presigned[
        "storing_process_id"
    ]
    assert not folder.exists() or not any(folder.iterdir())


def test_unknown_token_is_refused(platform):
    response = httpx.post(
        f"{platform.url}/upload/nope", files={"file": ("f.csv", CSV)}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "UPLOAD_URL_INVALID"


def test_bad_checksum_or_category_is_refused(api):
    task_id = create_task(api, create_project(api))
    response = api.get(
        "/data/presigned-url",
        params={
            "task_id": task_id,
            "data_structure": "tabular",
            "storing_data_type": "historical",
            "file_name": "f.csv",
            "file_type": "csv",
            "is_folder": "True",
            "file_checksum": "abc",
            "data_category": "input",
        },
    )
    assert response.json()["error_code"] == "INVALID_CHECKSUM"


# --- Each upload serves one data call -------------------------------------

INPUTS = b"sample_id,timestamp,x\na,1.0,0.5\nb,2.0,0.7\n"
PREDICTIONS = b"sample_id,timestamp,model@v1\na,1.0,1.0\nb,2.0,1.5\n"


def received(api, task_id: str, content: bytes, **params) -> str:
    """A file announced and uploaded; its storing process id."""
    presigned = presign(api, task_id, content, **params)
    assert upload(presigned, content).status_code == 204
    return presigned["storing_process_id"]


def tabular(storing_process_id: str) -> dict:
    source = {"storing_process_id": storing_process_id}
    return {"data_structure": "tabular", "source": source}


def production(task_id: str, inputs=None, predictions=None) -> dict:
    return {
        "task_id": task_id,
        "inputs": inputs,
        "target": None,
        "predictions": predictions,
    }


def finished(api, job_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [job] = ok(api.get("/job", params={"job_id": job_id}))
        if job["status"] in ("completed", "error"):
            return job
        time.sleep(0.05)
    raise TimeoutError(f"job {job_id} did not finish")


def job_ids(api, task_id: str) -> set[str]:
    return {job["job_id"] for job in ok(api.get("/job", params={"task_id": task_id}))}


def test_an_upload_used_by_a_call_is_refused_to_the_next(api):
    """A second call with the same file would store its rows twice: refused
    at once, naming the job that used it, and no second job is made."""
    _, task_id, _ = ready_task(api)
    upload_id = received(api, task_id, INPUTS, storing_data_type="production")
    body = production(task_id, inputs=tabular(upload_id))
    first = ok(post(api, "/data/production", body))

    response = post(api, "/data/production", body)

    assert response.status_code == 400
    assert response.json()["error_code"] == "UPLOAD_ALREADY_USED"
    assert upload_id in response.json()["error_message"]
    assert f"job {first}" in response.json()["error_message"]
    assert job_ids(api, task_id) == {first}
    assert finished(api, first)["status"] == "completed"
    assert post(api, "/data/production", body).status_code == 400


def test_an_upload_given_twice_in_one_call_is_refused(api):
    """One file cannot be two sources of a call (its columns fit one)."""
    _, task_id, _ = ready_task(api)
    upload_id = received(api, task_id, CSV)
    source = tabular(upload_id)
    body = {"task_id": task_id, "inputs": source, "target": source}

    response = post(api, "/data/historical", body)

    assert response.json()["error_code"] == "UPLOAD_ALREADY_USED"
    assert "twice" in response.json()["error_message"]
    assert job_ids(api, task_id) == set()


def test_a_historical_upload_is_refused_to_a_production_call(api):
    """Already so before: an upload is announced for one kind of data."""
    _, task_id, _ = ready_task(api)
    upload_id = received(api, task_id, CSV)
    ok(post(api, "/data/historical", historical_body(task_id, upload_id)))

    response = post(api, "/data/production", production(task_id, tabular(upload_id)))

    assert response.json()["error_code"] == "UPLOAD_KIND_MISMATCH"


def test_the_upload_of_a_failed_job_may_be_given_again(api):
    """A failed job stored nothing, so its file may serve a retry: here
    predictions sent before their inputs, sent again once the inputs are in."""
    _, task_id, model_id = ready_task(api)
    predictions_id = received(
        api, task_id, PREDICTIONS, storing_data_type="production",
        data_category="prediction", model_id=model_id,
    )  # fmt: skip
    inputs_id = received(api, task_id, INPUTS, storing_data_type="production")
    body = production(task_id, predictions=[[model_id, tabular(predictions_id)]])
    early = ok(post(api, "/data/production", body))
    assert finished(api, early)["status"] == "error"

    ok(post(api, "/data/production", production(task_id, inputs=tabular(inputs_id))))
    retry = ok(post(api, "/data/production", body))

    assert finished(api, retry)["status"] == "completed"
    assert post(api, "/data/production", body).json()["error_code"] == (
        "UPLOAD_ALREADY_USED"
    )


def record_job(session, project_id: str, folder):
    """A job that only logs, on a queue of its own (a scaled-out platform
    would otherwise hold the second submission until the first commits)."""
    payload = {"log": str(folder / "log.txt"), "name": "n"}
    return jobs.submit(
        session, "test_record", project_id, None, None, payload,
        queue_key=unique("race"),
    )  # fmt: skip


def test_of_two_calls_racing_for_an_upload_one_gets_it(
    platform, api, backend, tmp_path
):
    """Both see the file free; the second waits on the first's claim and,
    once that commits, is refused rather than taking the file as well."""
    if backend != "postgresql":
        pytest.skip("SQLite lets one writer in at a time")
    project_id, task_id, _ = ready_task(api)
    upload_id = received(api, task_id, INPUTS, storing_data_type="production")
    refusals = []

    def second_call() -> None:
        with database_session(platform.settings) as session:
            job = record_job(session, project_id, tmp_path)
            try:
                claim(session, [upload_id], job)
            except DomainError as error:
                refusals.append(error)

    with database_session(platform.settings) as session:
        job = record_job(session, project_id, tmp_path)
        claim(session, [upload_id], job)
        rival = threading.Thread(target=second_call)
        rival.start()
        _wait_for_a_lock_wait(platform.settings)
        session.commit()
    rival.join(timeout=30)

    assert [error.code for error in refusals] == ["UPLOAD_ALREADY_USED"]
    assert "just taken by another call" in refusals[0].message


def _wait_for_a_lock_wait(settings, seconds: float = 30.0) -> None:
    """Until some session of the test database waits on a lock: the rival's
    claim blocked on the row the first claim holds (a fixed sleep raced
    with a slow start of the rival thread on a loaded machine)."""
    waiting = text(
        "select count(*) from pg_stat_activity "
        "where datname = current_database() and wait_event_type = 'Lock' "
        "and query ilike '%uploads%'"
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with database_session(settings) as probe:
            if probe.scalar(waiting):
                return
        time.sleep(0.02)
    raise AssertionError("the rival call never waited on the claimed upload")

