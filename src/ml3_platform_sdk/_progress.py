"""When to show progress bars: on a terminal, unless ``ML3_PROGRESS=0``."""

import os
import sys


def progress_enabled() -> bool:
    """``ML3_PROGRESS=0`` turns bars off, ``1`` forces them on; otherwise
    they show only when stderr (where tqdm draws) is a terminal."""
    setting = os.environ.get("ML3_PROGRESS", "").strip()
    if setting in ("0", "1"):
        return setting == "1"
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())
