"""Jobs in Procrastinate on PostgreSQL, for a platform of many processes.

Our ``Job`` rows stay the source of truth (``get_jobs`` reads them); the
Procrastinate job that goes with each row only says *when* and *where* it
runs. How the executor's promises are kept:

- **Order per task.** Each Procrastinate job carries the row's ``queue_key``
  as its ``lock``: Procrastinate starts a job only when no job with the same
  lock is running or waiting before it (lower id). Submissions of one key
  take a transaction-scoped advisory lock first, so ``seq`` and the
  Procrastinate id grow in the same order.
- **Submitted means queued.** The Procrastinate job is inserted in the same
  transaction as the row (on the row's own connection), so a crash between
  the two cannot lose or orphan one.
- **A dead worker's job is taken over.** Workers write heartbeats; every
  worker looks for jobs whose worker fell silent and puts them back in the
  queue (see `rescue_stalled`). They keep their id, so they still come
  before later jobs of their task.
- **Twice is once.** A handler's writes commit with the job's completion
  under a lock on the job row (`runner.run_job`), and a finished row is
  never run again.
"""

import hashlib
import logging

import psycopg
from procrastinate import App, SyncPsycopgConnector
from procrastinate import jobs as procrastinate_jobs
from procrastinate.schema import SchemaManager
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Job
from ml3_platform.settings import Settings

logger = logging.getLogger(__name__)

QUEUE = "ml3"
TASK_NAME = "ml3.run_job"
# Key of the advisory lock under which one process creates the schema.
_SCHEMA_LOCK = 0x6D6C3371


def conninfo(settings: Settings) -> str:
    """The libpq URL of the platform's PostgreSQL database (the queue's too)."""
    url = make_url(settings.resolved_database_url())
    if not url.drivername.startswith("postgresql"):
        raise ValueError(
            "ML3_QUEUE=procrastinate needs a PostgreSQL ML3_DATABASE_URL, "
            f"not {url.drivername}"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(settings: Settings) -> None:
    """Create Procrastinate's tables once, whichever process starts first."""
    with psycopg.connect(conninfo(settings), autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
        try:
            found = connection.execute(
                "SELECT to_regclass('procrastinate_jobs')"
            ).fetchone()[0]
            if found is None:
                connection.execute(SchemaManager.get_schema())
                logger.info("created the job queue's tables")
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))


class Dispatcher:
    """Puts submitted jobs in Procrastinate, inside the submitter's transaction.

    Sessions made for a distributed platform carry one in their ``info``
    (`ml3_platform.db.session.make_sessionmaker`); `jobs.submit` calls it.
    """

    def __init__(self, settings: Settings) -> None:
        # With an external connection given, the connector opens no pool.
        self._app = App(connector=SyncPsycopgConnector(conninfo=conninfo(settings)))

    def before_insert(self, session: Session, queue_key: str) -> None:
        """Serialise submissions of one key until the transaction ends."""
        session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_number(queue_key)}
        )

    def after_insert(self, session: Session, job: Job) -> None:
        connection = session.connection().connection.driver_connection
        queued = procrastinate_jobs.Job(
            id=None,
            queue=QUEUE,
            lock=job.queue_key,
            queueing_lock=None,
            task_name=TASK_NAME,
            task_kwargs={"seq": job.seq},
        )
        self._app.job_manager.batch_defer_jobs([queued], connection=connection)


def lock_number(queue_key: str) -> int:
    """A signed 64-bit advisory lock key for ``queue_key``."""
    digest = hashlib.blake2b(queue_key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# Puts back in the queue, in one statement, the running jobs whose worker is
# silent or gone. Rows locked by another worker's rescue are skipped, so two
# workers never hand out the same job twice.
_RESCUE = """
WITH stalled AS (
    SELECT job.id
      FROM procrastinate_jobs job
      LEFT JOIN procrastinate_workers worker ON worker.id = job.worker_id
     WHERE job.status = 'doing'
       AND job.queue_name = %(queue)s
       AND (job.worker_id IS NULL
            OR worker.last_heartbeat < now() - make_interval(secs => %(silent)s))
     FOR UPDATE OF job SKIP LOCKED
)
UPDATE procrastinate_jobs job
   SET status = 'todo', attempts = job.attempts + 1, scheduled_at = NULL,
       worker_id = NULL
  FROM stalled
 WHERE job.id = stalled.id
RETURNING job.id, job.args
"""


def rescue_stalled(settings: Settings) -> list[int]:
    """Requeue jobs of dead workers; the ``seq`` of each job requeued."""
    with psycopg.connect(conninfo(settings)) as connection:
        rows = connection.execute(
            _RESCUE, {"queue": QUEUE, "silent": settings.worker_stalled_seconds}
        ).fetchall()
    seqs = [args["seq"] for _, args in rows]
    for seq in seqs:
        logger.warning("job seq %s lost its worker; queued again", seq)
    return seqs
