"""Running one claimed job: the part every executor shares.

The in-process executor claims a job by marking it ``starting``; the
distributed queue hands a job's ``seq`` to a worker. Either way the job is
run here: marked ``running``, its handler called in one transaction with
the job's completion, and a failure recorded as ``error``.
"""

import logging
import time
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from ml3_platform.db.tables import Job
from ml3_platform.jobs.queue import mark_error
from ml3_platform.jobs.registry import JobContext, JobFailed, handler_for
from ml3_platform.observability.metrics import observe_job
from ml3_platform.services.errors import DomainError
from ml3_platform.settings import Settings
from ml3_platform.storage import Store
from ml3_platform_sdk.enums import JobStatus

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "internal error while running the job; the server log has details"
FINISHED = (JobStatus.COMPLETED.value, JobStatus.ERROR.value)


def run_job(
    sessions: sessionmaker[Session],
    store: Store,
    settings: Settings,
    seq: int,
    *,
    count_attempt: bool = False,
) -> None:
    """Run job ``seq`` unless it has already finished.

    ``count_attempt`` adds one to ``attempts`` (the in-process executor
    counts when it claims). A job delivered twice (a queue that hands out a
    job again after its worker fell silent) runs at most once to completion:
    the job row stays locked for the handler's transaction, so a second
    runner waits and then finds it finished.
    """
    with sessions() as session:
        job = session.get(Job, seq)
        if job is None or job.status in FINISHED:
            return
        job.status = JobStatus.RUNNING.value
        if count_attempt:
            job.attempts += 1
            job.started_at = datetime.now(UTC)
        session.commit()

        job = session.get(Job, seq, with_for_update=True, populate_existing=True)
        if job.status in FINISHED:
            session.rollback()
            return
        extra = {"job_id": job.id, "task_id": job.task_id, "job_group": job.job_group}
        logger.info("running %s job %s", job.job_group, job.id, extra=extra)
        _run_handler(session, store, settings, job, extra)


def _run_handler(
    session: Session, store: Store, settings: Settings, job: Job, extra: dict
) -> None:
    seq, group = job.seq, job.job_group
    context = JobContext(session, store, settings, job)
    started = time.perf_counter()
    try:
        handler_for(group)(context)
        job.status = JobStatus.COMPLETED.value
        job.error = None
        job.finished_at = datetime.now(UTC)
        session.commit()
        observe_job(group, "completed", time.perf_counter() - started)
        logger.info("completed job %s", job.id, extra=extra)
    except (JobFailed, DomainError) as failure:
        # A service's refusal (say VALUE_TOO_LONG) reaches the user as one.
        message = failure.message
        if isinstance(failure, DomainError):
            message = f"{failure.code}: {failure.message}"
        session.rollback()
        mark_error(session, seq, message)
        observe_job(group, "error", time.perf_counter() - started, "failed")
        logger.info("job %s failed: %s", job.id, message, extra=extra)
    except Exception:
        logger.exception("job %s failed with an unexpected error", seq, extra=extra)
        session.rollback()
        mark_error(session, seq, INTERNAL_ERROR)
        observe_job(group, "error", time.perf_counter() - started, "crashed")
