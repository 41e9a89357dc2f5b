"""``ml3 worker``: a process that runs jobs from the distributed queue.

Any number of these run anywhere that reaches the database and the store.
Each runs ``settings.workers`` jobs at a time (threads), writes heartbeats,
and every few seconds requeues the jobs of workers that fell silent.

Other background loops that a scaled-out platform needs once per worker
(the delivery of notifications, for one) register with `background` and
run beside the jobs until the worker stops::

    @background("deliveries")
    def deliver(context: BackgroundContext) -> None:
        while not context.stopping.wait(context.settings.delivery_poll_interval):
            ...
"""

import asyncio
import importlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from procrastinate import App, PsycopgConnector
from sqlalchemy.orm import Session, sessionmaker

from ml3_platform.db.session import make_engine, make_sessionmaker, migrate
from ml3_platform.jobs.distributed import QUEUE, TASK_NAME, conninfo, rescue_stalled
from ml3_platform.jobs.executor import HANDLER_MODULES
from ml3_platform.jobs.runner import run_job
from ml3_platform.settings import Settings
from ml3_platform.storage import Store, store_from_settings

logger = logging.getLogger(__name__)


@dataclass
class BackgroundContext:
    """What a background loop gets: set ``stopping`` ends it."""

    sessions: sessionmaker[Session]
    store: Store
    settings: Settings
    stopping: threading.Event


BackgroundLoop = Callable[[BackgroundContext], None]
_loops: dict[str, BackgroundLoop] = {}


def background(name: str) -> Callable[[BackgroundLoop], BackgroundLoop]:
    """Run the decorated function in a thread of every ``ml3 worker``."""

    def register(function: BackgroundLoop) -> BackgroundLoop:
        _loops[name] = function
        return function

    return register


def run_worker(settings: Settings, handler_modules: Iterable[str] = ()) -> None:
    """Run jobs until SIGINT or SIGTERM; the running jobs finish first."""
    for module in (*HANDLER_MODULES, *handler_modules):
        importlib.import_module(module)
    migrate(settings)
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine, settings)
    store = store_from_settings(settings)
    try:
        asyncio.run(_serve(settings, sessions, store))
    finally:
        engine.dispose()


async def _serve(
    settings: Settings, sessions: sessionmaker[Session], store: Store
) -> None:
    app = App(connector=PsycopgConnector(conninfo=conninfo(settings)))

    @app.task(name=TASK_NAME, queue=QUEUE)
    def run(seq: int) -> None:
        run_job(sessions, store, settings, seq, count_attempt=True)

    context = BackgroundContext(sessions, store, settings, threading.Event())
    threads = [_start_loop(name, loop, context) for name, loop in _loops.items()]
    async with app.open_async():
        rescuer = asyncio.create_task(_rescue_forever(settings))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                name=f"{socket.gethostname()}-{os.getpid()}",
                concurrency=settings.workers,
                fetch_job_polling_interval=max(settings.job_poll_interval, 0.05),
                delete_jobs="successful",
                update_heartbeat_interval=settings.worker_heartbeat_seconds,
                stalled_worker_timeout=settings.worker_stalled_seconds,
            )
        finally:
            rescuer.cancel()
            context.stopping.set()
            for thread in threads:
                await asyncio.to_thread(thread.join, 30)


def _start_loop(
    name: str, loop: BackgroundLoop, context: BackgroundContext
) -> threading.Thread:
    thread = threading.Thread(
        target=loop, args=(context,), name=f"ml3-{name}", daemon=True
    )
    thread.start()
    logger.info("started background loop %s", name)
    return thread


async def _rescue_forever(settings: Settings) -> None:
    """Requeue dead workers' jobs, a few times per stall timeout."""
    interval = max(settings.worker_stalled_seconds / 3, 0.2)
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(rescue_stalled, settings)
        except Exception:
            # The database may be briefly unavailable; try on the next round.
            logger.exception("could not look for stalled jobs")
