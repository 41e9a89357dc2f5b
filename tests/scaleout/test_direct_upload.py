"""With S3, clients upload straight to the bucket (protocol §3.2–3.3)."""

import base64
import hashlib

import httpx
import pytest
from sqlalchemy import select

from ml3_platform.db.tables import Upload
from ml3_platform.storage import store_from_settings
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.exceptions import JobFailureException
from support import CSV, add_schema, create_project, create_model, create_task
from support import database_session, ok, post, presign, unique, upload



@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


def test_presigned_url_is_the_buckets_and_the_job_reads_it(scaled):
    api = _api(scaled)
    task_id = create_task(api, create_project(api))
    presigned = presign(api, task_id, CSV)
    target = presigned["presigned_url"]

    assert target["url"] == f"{scaled.settings.s3_endpoint_url}/{_bucket(scaled)}"
    assert target["fields"]["success_action_status"] == "204"
    checksum = target["fields"]["x-amz-checksum-sha256"]
    assert checksum == _b64_sha256(CSV)
    assert upload(presigned, CSV).status_code == 204

    store = store_from_settings(scaled.settings)
    key = _upload(scaled, presigned["storing_process_id"]).storage_key
    assert store.get_bytes(key) == CSV
    assert _upload(scaled, presigned["storing_process_id"]).uploaded_at is None


def test_bytes_unlike_the_checksum_fail_the_job_and_store_nothing(scaled):
    api = _api(scaled)
    task_id = create_task(api, create_project(api), optional_target=True)
    ok(add_schema(api, task_id))
    create_model(api, task_id)
    presigned = presign(api, task_id, CSV)
    # moto's POST does not check x-amz-checksum-sha256 (AWS does): the job
    # must catch the difference either way.
    assert upload(presigned, CSV + b"b,2.0,0.1,0.2\n").status_code == 204

    body = {"task_id": task_id, "inputs": _tabular(presigned), "target": None}
    job_id = ok(post(api, "/data/historical", body))
    client = ML3PlatformClient(scaled.url, api.headers["X-Api-Key"])
    with pytest.raises(JobFailureException):
        client.wait_job_completion(job_id)
    job = client.get_job(job_id)
    assert job.status == "error"
    assert "differs from the announced file_checksum" in job.error
    assert store_from_settings(scaled.settings).list(f"tasks/{task_id}") == []


def test_data_sent_before_the_file_is_refused(scaled):
    api = _api(scaled)
    task_id = create_task(api, create_project(api))
    ok(add_schema(api, task_id))
    presigned = presign(api, task_id, CSV)

    body = {"task_id": task_id, "inputs": _tabular(presigned), "target": None}
    response = post(api, "/data/historical", body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "UPLOAD_NOT_RECEIVED"


def _api(platform) -> httpx.Client:
    key = platform.create_user(unique("user"))
    api = httpx.Client(base_url=f"{platform.url}/sdk/v1", headers={"X-Api-Key": key})
    ok(post(api, "/company", {"name": unique("c"), "address": "1", "vat": "IT0"}))
    return api


def _tabular(presigned: dict) -> dict:
    source = {"storing_process_id": presigned["storing_process_id"]}
    return {"data_structure": "tabular", "source": source}


def _upload(platform, upload_id: str) -> Upload:
    with database_session(platform.settings) as session:
        return session.scalar(select(Upload).where(Upload.id == upload_id))


def _bucket(platform) -> str:
    return platform.settings.data_url.removeprefix("s3://").split("/", 1)[0]


def _b64_sha256(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()
