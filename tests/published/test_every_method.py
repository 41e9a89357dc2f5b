"""Every one of the 75 client methods succeeds against the real server.

``every_method.py`` plays one story through every method. It runs twice,
each time in a process of its own against a server on a loopback port:
with our client, from this environment, and with the published
``ml3-platform-sdk`` 0.0.15, installed from the package index into a
virtual environment of its own (never vendored: the two share a module
name and must not meet in one environment).

All 75 must pass with both clients.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from ml3_platform.embedded import EmbeddedPlatform
from support import unique

DRIVER = Path(__file__).with_name("every_method.py")
PUBLISHED = "ml3-platform-sdk==0.0.15"
# Beside the checkout, ignored by git, kept between runs.
VENVS = Path(__file__).parents[2] / ".venvs"


@pytest.fixture(scope="module")
def published_python() -> Path:
    """The interpreter of a venv holding only the published client."""
    folder = VENVS / PUBLISHED.replace("==", "-")
    python = folder / "bin" / "python"
    if not (folder / "installed").exists():
        venv.create(folder, with_pip=True, clear=True)
        # pip reads this machine's index configuration, as a user's would.
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", PUBLISHED], check=True
        )
        (folder / "installed").touch()
    return python


@pytest.fixture
def server(backend, new_database, tmp_path, moto_url):
    """The platform, its AWS calls (retrain triggers) going to moto."""
    with EmbeddedPlatform(
        home=tmp_path / "home",
        database_url=new_database(backend),
        job_poll_interval=0.02,
        webhook_allow_private=True,
        aws_endpoint_url=moto_url,
        aws_region="us-east-1",
    ) as running:
        yield running


def drive(python: Path, server: EmbeddedPlatform, workdir: Path) -> dict[str, str]:
    """Run the story; each method's outcome: "ok" or why it failed."""
    key = server.create_user(unique("driver"))
    environment = {**os.environ, "MLCUBE_POLLING": "1", "ML3_PROGRESS": "0"}
    finished = subprocess.run(
        [str(python), str(DRIVER), "--url", server.url, "--api-key", key,
         "--workdir", str(workdir)],  # fmt: skip
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    outcomes = {}
    for line in finished.stdout.splitlines():
        if line.startswith("ok "):
            outcomes[line[3:]] = "ok"
        elif line.startswith("FAILED "):
            name, why = line[7:].split(": ", 1)
            outcomes[name] = why
    assert len(outcomes) == 75, finished.stdout + finished.stderr[-4000:]
    return outcomes


def failures(outcomes: dict[str, str]) -> dict[str, str]:
    return {name: why for name, why in outcomes.items() if why != "ok"}


def test_our_client_runs_every_method(server, tmp_path):
    outcomes = drive(Path(sys.executable), server, tmp_path / "data")
    assert failures(outcomes) == {}


def test_published_client_runs_every_method(published_python, server, tmp_path):
    outcomes = drive(published_python, server, tmp_path / "data")
    assert failures(outcomes) == {}
