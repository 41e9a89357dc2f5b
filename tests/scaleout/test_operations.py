"""Operators' endpoints: /health and /metrics, on whichever platform runs."""

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from ml3_platform import jobs
from support import create_project, database_session, ok


def test_health_checks_database_store_and_queue(platform):
    response = httpx.get(f"{platform.url}/health", timeout=30)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"] == {"status": "ok"}
    assert report["store"]["status"] == "ok"
    if platform.settings.distributed:
        assert report["queue"]["kind"] == "procrastinate"
        assert report["queue"]["workers"] >= 1
    else:
        assert report["queue"]["kind"] == "in-process"


def test_metrics_count_requests_by_route_and_jobs_by_status(platform, api, tmp_path):
    project_id = create_project(api)
    payload = {"log": str(tmp_path / "log.txt"), "name": "one", "sleep": 0}
    with database_session(platform.settings) as session:
        job_id = jobs.submit(
            session, "test_record", project_id, None, None, payload,
            queue_key=project_id,
        ).id
        session.commit()
    _wait_completed(api, job_id)
    api.get(f"/project/{project_id}")

    samples = _samples(httpx.get(f"{platform.url}/metrics", timeout=30).text)

    requests = samples["ml3_http_requests_total"]
    assert any(
        labels["route"].endswith("/project/{project_id}") and labels["status"] == "200"
        for labels, _ in requests
    )
    by_status = {(l["status"], l["job_group"]): v for l, v in samples["ml3_jobs"]}
    assert by_status[("completed", "test_record")] >= 1
    assert "ml3_http_request_seconds_bucket" in samples
    if not platform.settings.distributed:
        # In-process, jobs run in the API process; workers serve their own.
        durations = samples["ml3_job_seconds_count"]
        assert any(l["job_group"] == "test_record" for l, _ in durations)


def _samples(text: str) -> dict[str, list[tuple[dict, float]]]:
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def _wait_completed(api, job_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = ok(api.get("/job", params={"job_id": job_id}))
        if found and found[0]["status"] == "completed":
            return
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not complete")
