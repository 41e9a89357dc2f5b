"""The upload flow of protocol §3: presigned URL, multipart POST, body."""

import hashlib
from itertools import count

import httpx
import pytest
from client_recording import body_json, wire

from ml3_platform_sdk.enums import FileType, FolderType, StoragePolicy
from ml3_platform_sdk.exceptions import (
    AddHistoricalDataException,
    AddProductionDataException,
    AddTargetDataException,
    SDKClientException,
)
from ml3_platform_sdk.models import (
    AzureBlobDataSource,
    EmbeddingData,
    GCSDataSource,
    ImageData,
    LocalDataSource,
    S3DataSource,
    TabularData,
    TextData,
)

NPY = b"\x93NUMPY"
UPLOAD_URL = "http://store.test/upload/tok"
FIELDS = {"key": "uploads/x", "policy": "p0", "n": 3, "skip": None, "many": ["a", "b"]}


@pytest.fixture
def store(recorder):
    """Presigned answers with ids sp-1, sp-2, ... and a store answering 204."""
    ids = count(1)

    def presign(request):
        return httpx.Response(200, json={
            "storing_process_id": f"sp-{next(ids)}",
            "presigned_url": {"url": UPLOAD_URL, "fields": FIELDS},
            "expiration_time": "2030-01-01T00:00:00Z",
        })

    recorder.answer("GET", "/data/presigned-url", presign)
    recorder.answer("POST", "/upload/tok", status=204)
    return recorder


def local(tmp_path, name, content=b"a,b\n1,2\n", **kwargs):
    path = tmp_path / name
    path.write_bytes(content)
    kwargs.setdefault("file_type", FileType.CSV)
    kwargs.setdefault("is_folder", False)
    return LocalDataSource(file_path=str(path), **kwargs)


def presigned_queries(recorder):
    return [
        r.url.raw_path.decode().split("?", 1)[1]
        for r in recorder.requests
        if r.url.path == "/sdk/v1/data/presigned-url"
    ]


def sha(content=b"a,b\n1,2\n"):
    return hashlib.sha256(content).hexdigest()


def test_historical_tabular_upload(client, store, tmp_path):
    store.answer("POST", "/data/historical", "job-1")
    inputs = TabularData(source=local(tmp_path, "in put.csv"))

    assert client.add_historical_data("t1", inputs) == "job-1"

    presign, upload, final = store.requests
    assert wire(presign)[:2] == (
        "GET",
        "/sdk/v1/data/presigned-url?task_id=t1&data_structure=tabular"
        "&storing_data_type=historical&file_name=in+put.csv&file_type=csv"
        f"&is_folder=False&file_checksum={sha()}&data_category=input",
    )
    assert wire(final) == (
        "POST",
        "/sdk/v1/data/historical",
        b'{"task_id":"t1","inputs":{"data_structure":"tabular",'
        b'"source":{"storing_process_id":"sp-1"}},"target":null}',
    )
    assert upload.url == UPLOAD_URL


def test_upload_is_multipart_without_key_or_timeout(client, store, tmp_path):
    store.answer("POST", "/data/target", "job-1")

    client.add_target_data("t1", TabularData(source=local(tmp_path, "t.csv")))

    upload = store.requests[1]
    assert "x-api-key" not in upload.headers
    assert upload.extensions["timeout"] == {
        "connect": None, "read": None, "write": None, "pool": None
    }
    content_type = upload.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1]
    assert upload.headers["content-length"] == str(len(upload.content))
    fields = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{value}\r\n"
        for name, value in [("key", "uploads/x"), ("policy", "p0"), ("n", "3"),
                            ("many", "a"), ("many", "b")]
    )
    expected = (
        f'{fields}--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="t.csv"\r\n\r\na,b\n1,2\n\r\n--{boundary}--\r\n'
    )
    assert upload.content == expected.encode()


def test_upload_not_answered_204_fails(client, recorder, store, tmp_path):
    recorder.clear("POST", "/upload/tok")
    recorder.answer("POST", "/upload/tok", status=200)

    with pytest.raises(SDKClientException) as raised:
        client.add_target_data("t1", TabularData(source=local(tmp_path, "t.csv")))

    assert raised.value.error_code == "SKD_CLIENT_UPLOAD_DATA_ERROR"
    assert raised.value.error_message == "Error uploading data remotely"


