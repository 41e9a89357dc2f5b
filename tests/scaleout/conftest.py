"""A scaled-out platform of the tests' own, whose workers the tests may kill.

It runs whatever ``ML3_TEST_DISTRIBUTED`` says, on the PostgreSQL server of
``ML3_TEST_POSTGRES_URL`` (which ``.ci/run`` sets).
"""

import os
from collections.abc import Iterator

import pytest

from scaleout_support import DistributedPlatform, MotoS3
from support import POSTGRES_ENV, TEST_HANDLERS, TEST_HANDLERS_DIR


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setenv("ML3_PROGRESS", "0")
    monkeypatch.delenv("MLCUBE_POLLING", raising=False)


@pytest.fixture(scope="module")
def scaled(postgres, tmp_path_factory) -> Iterator[DistributedPlatform]:
    """One API process and two single-threaded workers; kills are allowed.

    A production job pauses before its commit when the test arms it
    (tests/server/plugins/ml3_test_pause.py); workers fall silent after 3 s.
    """
    if postgres is None:
        pytest.skip(f"set {POSTGRES_ENV}: the distributed queue is PostgreSQL's")
    pause_dir = tmp_path_factory.mktemp("pause")
    with (
        MotoS3() as s3,
        DistributedPlatform(
            tmp_path_factory.mktemp("home-scaled"),
            postgres.create(),
            s3,
            handler_modules=(TEST_HANDLERS, "ml3_test_pause"),
            extra_path=str(TEST_HANDLERS_DIR),
            api_processes=1,
            worker_processes=2,
            extra_env={"ML3_TEST_PAUSE_DIR": str(pause_dir)},
            workers=1,
            job_poll_interval=0.05,
            worker_heartbeat_seconds=0.5,
            worker_stalled_seconds=3.0,
        ) as platform,
    ):
        platform.pause_dir = pause_dir
        yield platform
    os.environ.pop("ML3_TEST_PAUSE_DIR", None)
