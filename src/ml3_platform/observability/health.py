"""``GET /health``: can this process reach what it needs?

Checks the database (one query), the store (one listing of its root) and
the queue: with the distributed queue, how many workers wrote a heartbeat
within the stall timeout (none is unhealthy: jobs would wait forever).
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from ml3_platform.settings import Settings
from ml3_platform.storage import Store


def check(
    sessions: sessionmaker[Session], store: Store, settings: Settings
) -> tuple[bool, dict[str, Any]]:
    """``(healthy, report)``; each part says ``ok`` or what went wrong."""
    report: dict[str, Any] = {"time": datetime.now(UTC).isoformat()}
    healthy = True
    for name, probe in (
        ("database", lambda: _database(sessions)),
        ("store", lambda: _store(store)),
        ("queue", lambda: _queue(sessions, settings)),
    ):
        try:
            report[name] = probe()
        except Exception as error:
            report[name] = {"status": "error", "error": f"{type(error).__name__}: {error}"}
            healthy = False
    report["status"] = "ok" if healthy else "error"
    return healthy, report


def _database(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}


def _store(store: Store) -> dict[str, Any]:
    store.exists("health")  # a HEAD or stat of the root: reachable, allowed
    return {"status": "ok", "url": store.url}


def _queue(sessions: sessionmaker[Session], settings: Settings) -> dict[str, Any]:
    if not settings.distributed:
        return {"status": "ok", "kind": "in-process"}
    with sessions() as session:
        workers = session.execute(
            text(
                "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat"
                " > now() - make_interval(secs => :silent)"
            ),
            {"silent": settings.worker_stalled_seconds},
        ).scalar_one()
    if workers == 0:
        raise RuntimeError("no ml3 worker has written a heartbeat recently")
    return {"status": "ok", "kind": "procrastinate", "workers": workers}
