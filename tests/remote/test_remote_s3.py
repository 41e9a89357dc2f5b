"""Data from a customer's S3 bucket (moto), read as the customer's role."""

import pytest

from ml3_platform.embedded import EmbeddedPlatform, free_port
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import FileType, StoragePolicy
from ml3_platform_sdk.enums import KPIStatus
from ml3_platform_sdk.exceptions import AddKPIDataException, JobFailureException
from ml3_platform_sdk.models import S3DataSource, TabularData
from remote_standins import AWS_REGION, BUCKET, Aws
from ml3_platform_sdk.enums import DataStructure, TaskType
from remote_support import (
    HISTORY_START,
    KPI_FILES,
    SCHEMA,
    csv_bytes,
    job_batches,
    kpi_batches,
    kpi_files,
    kpi_scores,
    local_data,
    platform_files,
    sample_keys,
    samples,
    task_batches,
    tell,
    tell_kpi,
)
from support import unique


def stand_ins(request) -> dict:
    aws = request.getfixturevalue("aws")
    return {"aws_endpoint_url": aws.url, "aws_region": AWS_REGION}


def s3_data(aws: Aws, prefix: str, credentials_id: str | None = None):
    def make(name: str, frame) -> TabularData:
        key = f"{prefix}/{name}.csv"
        aws.s3().put_object(Bucket=BUCKET, Key=key, Body=csv_bytes(frame))
        source = S3DataSource(
            object_path=f"s3://{BUCKET}/{key}", file_type=FileType.CSV,
            is_folder=False, credentials_id=credentials_id,
        )  # fmt: skip
        return TabularData(source=source)

    return make


def project_with_role(client, policy: StoragePolicy, role: str = "reader") -> str:
    project_id = client.create_project(unique("project"), None, policy)
    client.create_aws_integration_credentials(
        role, True, project_id, Aws.role_arn(role)
    )
    return project_id


@pytest.fixture(scope="module")
def local_story(remote_platform, tmp_path_factory):
    """The same story told with local files, once for the module."""
    key = remote_platform.create_user(unique("user"))
    with ML3PlatformClient(remote_platform.url, key) as sdk:
        sdk.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        project_id = sdk.create_project(unique("project"), None, StoragePolicy.MLCUBE)
        return tell(sdk, project_id, local_data(tmp_path_factory.mktemp("local")))


@pytest.mark.parametrize("policy", [StoragePolicy.MLCUBE, StoragePolicy.CUSTOMER])
def test_s3_data_are_monitored_like_local_files(
    client, aws, remote_platform, local_story, policy
):
    project_id = project_with_role(client, policy)

    story = tell(client, project_id, s3_data(aws, unique("story")))

    assert any(event[2] == "drift_on" for event in local_story.events)
    assert story.events == local_story.events
    assert story.statuses == local_story.statuses
    batches = task_batches(remote_platform, story.task_id)
    assert len(batches) == 2 + 2 * 3
    keys = sample_keys(remote_platform, story.task_id)
    assert keys == {batch.id: batch.n_rows for batch in batches}
    if policy == StoragePolicy.MLCUBE:
        assert all(b.remote_source is None and b.storage_key for b in batches)
        assert len(platform_files(remote_platform, story.task_id)) == 2 * 8 + 1
    else:
        assert all(b.remote_source and b.storage_key == "" for b in batches)
        assert platform_files(remote_platform, story.task_id) == []


def test_customer_policy_reads_the_bucket_again_and_fails_on_a_deleted_object(
    client, aws, remote_platform
):
    project_id = project_with_role(client, StoragePolicy.CUSTOMER)
    prefix = unique("story")
    story = tell(client, project_id, s3_data(aws, prefix))
    url = story.names["hist-inputs"].source.object_path

    aws.s3().delete_object(Bucket=BUCKET, Key=f"{prefix}/hist-inputs.csv")
    job = client.set_model_reference(story.model_id, HISTORY_START, HISTORY_START + 1e6)

    with pytest.raises(JobFailureException) as failure:
        client.wait_job_completion(job)
    assert f"{url} was not found in AWS S3" in str(failure.value)


