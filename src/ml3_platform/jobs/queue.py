"""The job table as a queue: submit, claim in order, finish, recover.

Jobs with the same ``queue_key`` run one at a time in ``seq`` order: a job
is claimable only when no earlier job of its key is unfinished. Claiming is
one conditional UPDATE, so two workers (threads or processes) never take the
same job.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from ml3_platform.db.tables import Job
from ml3_platform_sdk.enums import JobStatus

# The key of a session's dispatcher in ``Session.info``
# (`ml3_platform.jobs.distributed`).
DISPATCH = "ml3.dispatch"
# Set in ``Session.info`` once a session has added a job, so an in-process
# executor can wake up when that session commits (`ml3_platform.jobs.executor`).
SUBMITTED = "ml3.submitted"
UNFINISHED = (JobStatus.IDLE.value, JobStatus.STARTING.value, JobStatus.RUNNING.value)
_NO_SYNC = {"synchronize_session": False}


def submit(
    session: Session,
    job_group: str,
    project_id: str,
    task_id: str | None,
    model_id: str | None,
    payload: dict[str, Any],
    *,
    queue_key: str | None = None,
    user_id: str | None = None,
    kpi_id: str | None = None,
) -> Job:
    """Add an idle job; it runs once the caller commits.

    ``queue_key`` defaults to the task id (``kpi:<id>`` for a KPI job, else
    the project id).
    """
    if queue_key is None:
        queue_key = task_id or (f"kpi:{kpi_id}" if kpi_id else project_id)
    # A distributed platform's sessions carry the queue the job also goes to.
    dispatcher = session.info.get(DISPATCH)
    if dispatcher is not None:
        dispatcher.before_insert(session, queue_key)
    job = Job(
        job_group=job_group,
        queue_key=queue_key,
        project_id=project_id,
        task_id=task_id,
        model_id=model_id,
        kpi_id=kpi_id,
        user_id=user_id,
        payload=payload,
        status=JobStatus.IDLE.value,
    )
    session.add(job)
    session.flush()
    session.info[SUBMITTED] = True
    if dispatcher is not None:
        dispatcher.after_insert(session, job)
    return job


def claim_next(session: Session) -> int | None:
    """Mark the next runnable job ``starting`` and return its ``seq``."""
    candidate = aliased(Job, name="candidate")
    earlier = aliased(Job, name="earlier")
    blocked = exists().where(
        earlier.queue_key == candidate.queue_key,
        earlier.seq < candidate.seq,
        earlier.status.in_(UNFINISHED),
    )
    next_seq = (
        select(candidate.seq)
        .where(candidate.status == JobStatus.IDLE.value, ~blocked)
        .order_by(candidate.seq)
        .limit(1)
        .scalar_subquery()
    )
    claimed = session.scalar(
        update(Job)
        .where(Job.seq == next_seq, Job.status == JobStatus.IDLE.value)
        .values(
            status=JobStatus.STARTING.value,
            attempts=Job.attempts + 1,
            started_at=datetime.now(UTC),
        )
        .returning(Job.seq),
        execution_options=_NO_SYNC,
    )
    session.commit()
    return claimed


def mark_error(session: Session, seq: int, message: str) -> None:
    session.execute(
        update(Job)
        .where(Job.seq == seq)
        .values(
            status=JobStatus.ERROR.value,
            error=message,
            finished_at=datetime.now(UTC),
        ),
        execution_options=_NO_SYNC,
    )
    session.commit()


def recover(session: Session) -> int:
    """Put back to idle the jobs a dead process left starting or running.

    Only safe while this process is the only one running jobs, which is the
    case of the in-process executor.
    """
    result = session.execute(
        update(Job)
        .where(Job.status.in_([JobStatus.STARTING.value, JobStatus.RUNNING.value]))
        .values(status=JobStatus.IDLE.value),
        execution_options=_NO_SYNC,
    )
    session.commit()
    return result.rowcount
