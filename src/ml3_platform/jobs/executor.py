"""The in-process executor: worker threads that run jobs from the table."""

import importlib
import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from ml3_platform.db.tables import Job
from ml3_platform.jobs.queue import claim_next, mark_error, recover
from ml3_platform.jobs.registry import JobContext, JobFailed, handler_for
from ml3_platform.settings import Settings
from ml3_platform.storage import Store
from ml3_platform_sdk.enums import JobStatus

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "internal error while running the job; the server log has details"
# Modules whose import registers the platform's job handlers.
HANDLER_MODULES = ("ml3_platform.pipeline",)


class Executor:
    """Runs jobs with ``settings.workers`` threads until :meth:`stop`.

    ``handler_modules`` are imported at start so that their handlers register;
    the platform's own pipeline always is.
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
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
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
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                with self._sessions() as session:
                    seq = claim_next(session)
            except Exception:
                # The database may be briefly unavailable; try again later.
                logger.exception("could not claim a job")
                seq = None
            if seq is None:
                self._stopping.wait(self._settings.job_poll_interval)
                continue
            self._run(seq)

    def _run(self, seq: int) -> None:
        with self._sessions() as session:
            job = session.get(Job, seq)
            job.status = JobStatus.RUNNING.value
            session.commit()
            logger.info("running %s job %s", job.job_group, job.id)

            context = JobContext(session, self._store, self._settings, job)
            try:
                handler_for(job.job_group)(context)
                job.status = JobStatus.COMPLETED.value
                job.error = None
                job.finished_at = datetime.now(UTC)
                session.commit()
            except JobFailed as failure:
                session.rollback()
                mark_error(session, seq, failure.message)
            except Exception:
                logger.exception("job %s failed with an unexpected error", seq)
                session.rollback()
                mark_error(session, seq, INTERNAL_ERROR)
