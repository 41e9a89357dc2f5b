"""Job handlers by job group, and what a handler gets to work with."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ml3_platform.db.tables import Job
from ml3_platform.settings import Settings
from ml3_platform.storage import Store


@dataclass
class JobContext:
    """What a handler works with.

    ``session`` is the transaction that also marks the job completed: a
    handler must not commit it, so that its writes and the job's completion
    are stored together or not at all.
    """

    session: Session
    store: Store
    settings: Settings
    job: Job


class JobFailed(Exception):
    """A user-facing failure: the job ends in ``error`` with ``message``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Handler = Callable[[JobContext], None]
_handlers: dict[str, Handler] = {}


def handler(job_group: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the runner of ``job_group`` jobs."""

    def register(function: Handler) -> Handler:
        _handlers[job_group] = function
        return function

    return register


def handler_for(job_group: str) -> Handler:
    try:
        return _handlers[job_group]
    except KeyError:
        raise JobFailed(f"no handler is registered for job group {job_group}")
