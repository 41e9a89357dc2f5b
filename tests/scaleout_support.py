"""The platform scaled out, for tests: API and worker processes, S3, PostgreSQL.

``ML3_TEST_DISTRIBUTED=1`` makes the ``platform`` fixture a
`DistributedPlatform`: two ``ml3 serve`` processes (uvicorn workers on one
socket) and three ``ml3 worker`` processes on a PostgreSQL database of
their own, with every file in a bucket on moto's S3 server and jobs in
Procrastinate. It has the attributes of `EmbeddedPlatform` that tests use
(``url``, ``settings``, ``api_key``, ``create_user``).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

import boto3
import httpx
import pytest

from ml3_platform.db.session import make_engine, make_sessionmaker, migrate
from ml3_platform.embedded import free_port
from ml3_platform.services.users import create_user
from ml3_platform.settings import Settings

DISTRIBUTED_ENV = "ML3_TEST_DISTRIBUTED"
DISTRIBUTED = os.environ.get(DISTRIBUTED_ENV) == "1"
# moto accepts any credentials; boto3 and s3fs only need some to sign with.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Generous: five processes import the platform at once on a busy machine.
STARTUP_TIMEOUT = 300.0
ML3 = [sys.executable, "-c", "from ml3_platform.cli import app; app()"]


class MotoS3:
    """moto's server in a process of its own, on a loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        os.environ.update({k: os.environ.get(k, v) for k, v in AWS_ENV.items()})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(self.url, self.process, "moto's server")
        return self

    def create_bucket(self, name: str) -> None:
        client = boto3.client("s3", endpoint_url=self.url, region_name="us-east-1")
        client.create_bucket(Bucket=name)

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


class DistributedPlatform:
    """The platform as separate API and worker processes (see the module)."""

    def __init__(
        self,
        home: Path,
        database_url: str,
        s3: MotoS3,
        handler_modules: tuple[str, ...] = (),
        extra_path: str = "",
        api_processes: int = 2,
        worker_processes: int = 3,
        extra_env: dict[str, str] | None = None,
        quiet: bool = False,
        **settings: Any,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        bucket = f"ml3-{home.name.lower().replace('_', '-')}"[:60]
        s3.create_bucket(bucket)
        self.settings = Settings(
            home=home,
            database_url=database_url,
            data_url=f"s3://{bucket}/data",
            s3_endpoint_url=s3.url,
            queue="procrastinate",
            host="127.0.0.1",
            port=self.port,
            public_url=self.url,
            api_processes=api_processes,
            **settings,
        )
        self._handler_modules = handler_modules
        self._extra_path = extra_path
        self._worker_count = worker_processes
        self._extra_env = extra_env or {}
        # Benchmarks silence the processes' logs; tests keep them for failures.
        self._output = subprocess.DEVNULL if quiet else None
        self.api: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.api_key = ""

    def __enter__(self) -> Self:
        # Migrate once, before several processes start on the same database.
        migrate(self.settings)
        try:
            self.api = subprocess.Popen(
                [*ML3, "serve"], env=self.env(), stdout=self._output, stderr=self._output
            )
            for _ in range(self._worker_count):
                self.start_worker()
            _wait_for(f"{self.url}/sdk/v1/projects", self.api, "ml3 serve")
            self.api_key = self.create_user("owner")
        except BaseException:
            self.__exit__(None, None, None)  # leave no process behind
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in [*self.workers, self.api]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.api]:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def env(self) -> dict[str, str]:
        """The environment of this platform's ``ml3`` processes."""
        values = {
            name.upper(): str(value)
            for name, value in self.settings.model_dump().items()
            if value not in ("", None)
        }
        return {
            **os.environ,
            **AWS_ENV,
            **{f"ML3_{name}": value for name, value in values.items()},
            "PYTHONPATH": os.pathsep.join(
                filter(None, [self._extra_path, os.environ.get("PYTHONPATH")])
            ),
            **self._extra_env,
        }

    def start_worker(self) -> subprocess.Popen:
        options = [f"--handler-module={module}" for module in self._handler_modules]
        process = subprocess.Popen(
            [*ML3, "worker", *options],
            env=self.env(),
            stdout=self._output,
            stderr=self._output,
        )
        self.workers.append(process)
        return process

    def create_user(self, username: str) -> str:
        """Add a user with no company, as ``ml3 user create`` does; its key."""
        engine = make_engine(self.settings)
        try:
            with make_sessionmaker(engine)() as session:
                return create_user(session, username)
        finally:
            engine.dispose()


def skip_when_distributed(reason: str) -> None:
    """Skip a test that is about the embedded platform itself, saying why."""
    if DISTRIBUTED:
        pytest.skip(f"embedded only: {reason}")


def _wait_for(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{what} exited"
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"{what} did not start")
