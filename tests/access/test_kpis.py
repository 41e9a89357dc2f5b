"""KPIs: create, read, upload values, and their status from the monitor."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import func, select

from ml3_platform.db.tables import KpiBatch
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    FileType,
    JobStatus,
    KPIStatus,
    StoragePolicy,
    UserCompanyRole,
    UserProjectRole,
)
from ml3_platform_sdk.exceptions import JobFailureException, SDKClientException
from ml3_platform_sdk.models import LocalDataSource, TabularData
from support import database_session, ok, post, presign, sdk_client, unique
from support import upload as upload_file

START = 1_700_000_000.0
HOUR = 3600.0
# The platform's default: the first 200 values are the KPI's reference.
BASELINE = 200


def kpi_file(folder: Path, frame: pl.DataFrame, kind=FileType.CSV) -> TabularData:
    path = folder / f"{unique('kpi')}.{kind.value}"
    if kind == FileType.CSV:
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    source = LocalDataSource(file_path=str(path), file_type=kind, is_folder=False)
    return TabularData(source=source)


def series(first: int, values: np.ndarray) -> pl.DataFrame:
    hours = np.arange(first, first + len(values))
    return pl.DataFrame({"timestamp": START + hours * HOUR, "value": values})


def upload(client, project_id, kpi_id, frame, folder, kind=FileType.CSV) -> str:
    job_id = client.add_kpi_data(project_id, kpi_id, kpi_file(folder, frame, kind))
    client.wait_job_completion(job_id, max_wait_timeout=60)
    return job_id


@pytest.fixture
def project(company) -> tuple[ML3PlatformClient, str]:
    client = company.owner.client
    return client, client.create_project(unique("p"), None, StoragePolicy.MLCUBE)


def test_kpis_are_created_listed_and_shown(project, capsys):
    client, project_id = project
    kpi_id = client.create_kpi(project_id, "revenue")
    kpi = client.get_kpi(kpi_id)
    assert (kpi.name, kpi.status) == ("revenue", KPIStatus.NOT_INITIALIZED)
    assert kpi.status_kpi_start_timestamp is None
    assert [k.kpi_id for k in client.get_kpis(project_id)] == [kpi_id]
    client.show_kpis(project_id)
    assert kpi_id in capsys.readouterr().out

    with pytest.raises(SDKClientException) as raised:
        client.create_kpi(project_id, "revenue")
    assert raised.value.error_code == "KPI_ALREADY_EXISTS"


def test_a_kpi_learns_its_reference_then_detects_a_shift(project, tmp_path):
    client, project_id = project
    kpi_id = client.create_kpi(project_id, "conversion")
    rng = np.random.default_rng(7)

    # Half the baseline: still learning. ISO-8601 times and sample ids.
    first = series(0, rng.normal(10, 1, BASELINE // 2)).with_columns(
        pl.from_epoch("timestamp", time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S"),
        sample_id=pl.format("s{}", pl.int_range(pl.len())),
    )
    upload(client, project_id, kpi_id, first, tmp_path)
    assert client.get_kpi(kpi_id).status == KPIStatus.NOT_INITIALIZED

    # The rest of the baseline and 300 more in-control values, as Parquet.
    # Under no change a false drift comes once per 10^6 values on average
    # and a false warning once per 10^4 (Lorden's bound, monitoring/
    # monitor.py), so 300 values stay ok unless the seed is unlucky.
    steady = series(BASELINE // 2, rng.normal(10, 1, BASELINE // 2 + 300))
    upload(client, project_id, kpi_id, steady, tmp_path, FileType.PARQUET)
    kpi = client.get_kpi(kpi_id)
    assert kpi.status == KPIStatus.OK
    assert kpi.status_kpi_start_timestamp is not None

    # A 4σ shift: the CUSUM needs about h_drift / KL rows; with the coarse
    # bins of a 200-value reference that is some tens of values, so 80 of
    # them must end in drift, dated at the value that decided it.
    shift_start = BASELINE + 300
    shifted = series(shift_start, rng.normal(14, 1, 80))
    upload(client, project_id, kpi_id, shifted, tmp_path)
    kpi = client.get_kpi(kpi_id)
    assert kpi.status == KPIStatus.DRIFT
    started = kpi.status_kpi_start_timestamp.timestamp()
    assert START + shift_start * HOUR <= started < START + (shift_start + 80) * HOUR

    jobs = client.get_jobs(project_id=project_id)
    assert {job.job_group for job in jobs} == {"kpi"}
    assert {job.task_id for job in jobs} == {""}


def test_a_bad_kpi_file_fails_whole(platform, project, tmp_path):
    client, project_id = project
    kpi_id = client.create_kpi(project_id, "churn")
    bad_value = pl.DataFrame(
        {"timestamp": [START, START + 1, START + 2], "value": ["1.0", "x", "2"]}
    )
    for frame, message in [
        (pl.DataFrame({"timestamp": [START], "amount": [1.0]}), "'value' is missing"),
        (bad_value, "value 'x' in row 2"),
    ]:
        job_id = client.add_kpi_data(project_id, kpi_id, kpi_file(tmp_path, frame))
        with pytest.raises(JobFailureException):
            client.wait_job_completion(job_id, max_wait_timeout=60)
        job = client.get_job(job_id)
        assert job.status == JobStatus.ERROR.value
        assert message in job.error
    with database_session(platform.settings) as session:
        stored = session.scalar(
            select(func.count()).select_from(KpiBatch).where(KpiBatch.kpi_id == kpi_id)
        )
    assert stored == 0
    assert client.get_kpi(kpi_id).status == KPIStatus.NOT_INITIALIZED


def test_kpi_file_errors_name_rows_by_timestamp(platform, project, tmp_path):
    """A KPI file has no sample ids of its own (the row number stands in), so
    a bad value is reported by its row and timestamp, never a "sample id"."""
    client, project_id = project
    kpi_id = client.create_kpi(project_id, "latency")
    times = [START, START + HOUR, START + 2 * HOUR]
    for frame, message in [
        (
            pl.DataFrame({"timestamp": times, "value": ["1.0", "x", "2"]}),
            "column 'value': value 'x' in row 2 (timestamp '1700003600.0') "
            "is not a float",
        ),
        (
            pl.DataFrame({"timestamp": times, "value": [1.0, 2.0, float("inf")]}),
            "column 'value': value inf in row 3 (timestamp '1700007200.0') "
            "is not finite",
        ),
        (
            pl.DataFrame({"timestamp": ["2024-01-02", "soon"], "value": [1.0, 2.0]}),
            "column 'timestamp': value 'soon' in row 2 is not a timestamp",
        ),
    ]:
        job_id = client.add_kpi_data(project_id, kpi_id, kpi_file(tmp_path, frame))
        with pytest.raises(JobFailureException):
            client.wait_job_completion(job_id, max_wait_timeout=60)

        error = client.get_job(job_id).error
        assert message in error
        assert "sample id" not in error
    assert client.get_kpi(kpi_id).status == KPIStatus.NOT_INITIALIZED


def test_a_kpi_upload_serves_one_call(platform, company):
    """The same KPI file given twice would add its values twice: the second
    call is refused, naming the first call's job, and queues nothing."""
    content = b"timestamp,value\n1700000000.0,1.0\n1700003600.0,2.0\n"
    with sdk_client(platform, company.owner.api_key) as api:
        project_id = ok(post(api, "/project", {
            "name": unique("p"), "description": None,
            "default_storage_policy": "mlcube",
        }))  # fmt: skip
        kpi_id = ok(post(api, "/kpi", {"project_id": project_id, "name": "nps"}))
        presigned = presign(
            api, None, content, storing_data_type="kpi", project_id=project_id,
            kpi_id=kpi_id,
        )  # fmt: skip
        assert upload_file(presigned, content).status_code == 204
        source = {"storing_process_id": presigned["storing_process_id"]}
        kpi = {"data_structure": "tabular", "source": source}
        body = {"kpi_id": kpi_id, "kpi": kpi}
        first = ok(post(api, "/data/kpi", body))

        response = post(api, "/data/kpi", body)
        jobs = ok(api.get("/job", params={"project_id": project_id}))

    assert response.json()["error_code"] == "UPLOAD_ALREADY_USED"
    assert f"job {first}" in response.json()["error_message"]
    assert [job["job_id"] for job in jobs] == [first]


