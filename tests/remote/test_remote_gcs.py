"""Data from a customer's GCS bucket (gcp-storage-emulator), read as the
service account of the project's key; its tokens come from a local endpoint
that checks the key's signature (``conftest.GoogleTokens``)."""

import json

import pytest

from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    DataStructure,
    FileType,
    KPIStatus,
    StoragePolicy,
    TaskType,
)
from ml3_platform_sdk.exceptions import JobFailureException
from ml3_platform_sdk.models import GCSDataSource, TabularData
from remote_standins import BUCKET, Gcs
from remote_support import (
    HISTORY_START,
    SCHEMA,
    csv_bytes,
    job_batches,
    kpi_files,
    local_data,
    platform_files,
    samples,
    task_batches,
    tell,
    tell_kpi,
)
from support import unique


def stand_ins(request) -> dict:
    return {"gcs_endpoint_url": request.getfixturevalue("gcs").url}


def gcs_data(gcs: Gcs, prefix: str, credentials_id: str | None = None):
    def make(name: str, frame) -> TabularData:
        path = f"{BUCKET}/{prefix}/{name}.csv"
        gcs.put(path, csv_bytes(frame))
        source = GCSDataSource(
            object_path=f"gs://{path}", file_type=FileType.CSV, is_folder=False,
            credentials_id=credentials_id,
        )  # fmt: skip
        return TabularData(source=source)

    return make


def project_with_key(client, gcs: Gcs, policy: StoragePolicy) -> str:
    project_id = client.create_project(unique("project"), None, policy)
    client.create_gcp_integration_credentials(
        "reader", True, project_id, json.dumps(gcs.tokens.service_account())
    )
    return project_id


@pytest.fixture(scope="module")
def local_story(remote_platform, tmp_path_factory):
    key = remote_platform.create_user(unique("user"))
    with ML3PlatformClient(remote_platform.url, key) as sdk:
        sdk.create_company(name=unique("company"), address="1 Main St", vat="IT0")
        project_id = sdk.create_project(unique("project"), None, StoragePolicy.MLCUBE)
        return tell(sdk, project_id, local_data(tmp_path_factory.mktemp("local")))


@pytest.mark.parametrize("policy", [StoragePolicy.MLCUBE, StoragePolicy.CUSTOMER])
def test_gcs_data_are_monitored_like_local_files(
    client, gcs, remote_platform, local_story, policy
):
    project_id = project_with_key(client, gcs, policy)

    story = tell(client, project_id, gcs_data(gcs, unique("story")))

    assert story.events == local_story.events
    assert story.statuses == local_story.statuses
    files = platform_files(remote_platform, story.task_id)
    if policy == StoragePolicy.MLCUBE:
        assert len(files) == 2 * 8 + 1
    else:
        assert files == []
        batches = task_batches(remote_platform, story.task_id)
        assert all(b.remote_source for b in batches)


def test_an_unregistered_key_is_refused_and_a_missing_object_named(
    client, gcs, remote_platform
):
    project_id = project_with_key(client, gcs, StoragePolicy.MLCUBE)
    unknown = client.create_gcp_integration_credentials(
        "unknown", False, project_id,
        json.dumps(gcs.tokens.service_account(register=False)),
    )  # fmt: skip
    task_id = client.create_task(
        project_id, unique("task"), tags=[], task_type=TaskType.REGRESSION,
        data_structure=DataStructure.TABULAR,
    )  # fmt: skip
    client.add_data_schema(task_id, SCHEMA)
    history = samples("h", 10, HISTORY_START, 0.0, seed=1)
    prefix = unique("fail")
    inputs = gcs_data(gcs, prefix)("inputs", history["inputs"])
    refused = gcs_data(gcs, prefix, unknown.credentials_id)("target", history["target"])
    missing = gcs_data(gcs, prefix)("target", history["target"]).model_copy(deep=True)
    missing.source.object_path = f"gs://{BUCKET}/{prefix}/missing.csv"

    messages = []
    for target in (refused, missing):
        job = client.add_historical_data(task_id, inputs, target)
        with pytest.raises(JobFailureException) as failure:
            client.wait_job_completion(job)
        assert job_batches(remote_platform, job) == []
        messages.append(str(failure.value))

    assert (
        "target: Google Cloud Storage refused credentials 'unknown' "
        f"({unknown.credentials_id}) for {refused.source.object_path}: "
    ) in messages[0]
    assert "the token endpoint answered invalid_grant: Invalid JWT Signature" in (
        messages[0]
    )
    assert messages[1].endswith(
        f"target: gs://{BUCKET}/{prefix}/missing.csv was not found in "
        "Google Cloud Storage"
    )


def test_a_kpi_from_gcs_is_monitored_like_an_uploaded_one(
    client, gcs, remote_platform, local_kpi
):
    # No default credentials: only the named ones can open the bucket.
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    credentials_id = client.create_gcp_integration_credentials(
        "named", False, project_id, json.dumps(gcs.tokens.service_account())
    ).credentials_id

    make = gcs_data(gcs, unique("kpi"), credentials_id)
    kpi_id, *status = tell_kpi(client, project_id, make)

    assert local_kpi[1] == KPIStatus.DRIFT.value
    assert status == list(local_kpi[1:])
    assert len(kpi_files(remote_platform, kpi_id)) == 2