def test_presigned_url_error_raises_the_base_class_with_server_code(
    client, recorder, tmp_path
):
    recorder.answer("GET", "/data/presigned-url",
                    {"error_code": "TASK_NOT_FOUND", "error_message": "No task"},
                    status=400)

    with pytest.raises(SDKClientException) as raised:
        client.add_historical_data("t1", TabularData(source=local(tmp_path, "a.csv")))

    assert type(raised.value) is SDKClientException
    assert raised.value.error_code == "TASK_NOT_FOUND"


def test_production_with_image_text_and_predictions(client, store, tmp_path,
                                                     model_json):
    """The example body of protocol §3.4, with our own storing ids."""
    store.answer("GET", "/models/t1", [model_json])
    store.answer("POST", "/data/production", "job-7")
    zip_source = local(tmp_path, "imgs.zip", b"PK", file_type=FileType.PNG,
                       is_folder=True, folder_type=FolderType.ZIP)
    inputs = ImageData(
        source=zip_source,
        mapping_source=local(tmp_path, "map.csv"),
        embedding_source=local(tmp_path, "emb.npy", NPY,
                               file_type=FileType.NPY),
    )
    target = TextData(source=S3DataSource(
        file_type=FileType.CSV, is_folder=False, object_path="s3://b/k.csv",
        credentials_id="c1", storage_policy=StoragePolicy.CUSTOMER,
    ))
    predictions = [("m1", ImageData(source=zip_source,
                                    mapping_source=local(tmp_path, "pmap.csv")))]

    assert client.add_production_data("t1", inputs, target, predictions) == "job-7"

    common = "task_id=t1&data_structure={}&storing_data_type=production&file_name={}"
    assert presigned_queries(store) == [
        common.format("image", "imgs.zip") + "&file_type=png&is_folder=True"
        f"&folder_type=zip&file_checksum={sha(b'PK')}&data_category=input",
        common.format("tabular", "map.csv") + "&file_type=csv&is_folder=False"
        f"&file_checksum={sha()}&data_category=input_mapping",
        common.format("embedding", "emb.npy") + "&file_type=npy&is_folder=False"
        f"&file_checksum={sha(NPY)}&data_category=input_additional_embedding",
        common.format("image", "imgs.zip") + "&file_type=png&is_folder=True"
        f"&folder_type=zip&file_checksum={sha(b'PK')}&data_category=prediction"
        "&model_id=m1",
        common.format("tabular", "pmap.csv") + "&file_type=csv&is_folder=False"
        f"&file_checksum={sha()}&data_category=prediction_mapping&model_id=m1",
    ]
    assert store.last.content == (
        b'{"task_id":"t1",'
        b'"inputs":{"data_structure":"image","source":{"storing_process_id":"sp-1"},'
        b'"mapping_source":{"storing_process_id":"sp-2"},'
        b'"embedding_source":{"storing_process_id":"sp-3"}},'
        b'"target":{"data_structure":"text","source":{"file_type":"csv",'
        b'"data_source_type":"aws_s3","remote_path":"s3://b/k.csv",'
        b'"is_folder":false,"folder_type":null,"credentials_id":"c1",'
        b'"storage_policy":"customer"},"embedding_source":null},'
        b'"predictions":[["m1",{"data_structure":"image",'
        b'"source":{"storing_process_id":"sp-4"}}]]}'
    )


def test_historical_target_categories_and_text_embedding(client, store, tmp_path):
    store.answer("POST", "/data/historical", "job-1")
    inputs = TextData(source=local(tmp_path, "x.json", file_type=FileType.JSON),
                      embedding_source=local(tmp_path, "e.parquet",
                                             file_type=FileType.PARQUET))
    target = EmbeddingData(source=local(tmp_path, "y.npy", file_type=FileType.NPY))

    client.add_historical_data("t1", inputs, target)

    categories = [q.split("data_category=")[1] for q in presigned_queries(store)]
    structures = [q.split("data_structure=")[1].split("&")[0]
                  for q in presigned_queries(store)]
    assert categories == ["input", "input_additional_embedding", "target"]
    assert structures == ["text", "embedding", "embedding"]
    assert body_json(store.last)["target"] == {
        "data_structure": "embedding", "source": {"storing_process_id": "sp-3"}
    }