def test_a_changed_object_is_reported_not_read(client, aws, remote_platform):
    project_id = project_with_role(client, StoragePolicy.CUSTOMER)
    prefix = unique("story")
    story = tell(client, project_id, s3_data(aws, prefix))
    other = samples("z", 400, HISTORY_START, 0.0, seed=9)["target"]

    aws.s3().put_object(
        Bucket=BUCKET, Key=f"{prefix}/hist-target.csv", Body=csv_bytes(other)
    )
    job = client.set_model_reference(story.model_id, HISTORY_START, HISTORY_START + 1e6)

    with pytest.raises(JobFailureException) as failure:
        client.wait_job_completion(job)
    assert "the object changed after it was added" in str(failure.value)


def _historical_failure(client, ready, data: TabularData, target: TabularData):
    job = client.add_historical_data(ready["task_id"], data, target)
    with pytest.raises(JobFailureException) as failure:
        client.wait_job_completion(job)
    return job, str(failure.value)


@pytest.fixture
def ready(client, aws):
    """A customer-policy project with a task; files for its history."""
    project_id = project_with_role(client, StoragePolicy.CUSTOMER)
    stranger = client.create_aws_integration_credentials(
        "stranger", False, project_id, Aws.role_arn("stranger")
    )
    history = samples("h", 10, HISTORY_START, 0.0, seed=1)
    make = s3_data(aws, unique("fail"))
    task_id = client.create_task(
        project_id, unique("task"), tags=[], task_type=TaskType.REGRESSION,
        data_structure=DataStructure.TABULAR,
    )  # fmt: skip
    client.add_data_schema(task_id, SCHEMA)
    return {
        "inputs": make("inputs", history["inputs"]),
        "target": make("target", history["target"]),
        "stranger": stranger.credentials_id,
        "task_id": task_id,
    }


def test_a_missing_object_names_the_url(client, ready, remote_platform):
    missing = ready["inputs"].model_copy(deep=True)
    missing.source.object_path = f"s3://{BUCKET}/nowhere/missing.csv"

    job, message = _historical_failure(client, ready, missing, ready["target"])

    assert message.endswith(f"inputs: s3://{BUCKET}/nowhere/missing.csv was not "
                            "found in AWS S3")  # fmt: skip
    assert job_batches(remote_platform, job) == []


def test_a_refused_credential_names_the_credentials(client, ready, remote_platform):
    refused = ready["target"].model_copy(deep=True)
    refused.source.credentials_id = ready["stranger"]

    job, message = _historical_failure(client, ready, ready["inputs"], refused)

    url = refused.source.object_path
    assert (
        f"target: AWS S3 refused credentials 'stranger' ({ready['stranger']}) "
        f"for {url}: 403: Forbidden"
    ) in message
    assert job_batches(remote_platform, job) == []


