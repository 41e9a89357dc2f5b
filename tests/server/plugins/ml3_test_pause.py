"""Makes one ``production`` job stop just before it commits, for kill tests.

With ``ML3_TEST_PAUSE_DIR`` set, the first production job that finds the
file ``arm`` there renames it to ``<job id>.started`` (one job wins the
rename), writes its process id into it, does all of its real work and then
waits, uncommitted, until the test kills its worker. Other jobs, and the
same job's next attempt, run normally.
"""

import os
import time
from pathlib import Path

from ml3_platform.jobs import JobContext, handler
from ml3_platform.jobs.registry import handler_for

PAUSE_DIR = os.environ.get("ML3_TEST_PAUSE_DIR", "")
_real_production = handler_for("production")


@handler("production")
def production_that_pauses_once(ctx: JobContext) -> None:
    _real_production(ctx)
    if not PAUSE_DIR:
        return
    started = Path(PAUSE_DIR) / f"{ctx.job.id}.started"
    try:
        os.rename(Path(PAUSE_DIR) / "arm", started)
    except FileNotFoundError:
        return
    started.write_text(str(os.getpid()))
    # Everything is written but not committed; the test kills us here.
    time.sleep(120)