@pytest.mark.parametrize("source, kind", [
    (GCSDataSource(file_type=FileType.PARQUET, is_folder=False,
                   object_path="gs://b/k.parquet"), "gcs"),
    (AzureBlobDataSource(file_type=FileType.CSV, is_folder=True,
                         folder_type=FolderType.TAR, object_path="https://a/c/k.tar"),
     "azure_blob_storage"),
])
def test_remote_sources_send_no_upload(client, recorder, source, kind):
    recorder.answer("POST", "/data/target", "job-1")

    client.add_target_data("t1", TabularData(source=source))

    (request,) = recorder.requests
    sent = body_json(request)["data"]["source"]
    assert sent["data_source_type"] == kind
    assert sent["remote_path"] == source.object_path
    assert list(sent) == ["file_type", "data_source_type", "remote_path",
                          "is_folder", "folder_type", "credentials_id",
                          "storage_policy"]


def test_kpi_upload_sends_project_and_kpi_ids(client, store, tmp_path):
    store.answer("POST", "/data/kpi", "job-1")

    client.add_kpi_data("p1", "k1", TabularData(source=local(tmp_path, "kpi.csv")))

    assert presigned_queries(store) == [
        "project_id=p1&data_structure=tabular&storing_data_type=kpi"
        f"&file_name=kpi.csv&file_type=csv&is_folder=False&file_checksum={sha()}"
        "&kpi_id=k1"
    ]
    assert wire(store.last)[1:] == (
        "/sdk/v1/data/kpi",
        b'{"kpi_id":"k1","kpi":{"data_structure":"tabular",'
        b'"source":{"storing_process_id":"sp-1"}}}',
    )


def test_production_checks_model_ids_before_uploading(client, recorder, tmp_path,
                                                      model_json):
    recorder.answer("GET", "/models/t1", [model_json])
    data = TabularData(source=local(tmp_path, "p.csv"))

    with pytest.raises(AddProductionDataException) as raised:
        client.add_production_data("t1", inputs=data, predictions=[("m9", data)])

    assert raised.value.error_code == "ADD_PRODUCTION_DATA_MODEL_ERROR"
    assert raised.value.error_message == "Model m9 not found"
    assert [r.url.path for r in recorder.requests] == ["/sdk/v1/models/t1"]


@pytest.mark.parametrize("call, error, code, message", [
    (lambda c: c.add_production_data("t1"), AddProductionDataException,
     "ADD_PRODUCTION_DATA_NO_DATA_ERROR", "No data provided"),
    (lambda c: c.add_historical_data("t1", None), AddHistoricalDataException,
     "Error in processing task input", "An unexpected error occurred"),
    (lambda c: c.add_target_data("t1", None), AddTargetDataException,
     "Error in processing data object", "An unexpected error occurred"),
    (lambda c: c.add_kpi_data("p1", "k1", None), SDKClientException,
     "Problem encountred in processing KPI data", "An unexpected error occurred"),
])
def test_missing_data_is_refused_without_requests(client, recorder, call, error,
                                                  code, message):
    with pytest.raises(error) as raised:
        call(client)

    assert (raised.value.error_code, raised.value.error_message) == (code, message)
    assert recorder.requests == []


def test_large_upload_shows_progress_only_when_enabled(client, store, tmp_path,
                                                       monkeypatch, capsys):
    store.answer("POST", "/data/target", "job-1")
    big = local(tmp_path, "big.csv", b"x" * (5 * 1024 * 1024))
    monkeypatch.setenv("ML3_PROGRESS", "1")

    client.add_target_data("t1", TabularData(source=big))

    assert "Uploading big.csv" in capsys.readouterr().err
    assert len(store.requests[1].content) > 5 * 1024 * 1024


def test_unknown_source_class_is_refused(client):
    from ml3_platform_sdk.models import RemoteDataSource

    source = RemoteDataSource(file_type=FileType.CSV, is_folder=False)
    with pytest.raises(ValueError, match="RemoteDataSource"):
        client.add_target_data("t1", TabularData(source=source))
