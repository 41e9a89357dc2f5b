"""Data from a customer's Azure Blob container (Azurite).

Azurite checks shared-key signatures, and checks OAuth bearer tokens only
over HTTPS; the platform is connected to it with the development account's
connection string (``azure_blob_connection_string``), which stands in for
the project's service principal. The project's Azure credentials are still
required and resolved (named or default), so a source without them fails
the same way as against Azure.
"""

import json

import pytest

from ml3_platform.embedded import EmbeddedPlatform, free_port
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import DataStructure, FileType, StoragePolicy, TaskType
from ml3_platform_sdk.exceptions import JobFailureException
from ml3_platform_sdk.models import AzureBlobDataSource, TabularData
from remote_standins import AZURITE_ACCOUNT, AZURITE_KEY, Azurite
from remote_support import (
    HISTORY_START,
    SCHEMA,
    csv_bytes,
    job_batches,
    local_data,
    platform_files,
    samples,
    task_batches,
    tell,
)
from support import unique

CONTAINER = "customer-data"
PRINCIPAL = {"appId": "app", "displayName": "ml3", "password": "pw", "tenant": "t"}


def stand_ins(request) -> dict:
    azurite = request.getfixturevalue("azurite")
    return {"azure_blob_connection_string": azurite.connection_string}


def blob_data(azurite: Azurite, prefix: str):
    container = azurite.container(CONTAINER)

    def make(name: str, frame) -> TabularData:
        blob = f"{prefix}/{name}.csv"
        container.upload_blob(blob, csv_bytes(frame), overwrite=True)
        source = AzureBlobDataSource(
            object_path=f"az://{CONTAINER}/{blob}", file_type=FileType.CSV,
            is_folder=False,
        )  # fmt: skip
        return TabularData(source=source)

    return make


def project_with_principal(client, policy: StoragePolicy) -> str:
    project_id = client.create_project(unique("project"), None, policy)
    client.create_azure_integration_credentials(
        "principal", True, project_id, json.dumps(PRINCIPAL)
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
def test_blob_data_are_monitored_like_local_files(
    client, azurite, remote_platform, local_story, policy
):
    project_id = project_with_principal(client, policy)

    story = tell(client, project_id, blob_data(azurite, unique("story")))

    assert any(event[2] == "drift_on" for event in local_story.events)
    assert story.events == local_story.events
    assert story.statuses == local_story.statuses
    batches = task_batches(remote_platform, story.task_id)
    assert len(batches) == 2 + 2 * 3
    if policy == StoragePolicy.MLCUBE:
        assert all(b.remote_source is None and b.storage_key for b in batches)
        assert len(platform_files(remote_platform, story.task_id)) == 2 * 8 + 1
    else:
        assert all(b.remote_source and b.storage_key == "" for b in batches)
        assert platform_files(remote_platform, story.task_id) == []
        # A deleted blob makes the next read of it fail, naming it.
        url = story.names["hist-inputs"].source.object_path
        azurite.container(CONTAINER).delete_blob(url.split(f"{CONTAINER}/", 1)[1])
        job = client.set_model_reference(
            story.model_id, HISTORY_START, HISTORY_START + 1e6
        )
        with pytest.raises(JobFailureException) as failure:
            client.wait_job_completion(job)
        assert f"{url} was not found in Azure Blob Storage" in str(failure.value)


def _ready_task(client, policy=StoragePolicy.MLCUBE) -> str:
    project_id = project_with_principal(client, policy)
    task_id = client.create_task(
        project_id, unique("task"), tags=[], task_type=TaskType.REGRESSION,
        data_structure=DataStructure.TABULAR,
    )  # fmt: skip
    client.add_data_schema(task_id, SCHEMA)
    return task_id


def _failure(client, task_id, inputs, target) -> tuple[str, str]:
    job = client.add_historical_data(task_id, inputs, target)
    with pytest.raises(JobFailureException) as failure:
        client.wait_job_completion(job)
    return job, str(failure.value)


def test_a_missing_blob_names_the_url(client, azurite, remote_platform):
    task_id = _ready_task(client)
    history = samples("h", 10, HISTORY_START, 0.0, seed=1)
    make = blob_data(azurite, unique("fail"))
    target = make("target", history["target"])
    missing = make("inputs", history["inputs"]).model_copy(deep=True)
    missing.source.object_path = f"az://{CONTAINER}/nowhere/missing.csv"

    job, message = _failure(client, task_id, missing, target)

    assert message.endswith(
        f"inputs: az://{CONTAINER}/nowhere/missing.csv was not found in "
        "Azure Blob Storage"
    )
    assert job_batches(remote_platform, job) == []


def test_a_wrong_account_key_is_a_refusal(
    azurite, backend, new_database, tmp_path
):
    wrong = azurite.connection_string.replace(AZURITE_KEY, "d3Jvbmc=" * 11)
    _, message = _with_platform(azurite, wrong, backend, new_database, tmp_path)

    assert (
        "inputs: Azure Blob Storage refused credentials "
        "ML3_AZURE_BLOB_CONNECTION_STRING (standing in for 'principal' ("
    ) in message
    assert "Server failed to authenticate the request" in message


def test_an_unreachable_store_names_the_endpoint(
    azurite, backend, new_database, tmp_path
):
    closed = f"http://127.0.0.1:{free_port()}/{AZURITE_ACCOUNT}"
    elsewhere = azurite.connection_string.replace(azurite.blob_endpoint, closed)

    _, message = _with_platform(azurite, elsewhere, backend, new_database, tmp_path)

    assert f"inputs: Azure Blob Storage at {closed} cannot be reached" in message


def _with_platform(azurite, connection, backend, new_database, tmp_path):
    """A historical upload on a platform that reaches Azurite through
    ``connection``; the job's error."""
    with EmbeddedPlatform(
        home=tmp_path, database_url=new_database(backend), job_poll_interval=0.02,
        azure_blob_connection_string=connection, remote_timeout=2.0,
    ) as platform:  # fmt: skip
        with ML3PlatformClient(platform.url, platform.api_key) as client:
            client.create_company(name=unique("c"), address="1 Main St", vat="IT0")
            task_id = _ready_task(client)
            history = samples("h", 10, HISTORY_START, 0.0, seed=1)
            make = blob_data(azurite, unique("other"))
            job, message = _failure(
                client, task_id, make("inputs", history["inputs"]),
                make("target", history["target"]),
            )  # fmt: skip
            assert job_batches(platform, job) == []
            return job, message
