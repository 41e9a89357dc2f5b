"""The quirks of protocol §1–§3 that the published client relies on.

Each is driven over a socket with raw HTTP shaped as that client shapes it
(JSON text with no Content-Type), so the server is checked, not our client.
Those tested elsewhere: bodies without a Content-Type
(``test_transport.py``), 204 on the upload URL (``test_uploads.py``).
"""

import json

from ml3_platform.api import create_app
from ml3_platform.auth.permissions import API_PREFIX
from support import (
    column,
    create_model,
    create_project,
    create_task,
    ok,
    post,
    ready_task,
    unique,
)


def add_user(api) -> str:
    return ok(post(api, "/company-user", _user_body()))


def test_delete_user_project_role_reads_its_json_body(api):
    project_id, other_id = create_project(api), create_project(api)
    user_id = add_user(api)
    for project in (project_id, other_id):
        role = {"user_id": user_id, "project_id": project}
        ok(post(api, "/user-project-role", {**role, "project_role": "PROJECT_VIEW"}))

    body = json.dumps({"user_id": user_id, "project_id": project_id})
    response = api.request("DELETE", "/user-project-role", content=body)

    assert (response.status_code, response.content) == (200, b"null")
    # Only the project the body named lost its role.
    remaining = ok(api.get(f"/user-project/{user_id}"))
    assert [p["project_id"] for p in remaining] == [other_id]
    again = api.request("DELETE", "/user-project-role", content=body)
    assert again.json()["error_code"] == "PROJECT_ROLE_NOT_FOUND"


def test_created_ids_are_bare_json_strings(api):
    project_id, task_id, model_id = ready_task(api)
    answers = {
        "project": post(api, "/project", _project_body()),
        "task": post(api, "/task", _task_body(project_id)),
        "kpi": post(api, "/kpi", {"project_id": project_id, "name": unique("k")}),
        "user": post(api, "/company-user", _user_body()),
        "api key": post(api, "/api-key", {"name": "k", "expiration_time": "never"}),
    }
    for what, response in answers.items():
        assert response.status_code == 200, what
        assert response.headers["content-type"].startswith("application/json"), what
        # A JSON string and nothing else: no object around it, no whitespace.
        text = response.content.decode()
        assert text.startswith('"') and text.endswith('"'), (what, text)
        assert isinstance(json.loads(text), str), what
    assert all(isinstance(x, str) for x in (project_id, task_id, model_id))


# Outside /sdk/v1: the upload target (protocol §3.3), and the operators'
# endpoints, which no client calls.
OUTSIDE = {"/upload/{token}": {"204"}, "/metrics": {"200"}, "/health": {"200"}}


def test_every_api_route_succeeds_with_200_only(platform):
    openapi = create_app(platform.settings).openapi()["paths"]
    wrong = {}
    for path, operations in openapi.items():
        for method, operation in operations.items():
            successes = {code for code in operation["responses"] if code[0] == "2"}
            wanted = {"200"} if path.startswith(API_PREFIX) else OUTSIDE.get(path)
            if successes != wanted:
                wrong[f"{method.upper()} {path}"] = successes
    assert wrong == {}
    outside = {path for path in openapi if not path.startswith(API_PREFIX)}
    assert outside == set(OUTSIDE)


def test_image_predictions_travel_without_mapping_source(api):
    project_id = create_project(api)
    task_id = create_task(api, project_id, data_structure="image")
    columns = [
        column("sample_id", "id", "string"),
        column("timestamp", "time_id", "float"),
        column("image", "input", "array_3", dims=[8, 8, 3]),
        column("y", "target", "float"),
    ]
    schema = {"task_id": task_id, "data_schema": {"columns": columns}}
    ok(post(api, "/data-schema", schema))
    model_id = create_model(api, task_id)
    missing = {"storing_process_id": "f" * 32}

    # As the published client sends image predictions: the base DataInfo.
    body = {
        "task_id": task_id,
        "inputs": None,
        "target": None,
        "predictions": [[model_id, {"data_structure": "image", "source": missing}]],
    }
    accepted = post(api, "/data/production", body)
    # Image inputs, by contrast, need their mapping.
    body["inputs"], body["predictions"] = {
        "data_structure": "image",
        "source": missing,
        "embedding_source": None,
    }, None
    refused = post(api, "/data/production", body)

    # The shape passed: what fails is only the (made up) upload id.
    assert accepted.json()["error_code"] == "STORING_PROCESS_NOT_FOUND"
    assert refused.json()["error_code"] == "INVALID_REQUEST"
    assert "mapping_source" in refused.json()["error_message"]


def _project_body() -> dict:
    return {
        "name": unique("project"),
        "description": None,
        "default_storage_policy": "mlcube",
    }


def _task_body(project_id: str) -> dict:
    return {
        "project_id": project_id,
        "name": unique("task"),
        "tags": None,
        "task_type": "regression",
        "data_structure": "tabular",
        "cost_info": None,
        "optional_target": False,
        "text_language": None,
        "positive_class": None,
    }


def _user_body() -> dict:
    return {
        "name": "Ada",
        "surname": "Lovelace",
        "username": unique("user"),
        "password": "a long password",
        "email": "ada@example.com",
        "company_role": "COMPANY_USER",
    }
