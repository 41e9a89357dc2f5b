"""The historical, production and task_target jobs: validation and storage."""

from conftest import samples

from ml3_platform import jobs
from ml3_platform.db.tables import Batch, DetectionEvent, Job
from ml3_platform.jobs.registry import handler_for


def test_historical_stores_inputs_and_target_sorted(world):
    data = samples("h", 10, start=100.0)
    data["inputs"]["ts"] = data["inputs"]["ts"][::-1]

    assert world.historical(data["inputs"], data["target"]) is None

    batches = {b.category: b for b in world.batches()}
    assert set(batches) == {"input", "target"}
    assert batches["input"].kind == "historical"
    assert (batches["input"].n_rows, batches["input"].min_ts) == (10, 100.0)
    stored = world.store.read_table(batches["input"].storage_key)
    assert stored.column("ts").to_pylist() == sorted(data["inputs"]["ts"])
    assert stored.column_names == ["sid", "ts", "x", "c"]


def test_historical_needs_a_target_unless_optional(world):
    message = world.historical(samples("h", 5, 0.0)["inputs"])

    assert "need a target" in message
    assert world.batches() == []


def test_bad_file_stores_nothing(world):
    data = samples("h", 5, 0.0)
    data["target"]["y"][3] = "abc"

    message = world.historical(data["inputs"], data["target"])

    assert message.endswith(
        "column 'y': value 'abc' in row 4 (sample id 'h3') is not a float"
    )
    assert message.startswith("target (")
    assert world.batches() == []
    assert world.store.list("tasks") == []


def test_input_id_already_in_task(world):
    first = samples("h", 5, 0.0)
    assert world.historical(first["inputs"], first["target"]) is None
    again = samples("n", 5, 10.0)
    again["inputs"]["sid"][2] = "h4"

    message = world.production(inputs=again["inputs"])

    assert message.endswith(
        "column 'sid': sample id 'h4' in row 3 is already in the task"
    )
    assert len(world.batches()) == 2


def test_predictions_need_known_inputs(world):
    data = samples("p", 6, 0.0)
    assert world.production(inputs=data["inputs"]) is None
    data["predictions"]["sid"][5] = "ghost"

    message = world.production(predictions=data["predictions"])

    assert message.startswith("predictions of model 'reg@v1' (")
    assert message.endswith(
        "column 'sid': sample id 'ghost' in row 6 is not an input of the task"
    )


def test_predictions_in_the_same_call_as_inputs(world):
    data = samples("p", 6, 0.0)

    assert (
        world.production(inputs=data["inputs"], predictions=data["predictions"]) is None
    )
    categories = sorted(b.category for b in world.batches())
    assert categories == ["input", "prediction"]


def test_target_subset_then_late_target(world):
    data = samples("p", 6, 0.0)
    subset = {name: values[:3] for name, values in data["target"].items()}
    rest = {name: values[3:] for name, values in data["target"].items()}

    assert world.production(inputs=data["inputs"], target=subset) is None
    assert world.late_target(rest) is None
    message = world.late_target(rest)

    assert message.endswith(
        "column 'sid': sample id 'p3' in row 1 already has a target"
    )
    kinds = sorted((b.kind, b.category) for b in world.batches())
    assert kinds == [
        ("production", "input"),
        ("production", "target"),
        ("task_target", "target"),
    ]


def test_late_target_for_unknown_sample(world):
    message = world.late_target({"sid": ["nobody"], "ts": [1.0], "y": [1.0]})

    assert message.endswith("sample id 'nobody' in row 1 is not an input of the task")


def test_extra_and_missing_columns(world):
    data = samples("p", 4, 0.0)
    data["inputs"]["shoe_size"] = [1, 2, 3, 4]

    message = world.production(inputs=data["inputs"])

    assert "column 'shoe_size' is not in the schema" in message


def test_json_and_parquet_uploads(world):
    first, second = samples("j", 4, 0.0), samples("q", 4, 10.0)
    for data, file_type in ((first, "json"), (second, "parquet")):
        body = {
            "task_id": world.task.id,
            "inputs": world.upload(data["inputs"], file_type),
        }
        assert world.run("production", {"body": body}) is None

    assert len(world.batches()) == 2


def test_running_a_job_twice_stores_once(world):
    data = samples("r", 8, 0.0)
    body = {"task_id": world.task.id, "inputs": world.upload(data["inputs"])}
    job_id = world.submit("production", {"body": body})

    # A first run whose transaction never committed (a crash), then a rerun.
    with world.sessions() as session:
        job = session.query(Job).filter_by(id=job_id).one()
        handler_for("production")(
            jobs.JobContext(session, world.store, world.settings, job)
        )
        session.rollback()
    assert world.run("production", job_id=job_id) is None

    assert [b.n_rows for b in world.batches()] == [8]
    files = world.store.list(f"tasks/{world.task.id}/batches")
    assert [f.rsplit("/", 1)[1] for f in files] == [
        "input.ids.parquet",
        "input.parquet",
    ]


def _remote(path: str, provider: str = "aws_s3", **fields) -> dict:
    source = {
        "file_type": "csv",
        "data_source_type": provider,
        "remote_path": path,
        "is_folder": False,
        "folder_type": None,
        "credentials_id": None,
        "storage_policy": None,
        **fields,
    }
    return {"data_structure": "tabular", "source": source}


def test_remote_source_without_credentials_says_so(world):
    body = {"task_id": world.task.id, "inputs": _remote("s3://bucket/x.csv")}

    message = world.run("production", {"body": body})

    assert message == (
        f"inputs: project {world.project.id} has no default aws credentials; "
        "name credentials or set a default"
    )
    assert world.batches() == []


def test_remote_source_urls_and_folders_are_checked(world):
    cases = [
        (_remote("https://bucket/x.csv"), "inputs: 'https://bucket/x.csv' is "
         "not a URL of AWS S3: it should start with s3://"),
        (_remote("gs://bucket/", "gcs"), "inputs: 'gs://bucket/' does not name "
         "an object (a bucket and a key)"),
        (_remote("s3://bucket/images", is_folder=True), "inputs: "
         "s3://bucket/images is a folder; remote sources are single tabular "
         "files (CSV, JSON or Parquet)"),
    ]  # fmt: skip
    for inputs, expected in cases:
        body = {"task_id": world.task.id, "inputs": inputs}
        assert world.run("production", {"body": body}) == expected


def test_historical_data_are_not_monitored(world):
    data = samples("h", 400, 0.0)
    assert world.historical(data["inputs"], data["target"]) is None

    assert world.rows(DetectionEvent) == []
    assert {b.kind for b in world.rows(Batch)} == {"historical"}