def test_kpi_calls_check_project_and_role(company, other_company, tmp_path):
    owner = company.owner.client
    project_id = owner.create_project(unique("p"), None, StoragePolicy.MLCUBE)
    other_project = owner.create_project(unique("p"), None, StoragePolicy.MLCUBE)
    kpi_id = owner.create_kpi(project_id, "nps")
    frame = series(0, np.ones(3))

    # The KPI belongs to another project than the one named: unknown.
    with pytest.raises(SDKClientException) as raised:
        owner.add_kpi_data(other_project, kpi_id, kpi_file(tmp_path, frame))
    assert raised.value.error_code == "KPI_NOT_FOUND"

    viewer = company.add(UserCompanyRole.COMPANY_USER)
    owner.add_user_project_role(viewer.user_id, project_id, UserProjectRole.PROJECT_VIEW)
    assert viewer.client.get_kpi(kpi_id).name == "nps"
    with pytest.raises(SDKClientException) as raised:
        viewer.client.add_kpi_data(project_id, kpi_id, kpi_file(tmp_path, frame))
    assert raised.value.error_code == "PERMISSION_DENIED"

    stranger = other_company.owner.client
    with pytest.raises(SDKClientException) as raised:
        stranger.add_kpi_data(project_id, kpi_id, kpi_file(tmp_path, frame))
    assert raised.value.error_code in {"PROJECT_NOT_FOUND", "KPI_NOT_FOUND"}
    with pytest.raises(SDKClientException):
        stranger.get_kpi(kpi_id)
