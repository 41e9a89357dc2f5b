"""The sample-id checks against a task's history, on SQLite and PostgreSQL."""

import pyarrow as pa
import pytest
from conftest import World, samples
from sqlalchemy import delete, func, select

from ml3_platform import jobs
from ml3_platform.db.tables import HashedBatch, Job, SampleHash
from ml3_platform.jobs.registry import handler_for
from ml3_platform.pipeline import ingestion
from ml3_platform.pipeline.samples import SampleIndex
from ml3_platform.storage import Store


@pytest.fixture
def world(tmp_path, backend, new_database) -> World:
    return World(tmp_path, new_database(backend))


def _stream(world: World, batches: int, size: int = 4) -> None:
    for number in range(batches):
        data = samples(f"b{number}-", size, start=10.0 * number)
        assert world.production(inputs=data["inputs"]) is None


def _keys(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(SampleHash))


def _forget_keys(world: World) -> None:
    """Make every stored batch look as it did before revision 0801."""
    with world.sessions() as session:
        session.execute(delete(SampleHash))
        session.execute(delete(HashedBatch))
        session.commit()


def test_duplicates_across_many_earlier_batches_are_refused(world):
    _stream(world, 30)
    again = samples("n", 4, 400.0)
    again["inputs"]["sid"][1] = "b27-3"
    again["inputs"]["sid"][2] = "b2-0"

    message = world.production(inputs=again["inputs"])

    assert message.endswith("sample id 'b27-3' in row 2 is already in the task")
    assert _keys(world) == 30 * 4


def test_targets_and_predictions_of_early_batches_are_found(world):
    _stream(world, 12)
    early = samples("b1-", 4, 10.0)

    assert world.production(predictions=early["predictions"]) is None
    assert world.late_target(early["target"]) is None
    message = world.late_target(early["target"])

    assert message.endswith("sample id 'b1-0' in row 1 already has a target")


def test_a_failed_job_leaves_no_keys(world, monkeypatch):
    data = samples("f", 5, 0.0)

    def fails(*_args):
        raise jobs.JobFailed("monitoring failed")

    # The job fails after it has written its batches and their keys.
    monkeypatch.setattr(ingestion, "monitor_batch", fails)
    message = world.production(
        inputs=data["inputs"], predictions=data["predictions"]
    )

    assert message == "monitoring failed"
    assert _keys(world) == 0
    monkeypatch.undo()
    assert world.production(inputs=data["inputs"]) is None
    assert _keys(world) == 5


def test_a_job_run_again_does_not_refuse_its_own_ids(world):
    data = samples("r", 6, 0.0)
    body = {"task_id": world.task.id, "inputs": world.upload(data["inputs"])}
    job_id = world.submit("production", {"body": body})

    # The first run writes its rows and keys, then dies before its commit.
    with world.sessions() as session:
        job = session.scalars(select(Job).where(Job.id == job_id)).one()
        handler_for("production")(
            jobs.JobContext(session, world.store, world.settings, job)
        )
        assert session.scalar(select(func.count()).select_from(SampleHash)) == 6
        session.rollback()

    assert world.run("production", job_id=job_id) is None
    assert _keys(world) == 6


def test_the_asking_jobs_own_batches_are_left_out(world):
    data = samples("o", 4, 0.0)
    assert world.production(inputs=data["inputs"]) is None
    (batch,) = world.batches()
    ids = pa.array(data["inputs"]["sid"])

    with world.sessions() as session:
        own = SampleIndex(session, world.store, world.task.id, batch.job_id, "sid")
        other = SampleIndex(session, world.store, world.task.id, "other", "sid")

        assert not own.known(ids, "input").any()
        assert own.rows(ids, "input") is None
        assert other.known(ids, "input").all()


def test_batches_stored_before_the_keys_are_read_through_their_sidecars(world):
    _stream(world, 3)
    _forget_keys(world)
    newer = samples("new", 4, 100.0)
    assert world.production(inputs=newer["inputs"]) is None
    again = samples("n", 4, 200.0)
    again["inputs"]["sid"][3] = "b1-2"

    message = world.production(inputs=again["inputs"])

    assert message.endswith("sample id 'b1-2' in row 4 is already in the task")
    old = samples("b0-", 4, 0.0)
    assert world.production(predictions=old["predictions"]) is None
    assert world.late_target(old["target"]) is None
    with world.sessions() as session:
        index = SampleIndex(session, world.store, world.task.id, "x", "sid")
        ids = pa.array(["b0-1", "new2", "nobody"])

        assert index.known(ids, "input").tolist() == [True, True, False]
        stored = index.rows(ids, "input").column("sid").to_pylist()
        assert sorted(stored) == ["b0-1", "new2"]


@pytest.mark.parametrize("history", [5, 40])
def test_a_check_reads_only_the_batches_its_ids_are_in(world, monkeypatch, history):
    _stream(world, history)
    reads = []
    read_table = Store.read_table

    def counted(store, key, columns=None):
        reads.append(key)
        return read_table(store, key, columns=columns)

    monkeypatch.setattr(Store, "read_table", counted)
    ids = pa.array(["fresh0", "fresh1", "b3-1", "b4-0", "b4-2"])
    with world.sessions() as session:
        index = SampleIndex(session, world.store, world.task.id, "x", "sid")
        known = index.known(ids, "input")

    assert known.tolist() == [False, False, True, True, True]
    assert len(reads) == 2
