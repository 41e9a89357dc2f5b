"""A task with a schema and a model in a SQLite file, and a way to run jobs.

Jobs run the way the executor runs them: the handler gets a ``JobContext``;
success commits its session, ``JobFailed`` rolls it back.
"""

import io
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

import ml3_platform.pipeline  # noqa: F401  (registers the handlers)
from ml3_platform import jobs
from ml3_platform.db.session import make_engine
from ml3_platform.db.tables import (
    Base,
    Batch,
    Company,
    DataSchema,
    Job,
    Model,
    ModelVersion,
    Project,
    Task,
    Upload,
    User,
    new_id,
)
from ml3_platform.jobs.registry import handler_for
from ml3_platform.settings import Settings
from ml3_platform.storage import Store

SCHEMA = [
    {"name": "sid", "role": "id", "is_nullable": False, "data_type": "string"},
    {"name": "ts", "role": "time_id", "is_nullable": False, "data_type": "float"},
    {"name": "x", "role": "input", "is_nullable": False, "data_type": "float"},
    {
        "name": "c",
        "role": "input",
        "is_nullable": True,
        "data_type": "categorical",
        "possible_values": ["a", "b", "c"],
    },
    {"name": "y", "role": "target", "is_nullable": False, "data_type": "float"},
    {
        "name": "reg@v1",
        "role": "prediction",
        "is_nullable": False,
        "data_type": "float",
        "predicted_target": "y",
    },
]


class World:
    def __init__(self, tmp_path, database_url: str = ""):
        self.settings = Settings(
            home=tmp_path,
            database_url=database_url,
            baseline_samples=200,
            drift_run_length=1e4,
            warning_run_length=1e2,
        )
        # The server's own engine: SQLite with foreign keys enforced, so a
        # row written before the row it refers to fails here as it would there.
        engine = make_engine(self.settings)
        Base.metadata.create_all(engine)
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.store = Store(str(tmp_path / "data"))
        self._build()

    def _build(self) -> None:
        with self.sessions() as session:
            company = Company(name="acme")
            session.add(company)
            session.flush()
            self.user = User(username=new_id(), company_id=company.id)
            self.project = Project(company_id=company.id, name="p")
            session.add_all([self.user, self.project])
            session.flush()
            self.task = Task(
                project_id=self.project.id,
                name="t",
                task_type="regression",
                data_structure="tabular",
            )
            session.add(self.task)
            session.flush()
            self.model = Model(
                task_id=self.task.id,
                name="reg",
                metric_name="rmse",
                preferred_suggestion_type="sample_weights",
            )
            session.add_all(
                [DataSchema(task_id=self.task.id, columns=SCHEMA), self.model]
            )
            session.flush()
            self.version = ModelVersion(model_id=self.model.id, version="v1")
            session.add(self.version)
            session.flush()
            self.model.current_version_id = self.version.id
            session.commit()

    # --- files -------------------------------------------------------------

    def upload(self, rows: dict, file_type: str = "csv", kind: str = "production"):
        """Store ``rows`` (column -> values) as an uploaded file; its info."""
        upload_id = new_id()
        name = f"{upload_id[:6]}.{file_type}"
        key = f"uploads/{upload_id}/{name}"
        self.store.put_bytes(key, _encode(rows, file_type))
        with self.sessions() as session:
            session.add(
                Upload(
                    id=upload_id,
                    token=new_id(),
                    user_id=self.user.id,
                    project_id=self.project.id,
                    task_id=self.task.id,
                    params={
                        "file_name": name,
                        "file_type": file_type,
                        "storing_data_type": kind,
                        "data_structure": "tabular",
                    },
                    checksum="0" * 64,
                    storage_key=key,
                    uploaded_at=datetime.now(UTC),
                    expires_at=datetime.now(UTC) + timedelta(hours=1),
                )
            )
            session.commit()
        return {
            "data_structure": "tabular",
            "source": {"storing_process_id": upload_id},
        }

    # --- jobs --------------------------------------------------------------

    def submit(self, group: str, payload: dict) -> str:
        with self.sessions() as session:
            job = jobs.submit(
                session, group, self.project.id, self.task.id, None, payload
            )
            session.commit()
            return job.id

    def run(self, group: str, payload: dict | None = None, job_id: str | None = None):
        """Run a job; return None on success, else its error message."""
        if job_id is None:
            job_id = self.submit(group, payload)
        with self.sessions() as session:
            job = session.scalars(select(Job).where(Job.id == job_id)).one()
            context = jobs.JobContext(session, self.store, self.settings, job)
            try:
                handler_for(job.job_group)(context)
            except jobs.JobFailed as failure:
                session.rollback()
                return failure.message
            session.commit()
        return None

    def historical(self, inputs: dict, target: dict | None = None) -> str | None:
        body = {
            "task_id": self.task.id,
            "inputs": self.upload(inputs, kind="historical"),
            "target": self.upload(target, kind="historical") if target else None,
        }
        return self.run("historical", {"body": body})

    def production(self, inputs=None, target=None, predictions=None) -> str | None:
        body = {
            "task_id": self.task.id,
            "inputs": self.upload(inputs) if inputs else None,
            "target": self.upload(target) if target else None,
            "predictions": (
                [[self.model.id, self.upload(predictions)]] if predictions else None
            ),
        }
        return self.run("production", {"body": body})

    def late_target(self, target: dict) -> str | None:
        body = {
            "task_id": self.task.id,
            "data": self.upload(target, kind="task_target"),
        }
        return self.run("task_target", {"body": body})

    def reference(self, low: float, high: float) -> str | None:
        payload = {
            "model_id": self.model.id,
            "model_version_id": self.version.id,
            "from_timestamp": low,
            "to_timestamp": high,
        }
        return self.run("reference", payload)

    def rows(self, table, **where):
        with self.sessions() as session:
            query = select(table)
            for name, value in where.items():
                query = query.where(getattr(table, name) == value)
            return list(session.scalars(query))

    def get(self, table, key):
        with self.sessions() as session:
            return session.get(table, key)

    def batches(self) -> list[Batch]:
        return self.rows(Batch, task_id=self.task.id)


def _encode(rows: dict, file_type: str) -> bytes:
    if file_type == "parquet":
        buffer = io.BytesIO()
        pq.write_table(pa.table(rows), buffer)
        return buffer.getvalue()
    names = list(rows)
    records = [dict(zip(names, values)) for values in zip(*rows.values())]
    if file_type == "json":
        return json.dumps(records).encode()
    lines = [",".join(names)]
    for record in records:
        lines.append(
            ",".join("" if record[n] is None else str(record[n]) for n in names)
        )
    return ("\n".join(lines) + "\n").encode()


def samples(prefix: str, n: int, start: float, shift: float = 0.0, seed: int = 0):
    """Inputs, target and predictions of ``n`` samples from ``start`` on."""
    rng = np.random.default_rng(seed)
    ids = [f"{prefix}{i}" for i in range(n)]
    ts = (start + np.arange(n)).tolist()
    x = rng.normal(shift, 1.0, n)
    y = 2 * x + rng.normal(0, 0.1, n)
    return {
        "inputs": {"sid": ids, "ts": ts, "x": x.tolist(), "c": (["a", "b"] * n)[:n]},
        "target": {"sid": ids, "ts": ts, "y": y.tolist()},
        "predictions": {"sid": ids, "ts": ts, "reg@v1": (2 * x).tolist()},
    }


@pytest.fixture
def world(tmp_path) -> World:
    return World(tmp_path)
