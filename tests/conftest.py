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

sys.path.insert(0, str(TEST_HANDLERS_DIR))

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
    """One embedded server per backend, shared: each test makes its own users."""
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

    def start() -> ServerProcess:
        server = ServerProcess(settings)
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
