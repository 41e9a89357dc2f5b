"""Another company's ids answer like unknown ids."""

from support import (
    company_body,
    create_project,
    ok,
    platform_env,
    post,
    ready_task,
    run_ml3,
    sdk_client,
    unique,
)


def test_user_created_by_the_cli_sees_nothing_of_another_company(platform, api):
    project_id, task_id, model_id = ready_task(api)

    result = run_ml3(
        "user", "create", "--username", unique("other"),
        env=platform_env(platform.settings),
    )
    assert result.returncode == 0, result.stderr
    other_key = result.stdout.strip().splitlines()[-1]

    with sdk_client(platform, other_key) as other:
        ok(post(other, "/company", company_body()))
        assert ok(other.get("/projects")) == []
        assert ok(other.get("/job")) == []
        for path, code in [
            (f"/project/{project_id}", "PROJECT_NOT_FOUND"),
            (f"/task/{task_id}", "TASK_NOT_FOUND"),
            (f"/tasks/{project_id}", "PROJECT_NOT_FOUND"),
            (f"/model/{model_id}", "MODEL_NOT_FOUND"),
            (f"/data-schema/{task_id}", "TASK_NOT_FOUND"),
        ]:
            response = other.get(path)
            assert response.status_code == 400, path
            assert response.json()["error_code"] == code

        response = post(other, "/task", _task_body(project_id))
        assert response.json()["error_code"] == "PROJECT_NOT_FOUND"


def test_user_without_company_has_no_projects(platform):
    with sdk_client(platform, platform.create_user(unique("user"))) as client:
        assert ok(client.get("/projects")) == []
        response = post(
            client,
            "/project",
            {"name": "p", "description": None, "default_storage_policy": "mlcube"},
        )
        assert response.json()["error_code"] == "COMPANY_NOT_FOUND"


def test_project_names_are_per_company(platform, api):
    project_id = create_project(api)
    name = ok(api.get(f"/project/{project_id}"))["name"]
    with sdk_client(platform, platform.create_user(unique("user"))) as other:
        ok(post(other, "/company", company_body()))
        body = {"name": name, "description": None, "default_storage_policy": "mlcube"}
        assert ok(post(other, "/project", body)) != project_id


def _task_body(project_id: str) -> dict:
    return {
        "project_id": project_id,
        "name": "t",
        "tags": None,
        "task_type": "regression",
        "data_structure": "tabular",
        "cost_info": None,
        "optional_target": False,
        "text_language": None,
        "positive_class": None,
    }