def test_an_unreachable_store_names_the_endpoint(aws, backend, new_database, tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"
    with EmbeddedPlatform(
        home=tmp_path, database_url=new_database(backend), job_poll_interval=0.02,
        aws_endpoint_url=closed, remote_timeout=2.0,
    ) as platform:  # fmt: skip
        with ML3PlatformClient(platform.url, platform.api_key) as client:
            client.create_company(name=unique("c"), address="1 Main St", vat="IT0")
            project_id = project_with_role(client, StoragePolicy.MLCUBE)
            history = samples("h", 10, HISTORY_START, 0.0, seed=1)
            task_id = client.create_task(
                project_id, unique("task"), tags=[],
                task_type=TaskType.REGRESSION, data_structure=DataStructure.TABULAR,
            )  # fmt: skip
            client.add_data_schema(task_id, SCHEMA)
            make = s3_data(aws, unique("closed"))
            job = client.add_historical_data(
                task_id, make("inputs", history["inputs"]),
                make("target", history["target"]),
            )  # fmt: skip
            with pytest.raises(JobFailureException) as failure:
                client.wait_job_completion(job)
            assert f"inputs: AWS STS at {closed} cannot be reached" in str(
                failure.value
            )
            assert job_batches(platform, job) == []


@pytest.mark.parametrize("policy", [StoragePolicy.MLCUBE, StoragePolicy.CUSTOMER])
def test_a_kpi_from_s3_is_monitored_like_an_uploaded_one(
    client, aws, remote_platform, local_kpi, policy
):
    project_id = project_with_role(client, policy)

    prefix = unique("kpi")
    kpi_id, *status = tell_kpi(client, project_id, s3_data(aws, prefix))

    assert local_kpi[1] == KPIStatus.DRIFT.value
    assert status == list(local_kpi[1:])
    batches = kpi_batches(remote_platform, kpi_id)
    assert sorted(b.n_rows for b in batches) == [80, 500]
    if policy == StoragePolicy.MLCUBE:
        assert all(b.remote_source is None and b.storage_key for b in batches)
        assert len(kpi_files(remote_platform, kpi_id)) == 2
    else:
        assert all(b.remote_source and b.storage_key == "" for b in batches)
        urls = {b.remote_source["remote_path"] for b in batches}
        assert urls == {f"s3://{BUCKET}/{prefix}/{n}.csv" for n in KPI_FILES}
        assert kpi_files(remote_platform, kpi_id) == []


def _kpi_failure(client, project_id: str, kpi_id: str, data: TabularData) -> str:
    job = client.add_kpi_data(project_id, kpi_id, data)
    with pytest.raises(JobFailureException) as failure:
        client.wait_job_completion(job)
    return str(failure.value)


@pytest.fixture
def kpi(client, aws) -> dict:
    """A KPI of a project that reads the bucket as role ``reader``."""
    project_id = project_with_role(client, StoragePolicy.MLCUBE)
    stranger = client.create_aws_integration_credentials(
        "stranger", False, project_id, Aws.role_arn("stranger")
    )
    frame = samples("k", 10, HISTORY_START, 0.0, seed=1)["target"]
    values = frame.select("timestamp", value="y")
    return {
        "project_id": project_id,
        "kpi_id": client.create_kpi(project_id, unique("kpi")),
        "data": s3_data(aws, unique("kpi"))("values", values),
        "stranger": stranger.credentials_id,
    }


def _kept_nothing(client, platform, kpi: dict) -> None:
    assert kpi_batches(platform, kpi["kpi_id"]) == []
    assert kpi_scores(platform, kpi["kpi_id"]) == []
    assert kpi_files(platform, kpi["kpi_id"]) == []
    assert client.get_kpi(kpi["kpi_id"]).status == KPIStatus.NOT_INITIALIZED


def test_a_missing_kpi_object_names_the_url(client, kpi, remote_platform):
    missing = kpi["data"].model_copy(deep=True)
    missing.source.object_path = f"s3://{BUCKET}/nowhere/kpi.csv"

    message = _kpi_failure(client, kpi["project_id"], kpi["kpi_id"], missing)

    assert message.endswith(
        f"KPI file: s3://{BUCKET}/nowhere/kpi.csv was not found in AWS S3"
    )
    _kept_nothing(client, remote_platform, kpi)


def test_a_kpi_object_the_role_may_not_read_names_the_credentials(
    client, kpi, remote_platform
):
    refused = kpi["data"].model_copy(deep=True)
    refused.source.credentials_id = kpi["stranger"]

    message = _kpi_failure(client, kpi["project_id"], kpi["kpi_id"], refused)

    assert (
        f"KPI file: AWS S3 refused credentials 'stranger' ({kpi['stranger']}) "
        f"for {refused.source.object_path}: 403: Forbidden"
    ) in message
    _kept_nothing(client, remote_platform, kpi)


def test_a_kpi_object_is_validated_like_an_uploaded_file(
    client, aws, kpi, remote_platform
):
    frame = samples("k", 10, HISTORY_START, 0.0, seed=1)["target"]
    bad = s3_data(aws, unique("kpi"))("amounts", frame.select("timestamp", "y"))

    message = _kpi_failure(client, kpi["project_id"], kpi["kpi_id"], bad)

    assert "KPI file (amounts.csv): " in message
    assert "'value' is missing" in message
    _kept_nothing(client, remote_platform, kpi)


def test_a_kpi_object_path_is_checked_when_the_data_are_added(client, kpi):
    wrong = kpi["data"].model_copy(deep=True)
    wrong.source.object_path = f"s3://{BUCKET}/"

    with pytest.raises(AddKPIDataException) as raised:
        client.add_kpi_data(kpi["project_id"], kpi["kpi_id"], wrong)

    assert raised.value.error_code == "REMOTE_PATH_INVALID"
