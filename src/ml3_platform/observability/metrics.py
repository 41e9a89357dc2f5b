"""Prometheus metrics of the API and of the jobs.

Counters and histograms live in the process that observes them: requests in
the API processes, job durations and failures wherever jobs run. Several
processes of one ``ml3 serve`` share ``PROMETHEUS_MULTIPROC_DIR`` (set by
``ml3 serve`` when it starts more than one), so one scrape sees them all.
The queue's depth is read from the database at scrape time, so every API
process reports the same truth. ``ml3 worker`` serves its own metrics on
``ML3_WORKER_METRICS_PORT`` when that is set.
"""

import os
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ml3_platform.db.tables import Job

REQUESTS = Counter(
    "ml3_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "ml3_http_request_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOB_SECONDS = Histogram(
    "ml3_job_seconds",
    "Time a job's handler ran, by outcome",
    ["job_group", "status"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
JOB_FAILURES = Counter(
    "ml3_job_failures", "Jobs that ended in error", ["job_group", "kind"]
)


def observe_job(job_group: str, status: str, seconds: float, kind: str = "") -> None:
    JOB_SECONDS.labels(job_group, status).observe(seconds)
    if status == "error":
        JOB_FAILURES.labels(job_group, kind or "failed").inc()


class QueueCollector(Collector):
    """Jobs by status and group, counted in the database at each scrape."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "ml3_jobs", "Jobs by status (idle = queue depth)", labels=["status", "job_group"]
        )
        with self._sessions() as session:
            rows = session.execute(
                select(Job.status, Job.job_group, func.count()).group_by(
                    Job.status, Job.job_group
                )
            ).all()
        for status, group, count in rows:
            family.add_metric([status, group], count)
        yield family


def render(sessions: sessionmaker[Session]) -> tuple[bytes, str]:
    """The exposition text for one scrape of this API."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, JOB_SECONDS, JOB_FAILURES):
            registry.register(collector)
    registry.register(QueueCollector(sessions))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class RequestMetrics:
    """ASGI middleware: count and time every request by its route template.

    The route template (``/sdk/v1/task/{task_id}``), not the raw path, keeps
    the number of label values bounded.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            LATENCY.labels(method, template).observe(time.perf_counter() - started)
            REQUESTS.labels(method, template, str(status["code"])).inc()


__all__ = ["REGISTRY", "RequestMetrics", "observe_job", "render"]
