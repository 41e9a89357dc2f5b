"""Task → data schema → model → data, each step checked (behaviour §1–§2)."""

import json

from support import (
    CSV,
    REGRESSION_COLUMNS,
    add_schema,
    column,
    create_model,
    create_project,
    create_task,
    ok,
    post,
    presign,
    ready_task,
    upload,
)


def historical_body(task_id: str, storing_process_id: str) -> dict:
    source = {"storing_process_id": storing_process_id}
    return {
        "task_id": task_id,
        "inputs": {"data_structure": "tabular", "source": source},
        "target": None,
    }


def test_task_round_trip(api):
    project_id = create_project(api)
    task_id = create_task(api, project_id, tags=["a"])
    task = ok(api.get(f"/task/{task_id}"))
    assert task["type"] == "regression"
    assert task["input_status"] == "ok"
    assert task["monitoring_targets"] == []
    assert [t["task_id"] for t in ok(api.get(f"/tasks/{project_id}"))] == [task_id]

    update = {"task_id": task_id, "name": "renamed", "tags": [], "cost_info": None}
    assert api.patch("/task", content=json.dumps(update)).content == b"null"
    assert ok(api.get(f"/task/{task_id}"))["name"] == "renamed"


def test_cost_info_must_match_the_task_type(api):
    project_id = create_project(api)
    binary_costs = {
        "currency": "euro",
        "false_positive_cost": 1.0,
        "false_negative_cost": 2.0,
    }
    response = post(
        api,
        "/task",
        {
            "project_id": project_id,
            "name": "t",
            "tags": None,
            "task_type": "regression",
            "data_structure": "tabular",
            "cost_info": binary_costs,
            "optional_target": False,
            "text_language": None,
            "positive_class": None,
        },
    )
    assert response.json()["error_code"] == "TASK_COST_INFO_INVALID"


def test_schema_rules_are_named(api):
    task_id = create_task(api, create_project(api))
    no_id = [c for c in REGRESSION_COLUMNS if c["role"] != "id"]
    response = add_schema(api, task_id, no_id)
    assert response.status_code == 400
    assert response.json()["error_code"] == "DATA_SCHEMA_INVALID"
    assert "id column" in response.json()["error_message"]

    string_target = [*REGRESSION_COLUMNS[:3], column("y", "target", "string")]
    response = add_schema(api, task_id, string_target)
    assert "float" in response.json()["error_message"]


def test_schema_is_fixed_and_models_add_prediction_columns(api):
    task_id = create_task(api, create_project(api))
    ok(add_schema(api, task_id))
    assert add_schema(api, task_id).json()["error_code"] == (
        "DATA_SCHEMA_ALREADY_EXISTS"
    )

    model_id = create_model(api, task_id, name="reg", version="v1")
    columns = ok(api.get(f"/data-schema/{task_id}"))["columns"]
    prediction = columns[-1]
    assert prediction["name"] == "reg@v1"
    assert prediction["role"] == "prediction"
    assert prediction["data_type"] == "float"
    assert prediction["model_id"] == model_id


def test_model_needs_schema_and_valid_metric(api):
    task_id = create_task(api, create_project(api))
    body = {
        "task_id": task_id,
        "name": "m",
        "version": "v1",
        "metric_name": "rmse",
        "retraining_cost": 0.0,
        "preferred_suggestion_type": "sample_weights",
        "resampled_dataset_size": None,
    }
    assert post(api, "/model", body).json()["error_code"] == "DATA_SCHEMA_NOT_FOUND"
    ok(add_schema(api, task_id))
    response = post(api, "/model", {**body, "metric_name": "accuracy"})
    assert response.json()["error_code"] == "MODEL_METRIC_INVALID"
    resampled = {**body, "preferred_suggestion_type": "resampled_dataset"}
    response = post(api, "/model", resampled)
    assert response.json()["error_code"] == "RESAMPLED_DATASET_SIZE_INVALID"


def test_models_list_one_entry_per_version(api):
    _, task_id, model_id = ready_task(api)
    model = ok(api.get(f"/model/{model_id}"))
    assert model["status"] == "not_initialized"
    assert model["status_insert_datetime"].endswith(("Z", "+00:00"))
    versions = ok(api.get(f"/models/{task_id}"))
    assert [(m["model_id"], m["version"]) for m in versions] == [(model_id, "v1")]


def test_data_calls_name_the_missing_step(api):
    task_id = create_task(api, create_project(api))
    presigned = presign(api, task_id, CSV)
    body = historical_body(task_id, presigned["storing_process_id"])

    response = post(api, "/data/historical", body)
    assert response.json()["error_code"] == "DATA_SCHEMA_NOT_FOUND"
    ok(add_schema(api, task_id))
    # Historical data need no model; predictions do.
    response = post(api, "/data/historical", body)
    assert response.json()["error_code"] == "UPLOAD_NOT_RECEIVED"
    predictions = {
        "task_id": task_id,
        "inputs": None,
        "target": None,
        "predictions": [["m1", body["inputs"]]],
    }
    response = post(api, "/data/production", predictions)
    assert response.json()["error_code"] == "MODEL_MISSING"

    assert upload(presigned, CSV).status_code == 204
    job_id = ok(post(api, "/data/historical", body))
    [job] = ok(api.get("/job", params={"job_id": job_id}))
    assert job["job_group"] == "historical"
    assert job["task_id"] == task_id


def test_uploads_of_another_task_are_not_found(api):
    project_id, task_id, _ = ready_task(api)
    other_task = create_task(api, project_id)
    presigned = presign(api, other_task, CSV)
    upload(presigned, CSV)
    body = historical_body(task_id, presigned["storing_process_id"])
    response = post(api, "/data/historical", body)
    assert response.json()["error_code"] == "STORING_PROCESS_NOT_FOUND"


def test_reference_queues_a_job_for_the_current_version(api):
    _, _, model_id = ready_task(api)
    body = {"model_id": model_id, "from_timestamp": 0.0, "to_timestamp": 10.0}
    job_id = ok(post(api, "/model/reference", body))
    [job] = ok(api.get("/job", params={"job_id": job_id}))
    assert (job["job_group"], job["model_id"]) == ("reference", model_id)

    backwards = {**body, "from_timestamp": 20.0}
    response = post(api, "/model/reference", backwards)
    assert response.json()["error_code"] == "TIME_RANGE_INVALID"


def test_detection_events_start_empty(api):
    _, task_id, _ = ready_task(api)
    assert ok(api.get(f"/task/{task_id}/sdk-detection-events")) == []
