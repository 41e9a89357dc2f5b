"""Presigned uploads: announce, POST the file, 204 (protocol §3.2–3.3)."""

import httpx

from scaleout_support import skip_when_distributed
from support import CSV, create_project, create_task, ok, presign, upload

# Scale-out: with S3, clients upload to the bucket, not to our upload route;
# tests/scaleout/test_direct_upload.py covers that path.
OWN_ROUTE = "the file goes to our own upload route and data folder"

def test_upload_is_stored_and_answers_204(platform, api):
    skip_when_distributed(OWN_ROUTE)
    task_id = create_task(api, create_project(api))
    presigned = presign(api, task_id, CSV)

    assert presigned["presigned_url"]["url"].startswith(f"{platform.url}/upload/")
    assert presigned["presigned_url"]["fields"] == {}
    assert "X-Api-Key" not in presigned["presigned_url"]["url"]
    response = upload(presigned, CSV)
    assert response.status_code == 204
    assert list((platform.settings.home / "data" / "uploads").rglob("data.csv"))


def test_checksum_mismatch_is_refused_and_nothing_is_kept(platform, api):
    skip_when_distributed(OWN_ROUTE)
    task_id = create_task(api, create_project(api))
    presigned = presign(api, task_id, CSV)

    response = upload(presigned, CSV + b"b,2.0,0.1,0.2\n")
    assert response.status_code == 400
    assert response.json()["error_code"] == "UPLOAD_CHECKSUM_MISMATCH"
    folder = platform.settings.home / "data" / "uploads" / presigned[
        "storing_process_id"
    ]
    assert not folder.exists() or not any(folder.iterdir())


def test_unknown_token_is_refused(platform):
    response = httpx.post(
        f"{platform.url}/upload/nope", files={"file": ("f.csv", CSV)}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "UPLOAD_URL_INVALID"


def test_bad_checksum_or_category_is_refused(api):
    task_id = create_task(api, create_project(api))
    response = api.get(
        "/data/presigned-url",
        params={
            "task_id": task_id,
            "data_structure": "tabular",
            "storing_data_type": "historical",
            "file_name": "f.csv",
            "file_type": "csv",
            "is_folder": "True",
            "file_checksum": "abc",
            "data_category": "input",
        },
    )
    assert response.json()["error_code"] == "INVALID_CHECKSUM"
