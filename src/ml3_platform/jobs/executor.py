"""The in-process executor: worker threads that run jobs from the table."""

import importlib
import logging
import threading
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from ml3_platform.jobs.queue import SUBMITTED, claim_next, recover
from ml3_platform.jobs.runner import run_job
from ml3_platform.settings import Settings
from ml3_platform.storage import Store

logger = logging.getLogger(__name__)

# Modules whose import registers the platform's job handlers.
HANDLER_MODULES = ("ml3_platform.pipeline",)


class Executor:
    """Runs jobs with ``settings.workers`` threads until :meth:`stop`.

    ``handler_modules`` are imported at start so that their handlers register;
    the platform's own pipeline always is. Idle workers wake up as soon as a
    session of ``sessions`` commits a new job, and look for jobs every
    ``settings.job_poll_interval`` seconds all the same (jobs put back by
    :func:`recover`, or queued by another process on the same database).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: Store,
        settings: Settings,
        handler_modules: Iterable[str] = (),
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._settings = settings
        self._modules = [*HANDLER_MODULES, *handler_modules]
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        event.listen(self._sessions, "after_commit", self._after_commit)
        for module in self._modules:
            importlib.import_module(module)
        with self._sessions() as session:
            recovered = recover(session)
        if recovered:
            logger.info("put %s interrupted job(s) back in the queue", recovered)

        self._stopping.clear()
        for number in range(self._settings.workers):
            thread = threading.Thread(
                target=self._work, name=f"ml3-job-worker-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float | None = 30) -> None:
        """Let running jobs finish, then stop the workers."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        if event.contains(self._sessions, "after_commit", self._after_commit):
            event.remove(self._sessions, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(SUBMITTED, False):
            self._wake.set()

    def _work(self) -> None:
        while not self._stopping.is_set():
            # Cleared before claiming: a job committed after the claim
            # finds the event set, so the wait below returns at once.
            self._wake.clear()
            try:
                with self._sessions() as session:
                    seq = claim_next(session)
            except Exception:
                # The database may be briefly unavailable; try again later.
                logger.exception("could not claim a job")
                seq = None
            if seq is None:
                self._wake.wait(self._settings.job_poll_interval)
                continue
            self._run(seq)

    def _run(self, seq: int) -> None:
        run_job(self._sessions, self._store, self._settings, seq)
