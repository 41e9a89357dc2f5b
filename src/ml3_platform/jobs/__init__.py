"""Durable jobs: submit rows, run them in order per queue key.

Routes call :func:`submit`; pipeline modules register handlers with
``@handler("<job_group>")``; :class:`Executor` runs them in this process.
"""

from ml3_platform.jobs.executor import Executor
from ml3_platform.jobs.queue import submit
from ml3_platform.jobs.registry import JobContext, JobFailed, handler

__all__ = ["Executor", "JobContext", "JobFailed", "handler", "submit"]
