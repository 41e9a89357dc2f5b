"""Waiting for a platform job: geometric back-off and a terminal spinner."""

import logging
import os
import time
from collections.abc import Callable

from tqdm import tqdm

from ml3_platform_sdk._progress import progress_enabled
from ml3_platform_sdk.enums import JobStatus
from ml3_platform_sdk.exceptions import (
    DEFAULT_ERROR_MESSAGE,
    JobFailureException,
    JobWaitTimeoutException,
)
from ml3_platform_sdk.models import Job

logger = logging.getLogger("ml3_platform_sdk")

FIRST_INTERVAL = 0.02
BACKOFF = 1.25
DEFAULT_CAP = 5.0
# Quick jobs finish silently; the spinner appears after this many seconds.
SPINNER_AFTER = 2.0


def polling_cap() -> float:
    """The longest pause between polls: ``MLCUBE_POLLING`` seconds when set
    (the published client's variable), else 5 s."""
    setting = os.environ.get("MLCUBE_POLLING")
    if setting is None:
        return DEFAULT_CAP
    try:
        return max(float(setting), 0.0)
    except ValueError:
        logger.warning(
            "MLCUBE_POLLING=%r is not a number; using %s s", setting, DEFAULT_CAP
        )
        return DEFAULT_CAP


def wait_for_job(
    get_job: Callable[[str], Job],
    job_id: str,
    max_wait_timeout: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Job:
    """Poll ``get_job`` until the job completes, and return it.

    Polls at once, then after 0.02 s, backing off by 1.25x up to the cap (a
    job of a tenth of a second is seen done within a few hundredths), and
    never sleeps past the deadline or after the job is done.
    """
    cap = polling_cap()
    interval = min(FIRST_INTERVAL, cap)
    started = clock()
    spinner = _Spinner(job_id)
    try:
        while True:
            job = get_job(job_id)
            elapsed = clock() - started
            spinner.update(job.status, elapsed)
            if job.status == JobStatus.COMPLETED.value:
                return job
            if job.status == JobStatus.ERROR.value:
                raise JobFailureException(
                    error_message=job.error or DEFAULT_ERROR_MESSAGE
                )

            remaining = max_wait_timeout - elapsed
            if remaining <= 0:
                raise JobWaitTimeoutException()
            sleep(min(interval, remaining))
            interval = min(interval * BACKOFF, cap)
    finally:
        spinner.close()


class _Spinner:
    """A tqdm counter shown while a wait lasts more than a couple of seconds."""

    def __init__(self, job_id: str) -> None:
        self._job_id = job_id
        self._bar: tqdm | None = None

    def update(self, status: str, elapsed: float) -> None:
        if self._bar is None:
            if elapsed < SPINNER_AFTER or not progress_enabled():
                return
            self._bar = tqdm(bar_format="{desc} {elapsed}", leave=False, total=None)
        self._bar.set_description_str(f"Job {self._job_id}: {status}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
