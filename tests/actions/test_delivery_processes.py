"""Deliveries run by separate ``ml3 deliver`` processes, not by the API.

The platform here runs no delivery worker of its own
(``deliveries_in_process=False``): what monitoring queued stays pending
until two ``ml3 deliver`` processes on the same database send it, each
delivery once.
"""

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from alerts import deliveries, drive_error_drift, error_rule, settled
from e2e_support import ready_task
from ml3_platform.embedded import EmbeddedPlatform
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.models import DiscordNotificationAction
from support import platform_env, unique

ACTIONS = 12


@pytest.fixture(scope="module")
def quiet_api(backend, new_database, tmp_path_factory) -> Iterator[EmbeddedPlatform]:
    with EmbeddedPlatform(
        home=tmp_path_factory.mktemp(f"quiet-{backend}"),
        database_url=new_database(backend),
        job_poll_interval=0.02,
        baseline_samples=200,
        drift_run_length=1e5,
        warning_run_length=1e3,
        webhook_allow_private=True,
        deliveries_in_process=False,
    ) as running:
        yield running


def start_deliverers(platform: EmbeddedPlatform, count: int) -> list:
    env = platform_env(
        platform.settings,
        ML3_PUBLIC_URL=platform.url,
        ML3_WEBHOOK_ALLOW_PRIVATE="true",
        ML3_DELIVERY_POLL_INTERVAL="0.02",
    )
    command = [sys.executable, "-c", "from ml3_platform.cli import app; app()"]
    return [
        subprocess.Popen([*command, "deliver"], env=env, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]


def test_separate_processes_deliver_each_action_once(quiet_api, webhooks, tmp_path):
    key = quiet_api.create_user(unique("user"))
    with ML3PlatformClient(quiet_api.url, key) as client:
        client.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        _, task_id, model_id = ready_task(client)
        path = f"/ok/{unique('many')}"
        hook = DiscordNotificationAction(webhook=webhooks.url + path)
        error_rule(client, task_id, [hook] * ACTIONS)

        event = drive_error_drift(client, task_id, model_id, tmp_path)

    # Monitoring queued them; nobody in the API process sends them.
    time.sleep(0.3)
    queued = deliveries(quiet_api, event.event_id)
    assert [row.status for row in queued] == ["pending"] * ACTIONS
    assert webhooks.at(path) == []

    processes = start_deliverers(quiet_api, 2)
    try:
        # Generous: two interpreters start on a shared machine.
        rows = settled(quiet_api, event.event_id, ACTIONS, timeout=180)
        running = [process.poll() is None for process in processes]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)

    assert running == [True, True]
    assert [(row.status, row.attempts) for row in rows] == [("delivered", 1)] * ACTIONS
    received = sorted(r.headers["Idempotency-Key"] for r in webhooks.at(path))
    assert received == sorted(row.idempotency_key for row in rows)
