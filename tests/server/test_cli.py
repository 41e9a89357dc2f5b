"""``ml3 init`` makes the first user once; ``ml3 serve`` as the README says."""

from ml3_platform.settings import Settings
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    ColumnRole,
    DataStructure,
    DataType,
    FileType,
    StoragePolicy,
    TaskType,
)
from ml3_platform_sdk.models import ColumnInfo, DataSchema, LocalDataSource
from ml3_platform_sdk.models import TabularData
from support import platform_env, run_ml3


def test_init_refuses_a_second_time(backend, new_database, tmp_path):
    env = platform_env(Settings(home=tmp_path, database_url=new_database(backend)))

    first = run_ml3("init", env=env)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.strip().splitlines()[-1]) > 40

    second = run_ml3("init", env=env)
    assert second.returncode == 1
    assert "already has users" in second.stderr


def column(name: str, role: ColumnRole) -> ColumnInfo:
    data_type = DataType.STRING if role == ColumnRole.ID else DataType.FLOAT
    return ColumnInfo(name=name, role=role, is_nullable=False, data_type=data_type)


def csv_file(path, header: str, rows: list[str]) -> TabularData:
    path.write_text("\n".join([header, *rows]) + "\n")
    source = LocalDataSource(
        file_path=str(path), file_type=FileType.CSV, is_folder=False
    )
    return TabularData(source=source)


def test_serve_on_another_port_takes_uploads(server_process, tmp_path):
    """``ml3 serve --port N`` hands out upload URLs on port N, not 8000."""
    server = server_process(as_in_readme=True)
    api_key = run_ml3("init", env=platform_env(server.settings)).stdout.split()[-1]
    schema = DataSchema(
        columns=[
            column("sid", ColumnRole.ID),
            column("ts", ColumnRole.TIME_ID),
            column("x", ColumnRole.INPUT),
            column("y", ColumnRole.TARGET),
        ]
    )
    keys = [f"s{i},{1_700_000_000 + 60 * i}" for i in range(20)]
    inputs = csv_file(
        tmp_path / "x.csv", "sid,ts,x", [f"{k},{i % 7}" for i, k in enumerate(keys)]
    )
    target = csv_file(
        tmp_path / "y.csv", "sid,ts,y", [f"{k},{i % 5}" for i, k in enumerate(keys)]
    )

    with ML3PlatformClient(server.url, api_key) as client:
        client.create_company(name="Acme", address="Main St 1", vat="IT0001")
        project_id = client.create_project("p", None, StoragePolicy.MLCUBE)
        task_id = client.create_task(
            project_id, "t", [], TaskType.REGRESSION, DataStructure.TABULAR
        )
        client.add_data_schema(task_id, schema)
        job_id = client.add_historical_data(task_id, inputs, target)
        client.wait_job_completion(job_id, max_wait_timeout=60)

        assert client.get_job(job_id).status == "completed"


def test_a_bad_setting_is_named_in_one_line(tmp_path):
    env = platform_env(
        Settings(home=tmp_path),
        ML3_DRIFT_RUN_LENGTH="often",
        ML3_MONITORING_CALIBRATION="guess",
    )

    for command in ("serve", "init"):
        result = run_ml3(command, env=env)

        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        drift, calibration = result.stderr.splitlines()
        assert drift.startswith("error: ML3_DRIFT_RUN_LENGTH: ")
        assert drift.endswith("number (got 'often')")
        assert calibration == (
            "error: ML3_MONITORING_CALIBRATION: Input should be 'bound' or "
            "'simulated' (got 'guess')"
        )
