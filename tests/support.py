"""Helpers for server tests: databases, clients, subprocess servers."""

import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ml3_platform.db.session import make_engine, make_sessionmaker
from ml3_platform.embedded import EmbeddedPlatform, free_port
from ml3_platform.settings import Settings

POSTGRES_ENV = "ML3_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]
# Scale-out: the distributed configuration keeps metadata and queue in
# PostgreSQL, so its runs have that backend only (tests/scaleout_support.py).
if os.environ.get("ML3_TEST_DISTRIBUTED") == "1":
    BACKENDS = ["postgresql"]
# Job handlers that only tests use, importable by name in every server.
TEST_HANDLERS_DIR = Path(__file__).parent / "server" / "plugins"
TEST_HANDLERS = "ml3_test_handlers"

class PostgresDatabases:
    """Fresh databases on the test PostgreSQL server, all dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.prefix = f"ml3_test_{secrets.token_hex(4)}"
        self.created: list[str] = []

    def create(self) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        with self._admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self._admin() as connection:
            for name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.url.host,
            port=self.url.port or 5432,
            user=self.url.username,
            password=self.url.password,
            dbname=self.url.database,
            autocommit=True,
        )

def sdk_client(platform: EmbeddedPlatform, api_key: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{platform.url}/sdk/v1", headers={"X-Api-Key": api_key}
    )

@contextmanager
def database_session(settings: Settings) -> Iterator[Session]:
    """A session on a platform's database, for setting up what no route can.

    Scale-out: its sessions put submitted jobs in the platform's queue.
    """
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine, settings)() as session:
            yield session
    finally:
        engine.dispose()

def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"

def company_body() -> dict:
    return {"name": unique("company"), "address": "1 Main St", "vat": "IT000"}

def platform_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for ``ml3`` subprocesses that work on the same platform."""
    return {
        **os.environ,
        "ML3_HOME": str(settings.home),
        "ML3_DATABASE_URL": settings.database_url,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(TEST_HANDLERS_DIR), os.environ.get("PYTHONPATH")])
        ),
        **extra,
    }

def run_ml3(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from ml3_platform.cli import app; app()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

class ServerProcess:
    """``ml3 serve`` in a subprocess, for tests that kill and restart it."""

    def __init__(self, settings: Settings, as_in_readme: bool = False) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        # As the README starts it: the port on the command line, no public URL.
        self.as_in_readme = as_in_readme

    def start(self) -> None:
        env = platform_env(self.settings, ML3_JOB_POLL_INTERVAL="0.02")
        command = [
            sys.executable,
            "-c",
            "from ml3_platform.cli import app; app()",
            "serve",
            "--handler-module",
            TEST_HANDLERS,
        ]
        if self.as_in_readme:
            env.pop("ML3_PUBLIC_URL", None)
            env.pop("ML3_PORT", None)
            command += ["--port", str(self.port)]
        else:
            env.update(ML3_PORT=str(self.port), ML3_PUBLIC_URL=self.url)
        self.process = subprocess.Popen(command, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "ml3 serve exited"
            try:
                httpx.get(f"{self.url}/sdk/v1/projects", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError("ml3 serve did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

def post(client: httpx.Client, path: str, body: dict) -> httpx.Response:
    """POST a JSON body as the published client does: no Content-Type."""
    return client.post(path, content=json.dumps(body))


def ok(response: httpx.Response):
    assert response.status_code == 200, response.text
    return response.json()


def create_project(client: httpx.Client) -> str:
    body = {
        "name": unique("project"),
        "description": None,
        "default_storage_policy": "mlcube",
    }
    return ok(post(client, "/project", body))


def create_task(client: httpx.Client, project_id: str, **fields) -> str:
    body = {
        "project_id": project_id,
        "name": unique("task"),
        "tags": None,
        "task_type": "regression",
        "data_structure": "tabular",
        "cost_info": None,
        "optional_target": False,
        "text_language": None,
        "positive_class": None,
        **fields,
    }
    return ok(post(client, "/task", body))


def column(name: str, role: str, data_type: str, **fields) -> dict:
    keys = ("predicted_target", "possible_values", "model_id", "dims")
    return {
        "name": name,
        "role": role,
        "is_nullable": False,
        "data_type": data_type,
        **dict.fromkeys(keys),
        "classes_names": None,
        **fields,
    }


REGRESSION_COLUMNS = [
    column("sample_id", "id", "string"),
    column("timestamp", "time_id", "float"),
    column("x", "input", "float"),
    column("y", "target", "float"),
]


def add_schema(client: httpx.Client, task_id: str, columns=REGRESSION_COLUMNS):
    body = {"task_id": task_id, "data_schema": {"columns": columns}}
    return post(client, "/data-schema", body)


def create_model(client: httpx.Client, task_id: str, **fields) -> str:
    body = {
        "task_id": task_id,
        "name": "model",
        "version": "v1",
        "metric_name": "rmse",
        "retraining_cost": 0.0,
        "preferred_suggestion_type": "sample_weights",
        "resampled_dataset_size": None,
        **fields,
    }
    return ok(post(client, "/model", body))


def ready_task(client: httpx.Client) -> tuple[str, str, str]:
    """A project with a regression task that has a schema and a model."""
    project_id = create_project(client)
    task_id = create_task(client, project_id)
    ok(add_schema(client, task_id))
    return project_id, task_id, create_model(client, task_id)


CSV = b"sample_id,timestamp,x,y\na,1.0,0.5,1.0\n"


def presign(api, task_id: str, content: bytes, **params) -> dict:
    query = {
        "task_id": task_id,
        "data_structure": "tabular",
        "storing_data_type": "historical",
        "file_name": "data.csv",
        "file_type": "csv",
        "is_folder": "False",
        "file_checksum": hashlib.sha256(content).hexdigest(),
        "data_category": "input",
        **params,
    }
    return ok(api.get("/data/presigned-url", params=query))


def upload(presigned: dict, content: bytes) -> httpx.Response:
    target = presigned["presigned_url"]
    return httpx.post(
        target["url"], data=target["fields"], files={"file": ("data.csv", content)}
    )
