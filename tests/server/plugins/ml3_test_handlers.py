"""Job handlers that only tests register (``--handler-module``)."""

import time
from pathlib import Path

from ml3_platform.jobs import JobContext, JobFailed, handler
from ml3_platform.services.errors import DomainError


@handler("test_record")
def record(ctx: JobContext) -> None:
    """Append ``start <name>`` and ``end <name>`` around a short sleep."""
    log = Path(ctx.job.payload["log"])
    name = ctx.job.payload["name"]
    with log.open("a") as file:
        file.write(f"start {name}\n")
    time.sleep(ctx.job.payload.get("sleep", 0.05))
    with log.open("a") as file:
        file.write(f"end {name}\n")


@handler("test_fail")
def fail(ctx: JobContext) -> None:
    raise JobFailed(ctx.job.payload["message"])


@handler("test_refuse")
def refuse(ctx: JobContext) -> None:
    raise DomainError("VALUE_TOO_LONG", ctx.job.payload["message"])


@handler("test_crash")
def crash(ctx: JobContext) -> None:
    raise RuntimeError("a bug")


@handler("test_block")
def block(ctx: JobContext) -> None:
    """Say it started, then wait until the test releases it."""
    Path(ctx.job.payload["started"]).touch()
    release = Path(ctx.job.payload["release"])
    deadline = time.monotonic() + 120
    while not release.exists():
        if time.monotonic() > deadline:
            raise JobFailed("never released")
        time.sleep(0.05)
