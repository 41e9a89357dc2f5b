"""Jobs: per-queue order, failures, and the filters of GET /job."""

import time

from ml3_platform import jobs
from ml3_platform.embedded import EmbeddedPlatform
from scaleout_support import skip_when_distributed
from support import (
    company_body,
    create_project,
    database_session,
    ok,
    post,
    ready_task,
    sdk_client,
)
from test_uploads import INPUTS, production, received, tabular


def submit(platform, group, project_id, payload, task_id=None, model_id=None,
           queue_key=None) -> str:
    with database_session(platform.settings) as session:
        job = jobs.submit(
            session, group, project_id, task_id, model_id, payload,
            queue_key=queue_key or task_id,
        )
        session.commit()
        return job.id


def wait_finished(api, job_ids, timeout=30.0) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = {job["job_id"]: job for job in ok(api.get("/job"))}
        if all(found[i]["status"] in ("completed", "error") for i in job_ids):
            return found
        time.sleep(0.05)
    raise TimeoutError("jobs did not finish")


def test_jobs_of_one_queue_run_one_at_a_time_in_order(platform, api, tmp_path):
    project_id = create_project(api)
    log = tmp_path / "log.txt"
    ids = [
        submit(
            platform, "test_record", project_id,
            {"log": str(log), "name": f"{queue}{n}", "sleep": 0.1},
            queue_key=f"{project_id}-{queue}",
        )
        for n in range(3)
        for queue in "ab"
    ]
    wait_finished(api, ids)

    lines = log.read_text().split()
    events = list(zip(lines[::2], lines[1::2], strict=True))
    for queue in "ab":
        mine = [name for kind, name in events if name.startswith(queue)]
        # start q0, end q0, start q1, ...: never two of one queue at once.
        assert mine == [f"{queue}{n}" for n in range(3) for _ in range(2)]
    # The two queues did run side by side.
    first_end = next(i for i, (kind, _) in enumerate(events) if kind == "end")
    assert first_end >= 2


def test_failures_end_in_error_with_a_message(platform, api):
    project_id = create_project(api)
    failed = submit(platform, "test_fail", project_id, {"message": "bad row 3"},
                    queue_key=project_id)
    refused = submit(platform, "test_refuse", project_id, {"message": "too long"},
                     queue_key=project_id)
    crashed = submit(platform, "test_crash", project_id, {}, queue_key=project_id)
    unknown = submit(platform, "no_such_group", project_id, {}, queue_key=project_id)
    found = wait_finished(api, [failed, refused, crashed, unknown])

    assert (found[failed]["status"], found[failed]["error"]) == ("error", "bad row 3")
    assert found[refused]["error"] == "VALUE_TOO_LONG: too long"
    assert found[crashed]["status"] == "error"
    assert "internal error" in found[crashed]["error"]
    assert "no_such_group" in found[unknown]["error"]


def test_job_filters_and_names(platform, api, tmp_path):
    project_id, task_id, model_id = ready_task(api)
    other_project = create_project(api)
    log = str(tmp_path / "log.txt")
    on_model = submit(platform, "test_record", project_id,
                      {"log": log, "name": "m"}, task_id, model_id)
    on_task = submit(platform, "test_fail", project_id,
                     {"message": "no"}, task_id)
    elsewhere = submit(platform, "test_record", other_project,
                       {"log": log, "name": "o"}, queue_key=other_project)
    wait_finished(api, [on_model, on_task, elsewhere])

    def ids(**query) -> list[str]:
        return [job["job_id"] for job in ok(api.get("/job", params=query))]

    assert ids(project_id=project_id) == [on_model, on_task]
    assert ids(task_id=task_id) == [on_model, on_task]
    assert ids(model_id=model_id) == [on_model]
    assert ids(project_id=project_id, status="error") == [on_task]
    assert ids(job_id=elsewhere) == [elsewhere]
    assert ids(job_id="unknown") == []

    [job] = ok(api.get("/job", params={"job_id": on_model}))
    project = ok(api.get(f"/project/{project_id}"))
    task = ok(api.get(f"/task/{task_id}"))
    assert job["project_name"] == project["name"]
    assert job["task_name"] == task["name"]
    assert job["model_name"] == "model"
    [job] = ok(api.get("/job", params={"job_id": elsewhere}))
    assert (job["task_id"], job["task_name"], job["model_id"]) == ("", "", None)


def test_a_job_committed_by_a_request_wakes_an_idle_worker(tmp_path):
    """Idle workers look for jobs once an hour here: the job still runs at
    once, since the request's commit wakes them (jobs/executor.py)."""
    skip_when_distributed("the in-process executor's wake-up")
    with EmbeddedPlatform(home=tmp_path, job_poll_interval=3600) as platform:
        with sdk_client(platform, platform.create_user("waker")) as api:
            ok(post(api, "/company", company_body()))
            _, task_id, _ = ready_task(api)
            upload_id = received(api, task_id, INPUTS, storing_data_type="production")
            body = production(task_id, inputs=tabular(upload_id))
            job_id = ok(post(api, "/data/production", body))

            found = wait_finished(api, [job_id], timeout=60.0)

    assert found[job_id]["status"] == "completed", found[job_id]["error"]
