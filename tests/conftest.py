"""Fixtures that run the real server on a loopback port.

Server tests run on SQLite and, when ``ML3_TEST_POSTGRES_URL`` is set (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), on PostgreSQL too:
each test session then creates its own databases on that server, with a
random name, and drops them at the end.
"""

import os
import sys
from collections.abc import Callable, Iterator

import httpx
import pytest
from moto.server import ThreadedMotoServer

from ml3_platform.embedded import EmbeddedPlatform, free_port
from ml3_platform.settings import Settings
from support import (
    BACKENDS,
    POSTGRES_ENV,
    TEST_HANDLERS,
    TEST_HANDLERS_DIR,
    PostgresDatabases,
    ServerProcess,
    company_body,
    sdk_client,
    unique,
)
from scaleout_support import DISTRIBUTED, DistributedPlatform, MotoS3

sys.path.insert(0, str(TEST_HANDLERS_DIR))

# --- scale-out: the distributed test configuration ----------------------


def _distributed_platform(new_database, tmp_path_factory):
    with (
        MotoS3() as s3,
        DistributedPlatform(
            tmp_path_factory.mktemp("home-distributed"),
            new_database("postgresql"),
            s3,
            handler_modules=(TEST_HANDLERS,),
            extra_path=str(TEST_HANDLERS_DIR),
            job_poll_interval=0.05,
            workers=2,
            worker_heartbeat_seconds=0.5,
            worker_stalled_seconds=3.0,
        ) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def scaled(postgres, tmp_path_factory) -> Iterator[DistributedPlatform]:
    """A scaled-out platform of a test module's own, whose workers it may kill.

    One API process and two single-threaded workers on a database of its
    own; workers fall silent after 3 s. A production job pauses before its
    commit when the test arms it (tests/server/plugins/ml3_test_pause.py).
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
            extra_env={
                "ML3_TEST_PAUSE_DIR": str(pause_dir),
                # Its test's webhook receiver is on loopback.
                "ML3_WEBHOOK_ALLOW_PRIVATE": "true",
            },
            workers=1,
            job_poll_interval=0.05,
            worker_heartbeat_seconds=0.5,
            worker_stalled_seconds=3.0,
        ) as platform,
    ):
        platform.pause_dir = pause_dir
        yield platform


# --- end of scale-out --------------------------------------------------

@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases | None]:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        yield None
        return
    databases = PostgresDatabases(url)
    yield databases
    databases.drop_all()

@pytest.fixture(scope="session")
def new_database(postgres) -> Callable[[str], str]:
    """``new_database(backend)``: the URL of an empty database ("" = SQLite).

    An empty string lets the platform use SQLite in its home folder.
    """

    def create(backend: str) -> str:
        if backend == "sqlite":
            return ""
        if postgres is None:
            pytest.skip(f"set {POSTGRES_ENV} to run on PostgreSQL")
        return postgres.create()

    return create

@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param

@pytest.fixture(scope="session")
def platform(backend, new_database, tmp_path_factory) -> Iterator[EmbeddedPlatform]:
    """One embedded server per backend, shared: each test makes its own users.

    With ``ML3_TEST_DISTRIBUTED=1``: the platform scaled out instead
    (tests/scaleout_support.py), on PostgreSQL only.
    """
    if DISTRIBUTED:
        yield from _distributed_platform(new_database, tmp_path_factory)
        return
    with EmbeddedPlatform(
        home=tmp_path_factory.mktemp(f"home-{backend}"),
        database_url=new_database(backend),
        handler_modules=(TEST_HANDLERS,),
        job_poll_interval=0.02,
        workers=4,
    ) as running:
        yield running

@pytest.fixture
def api(platform) -> Iterator[httpx.Client]:
    """A client for a fresh user who owns a fresh company."""
    with sdk_client(platform, platform.create_user(unique("user"))) as client:
        response = client.post("/company", json=company_body())
        assert response.status_code == 200, response.text
        yield client

@pytest.fixture
def server_process(
    backend, new_database, tmp_path
) -> Iterator[Callable[[], ServerProcess]]:
    """``server_process()``: an ``ml3 serve`` on a fresh home and database."""
    settings = Settings(home=tmp_path, database_url=new_database(backend))
    started: list[ServerProcess] = []

    def start(as_in_readme: bool = False) -> ServerProcess:
        server = ServerProcess(settings, as_in_readme)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# --- Local AWS: moto's server, for every test that needs AWS ---------------


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """The platform's own AWS identity, as the default boto3 chain finds it."""
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["AWS_ACCESS_KEY_ID"] = "platform-key"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "platform-secret"
    os.environ.pop("AWS_SESSION_TOKEN", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def moto_url(aws_env) -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()
