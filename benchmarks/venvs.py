"""Virtual environments of the peer libraries, created on first use.

Each peer gets its own environment under benchmarks/.venvs/ with pinned
versions (some pin an older NumPy than ours) and runs in its own process.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent / ".venvs"

# Exact versions, so every run of the benchmark measures the same code.
PINS = {
    # Evidently 0.4 imports a pandas helper that pandas 3 removed.
    "evidently": ["evidently==0.4.40", "pandas==2.2.3", "numpy==1.26.4"],
    # NannyML imports statsmodels without declaring it, and its stack of the
    # time (NumPy 1, pandas 2) is pinned, as pandas 3 breaks statsmodels.
    "nannyml": [
        "nannyml==0.13.1",
        "statsmodels==0.14.4",
        "pandas==2.2.3",
        "numpy==1.26.4",
        "scipy==1.13.1",
    ],
    "river": ["river==0.22.0"],
    "frouros": ["frouros==0.9.0"],
}


def python(peer: str) -> Path:
    """The interpreter of a peer's environment, creating it if needed."""
    if peer == "scipy":
        return Path(sys.executable)
    home = ROOT / peer
    exe = home / "bin" / "python"
    marker = home / ".installed"
    ROOT.mkdir(parents=True, exist_ok=True)
    # Benchmarks started side by side wait for one another's install.
    with open(ROOT / f".{peer}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text() == repr(PINS[peer]):
            return exe
        venv = [sys.executable, "-m", "venv", "--clear", str(home)]
        subprocess.run(venv, check=True)
        pip = [str(exe), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, *PINS[peer]], check=True)
        marker.write_text(repr(PINS[peer]))
    return exe


if __name__ == "__main__":
    for name in sys.argv[1:] or PINS:
        print(name, python(name))  # noqa: T201 - a command-line helper
