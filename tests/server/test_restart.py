"""A job left running by a killed server runs again after a restart."""

import time

from sqlalchemy import select

from ml3_platform import jobs
from ml3_platform.db.tables import Job
from scaleout_support import skip_when_distributed
from support import company_body, create_project, database_session, ok, post
from support import platform_env, run_ml3, sdk_client


def wait_for(condition, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_job_killed_mid_run_is_run_again(server_process, tmp_path):
    skip_when_distributed(
        "restarts the in-process executor of one `ml3 serve`; the distributed "
        "queue's takeover is tests/scaleout/test_worker_killed.py"
    )
    server = server_process()
    result = run_ml3("init", env=platform_env(server.settings))
    api_key = result.stdout.strip().splitlines()[-1]
    with sdk_client(server, api_key) as api:
        ok(post(api, "/company", company_body()))
        project_id = create_project(api)

    started, release = tmp_path / "started", tmp_path / "release"
    payload = {"started": str(started), "release": str(release)}
    with database_session(server.settings) as session:
        job_id = jobs.submit(
            session, "test_block", project_id, None, None, payload,
            queue_key=project_id,
        ).id
        session.commit()
    wait_for(started.exists)

    server.kill()
    assert job_status(server.settings, job_id) == "running"

    started.unlink()
    release.touch()
    server_process()
    wait_for(lambda: job_status(server.settings, job_id) == "completed")
    assert started.exists()
    with database_session(server.settings) as session:
        job = session.scalar(select(Job).where(Job.id == job_id))
        assert job.attempts == 2


def job_status(settings, job_id: str) -> str:
    with database_session(settings) as session:
        return session.scalar(select(Job.status).where(Job.id == job_id))
