"""Load on the scaled-out platform: many clients, many tasks, 1..n workers.

    ML3_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/load.py --tasks 40 --clients 8 --rows 2000 \\
        --workers 1,3

For each worker count it starts the platform as in the distributed tests
(``ml3 serve`` with ``--api-processes`` processes, that many ``ml3 worker``
processes, a fresh PostgreSQL database, moto's S3 server, all on loopback),
sets up the tasks (untimed), then lets ``--clients`` threads each send
production batches of ``--rows`` rows (inputs, target, predictions) to their
share of the tasks, with the real client. It reports jobs and rows per
second from the first submission to the last job's completion, and the
latency of the client's ``add_production_data`` (announce, upload to S3,
submit) and of a ``get_jobs`` poll. Everything is bounded: the batch count
is fixed and ``--max-seconds`` stops a run that takes too long.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

from e2e_support import PRODUCTION_START, production, ready_task, samples  # noqa: E402
from scaleout_support import DistributedPlatform, MotoS3  # noqa: E402
from support import POSTGRES_ENV, PostgresDatabases, database_session  # noqa: E402
from support import unique  # noqa: E402
from sqlalchemy import select  # noqa: E402

from ml3_platform.db.tables import Job  # noqa: E402

from ml3_platform_sdk.client import ML3PlatformClient  # noqa: E402


def main() -> None:
    options = _options()
    os.environ["ML3_PROGRESS"] = "0"
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        raise SystemExit(f"set {POSTGRES_ENV} to a PostgreSQL server")
    databases = PostgresDatabases(url)
    _print_header(options)
    try:
        with MotoS3() as s3:
            for workers in options.workers:
                _print_row(_run(options, workers, databases, s3))
    finally:
        databases.drop_all()


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batches", type=int, default=1, help="per task")
    parser.add_argument("--rows", type=int, default=1000, help="per batch")
    parser.add_argument("--workers", default="1,3", help="worker processes, e.g. 1,3")
    parser.add_argument("--threads", type=int, default=1, help="jobs per worker")
    parser.add_argument("--api-processes", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    options = parser.parse_args()
    options.workers = [int(n) for n in options.workers.split(",")]
    return options


def _run(options, workers: int, databases, s3) -> dict:
    home = Path(tempfile.mkdtemp(prefix="ml3-load-"))
    with DistributedPlatform(
        home,
        databases.create(),
        s3,
        api_processes=options.api_processes,
        worker_processes=workers,
        workers=options.threads,
        job_poll_interval=0.05,
        quiet=True,
    ) as platform:
        clients = [_client(platform) for _ in range(options.clients)]
        tasks = [_task(clients[n % len(clients)]) for n in range(options.tasks)]
        batch = samples("s", options.rows, PRODUCTION_START, seed=1)
        row = _load(options, workers, clients, tasks, batch, home)
        row["job"] = _job_seconds(platform.settings)
        return row


def _client(platform) -> ML3PlatformClient:
    client = ML3PlatformClient(platform.url, platform.create_user(unique("user")))
    client.create_company(name=unique("company"), address="1 Main St", vat="IT0")
    return client


def _task(client) -> tuple[ML3PlatformClient, str, str]:
    _, task_id, model_id = ready_task(client)
    return client, task_id, model_id


def _load(options, workers, clients, tasks, batch, folder: Path) -> dict:
    submit_seconds: list[float] = []
    poll_seconds: list[float] = []
    job_ids: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + options.max_seconds

    def send(mine: list) -> None:
        for _ in range(options.batches):
            for client, task_id, model_id in mine:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                job_id = production(client, task_id, model_id, batch, folder)
                with lock:
                    submit_seconds.append(time.perf_counter() - started)
                    job_ids.append(job_id)

    shares = [tasks[n :: len(clients)] for n in range(len(clients))]
    started = time.monotonic()
    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished = _wait_all(clients, job_ids, poll_seconds, deadline)
    elapsed = time.monotonic() - started
    return {
        "workers": workers,
        "jobs": finished,
        "submitted": len(job_ids),
        "rows": finished * options.rows,
        "seconds": elapsed,
        "submit": submit_seconds,
        "poll": poll_seconds,
    }


def _wait_all(clients, job_ids, poll_seconds, deadline) -> int:
    """Poll until every job is finished (or time is up); the count finished."""
    pending = set(job_ids)
    while pending and time.monotonic() < deadline:
        for client in clients:
            started = time.perf_counter()
            jobs = client.get_jobs()
            poll_seconds.append(time.perf_counter() - started)
            for job in jobs:
                if job.status in ("completed", "error"):
                    pending.discard(job.job_id)
        time.sleep(0.2)
    return len(job_ids) - len(pending)


def _job_seconds(settings) -> list[float]:
    """How long each production job ran, from its row (start to finish)."""
    with database_session(settings) as session:
        rows = session.execute(
            select(Job.started_at, Job.finished_at).where(
                Job.job_group == "production", Job.finished_at.is_not(None)
            )
        ).all()
    return [(end - start).total_seconds() for start, end in rows if start]


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _print_header(options) -> None:
    print(
        f"{options.tasks} tasks x {options.batches} batch(es) of {options.rows} rows, "
        f"{options.clients} clients, {options.api_processes} API processes, "
        f"{options.threads} job thread(s) per worker"
    )
    header = (
        "workers", "jobs", "wall s", "jobs/s", "rows/s", "submit p50 ms", "p95",
        "p99", "get_jobs p50 ms", "p95", "job mean ms",
    )  # fmt: skip
    print(" | ".join(header), flush=True)


def _print_row(row: dict) -> None:
    submit, poll = row["submit"], row["poll"]
    cells = [
        str(row["workers"]),
        f"{row['jobs']}/{row['submitted']}",
        f"{row['seconds']:.1f}",
        f"{row['jobs'] / row['seconds']:.2f}",
        f"{row['rows'] / row['seconds']:.0f}",
        *(f"{1000 * _percentile(submit, q):.0f}" for q in (0.5, 0.95, 0.99)),
        *(f"{1000 * _percentile(poll, q):.0f}" for q in (0.5, 0.95)),
        f"{1000 * sum(row['job']) / max(len(row['job']), 1):.0f}",
    ]
    print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
