"""The set-up calls of the client against the real server, end to end."""

import pytest
from sqlalchemy import select

from e2e_support import (
    HISTORY_START,
    MODEL_NAME,
    MODEL_VERSION,
    PREDICTION,
    ready_task,
    regression_schema,
    samples,
    tabular,
)
from ml3_platform.db.tables import Task as TaskRow
from ml3_platform_sdk.enums import (
    ColumnRole,
    Currency,
    DataStructure,
    DataType,
    JobStatus,
    ModelMetricName,
    ModelStatus,
    StoragePolicy,
    SuggestionType,
    TaskStatus,
    TaskType,
)
from ml3_platform_sdk.exceptions import (
    AddDataSchemaException,
    CreateKPIException,
    CreateModelException,
    CreateProjectException,
    CreateTaskException,
    UpdateModelVersionException,
    UpdateTaskException,
)
from ml3_platform_sdk.models import (
    BinaryClassificationTaskCostInfo,
    ColumnInfo,
    DataSchema,
    RegressionTaskCostInfo,
)
from support import database_session, unique


def printed(capsys) -> tuple[list[str], list[str]]:
    """The header line's words and the rows of what a ``show_*`` printed."""
    out, err = capsys.readouterr()
    assert err == ""
    header, _rule, *rows = out.splitlines()
    return header.split(), rows


def stored_tags(platform, task_id: str) -> list[str]:
    # Tags are not part of the client's Task (protocol §4.1).
    with database_session(platform.settings) as session:
        return session.scalar(select(TaskRow.tags).where(TaskRow.id == task_id))


def test_company_round_trip(newcomer):
    company_id = newcomer.create_company(name="Acme", address="Main St 1", vat="IT1")

    company = newcomer.get_company()
    assert (company.company_id, company.name) == (company_id, "Acme")
    assert (company.address, company.vat) == ("Main St 1", "IT1")

    newcomer.update_company(name="Acme Srl", address=None, vat=None)
    company = newcomer.get_company()
    assert (company.name, company.address, company.vat) == (
        "Acme Srl", "Main St 1", "IT1"
    )  # fmt: skip


def test_project_round_trip(client, capsys):
    name = unique("project")
    project_id = client.create_project(name, "churn", StoragePolicy.MLCUBE)

    assert client.get_project(project_id).name == name
    assert [p.project_id for p in client.get_projects()] == [project_id]

    updated = client.update_project(project_id, "renamed", None, None)
    assert (updated.project_id, updated.name) == (project_id, "renamed")
    assert client.get_project(project_id).name == "renamed"

    client.show_projects()
    header, rows = printed(capsys)
    assert header == ["Project", "ID", "Name"]
    assert rows[0].split() == [project_id, "renamed"]


def test_task_round_trip(client, platform, capsys):
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    costs = BinaryClassificationTaskCostInfo(
        currency=Currency.EURO, false_positive_cost=1.0, false_negative_cost=2.5
    )
    task_id = client.create_task(
        project_id,
        "churn",
        tags=["a", "b"],
        task_type=TaskType.CLASSIFICATION_BINARY,
        data_structure=DataStructure.TABULAR,
        cost_info=costs,
        optional_target=True,
        positive_class="yes",
    )

    task = client.get_task(task_id)
    assert (task.name, task.type) == ("churn", TaskType.CLASSIFICATION_BINARY)
    assert task.cost_info == costs
    assert task.positive_class == "yes"
    assert task.optional_target is True
    assert (task.input_status, task.concept_status) == (TaskStatus.OK, TaskStatus.OK)
    assert task.monitoring_targets == []
    assert stored_tags(platform, task_id) == ["a", "b"]

    cheaper = costs.model_copy(update={"false_negative_cost": 0.5})
    client.update_task(task_id, name="churn-2", tags=[], cost_info=cheaper)
    task = client.get_task(task_id)
    assert (task.name, task.cost_info) == ("churn-2", cheaper)
    assert stored_tags(platform, task_id) == []
    client.update_task(task_id, tags=["c"])
    assert stored_tags(platform, task_id) == ["c"]
    assert client.get_task(task_id).name == "churn-2"


def test_tasks_listed_and_shown(client, capsys):
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    costs = RegressionTaskCostInfo(
        currency=Currency.DOLLAR, overestimation_cost=1.0, underestimation_cost=3.0
    )
    first = client.create_task(
        project_id, "first", [], TaskType.REGRESSION, DataStructure.TABULAR, costs
    )
    second = client.create_task(
        project_id, "second", ["x"], TaskType.REGRESSION, DataStructure.TABULAR
    )

    tasks = client.get_tasks(project_id)
    assert [(t.task_id, t.name) for t in tasks] == [(first, "first"), (second, "second")]
    assert [t.cost_info for t in tasks] == [costs, None]

    client.show_tasks(project_id)
    header, rows = printed(capsys)
    assert header[:4] == ["Task", "ID", "Name", "Type"]
    assert rows[0].split()[:4] == [first, "first", "regression", "ok"]


def test_data_schema_round_trip_and_prediction_column(client, capsys):
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    task_id = client.create_task(
        project_id, "t", [], TaskType.REGRESSION, DataStructure.TABULAR
    )
    schema = regression_schema()

    client.add_data_schema(task_id, schema)
    assert client.get_data_schema(task_id) == schema

    model_id = client.create_model(
        task_id, MODEL_NAME, MODEL_VERSION, ModelMetricName.RMSE,
        SuggestionType.SAMPLE_WEIGHTS,
    )  # fmt: skip
    columns = client.get_data_schema(task_id).columns
    assert columns[:-1] == schema.columns
    assert columns[-1] == ColumnInfo(
        name=PREDICTION,
        role=ColumnRole.PREDICTION,
        is_nullable=False,
        data_type=DataType.FLOAT,
        predicted_target="y",
        model_id=model_id,
    )

    client.show_data_schema(task_id)
    header, rows = printed(capsys)
    assert header[:4] == ["Column", "name", "Role", "Type"]
    assert rows[0].split() == ["sample_id", "id", "string", "False"]
    assert rows[-1].split() == [PREDICTION, "prediction", "float", "False", "y",
                                model_id]  # fmt: skip


def test_model_round_trip(client, capsys):
    _, task_id, model_id = ready_task(client)

    model = client.get_model(model_id)
    assert (model.model_id, model.task_id) == (model_id, task_id)
    assert (model.name, model.version) == (MODEL_NAME, MODEL_VERSION)
    assert model.metric_name == ModelMetricName.RMSE
    assert model.status == ModelStatus.NOT_INITIALIZED
    assert model.prediction_status == "not_initialized"
    assert client.get_models(task_id) == [model]
    found = client.get_model_by_name_and_version(task_id, MODEL_NAME, MODEL_VERSION)
    assert found == model

    client.show_models(task_id)
    header, rows = printed(capsys)
    assert header[:4] == ["Model", "Id", "Task", "Id"]
    assert rows[0].split()[:5] == [model_id, task_id, MODEL_NAME, MODEL_VERSION,
                                   "not_initialized"]  # fmt: skip


def test_a_name_too_long_is_refused_on_every_backend(client):
    """Not an internal error on PostgreSQL, not stored whole on SQLite."""
    with pytest.raises(CreateProjectException) as refused:
        client.create_project("p" * 301, None, StoragePolicy.MLCUBE)

    assert refused.value.error_code == "VALUE_TOO_LONG"
    assert refused.value.error_message == (
        "the name of the project is 301 characters long; at most 300 fit"
    )
    assert client.get_projects() == []


def test_a_model_whose_version_is_too_long_leaves_no_model(client):
    _, task_id, _ = ready_task(client)

    with pytest.raises(CreateModelException) as refused:
        client.create_model(
            task_id, "m2", "v" * 201, ModelMetricName.RMSE,
            SuggestionType.SAMPLE_WEIGHTS,
        )  # fmt: skip

    assert refused.value.error_code == "VALUE_TOO_LONG"
    assert "the version of the model version is 201 characters" in (
        refused.value.error_message
    )
    assert [model.name for model in client.get_models(task_id)] == [MODEL_NAME]
    assert "m2@" not in str(client.get_data_schema(task_id))


BLANK_NAMES = {
    "project": lambda c, p, t: c.create_project(" ", None, StoragePolicy.MLCUBE),
    "task": lambda c, p, t: c.create_task(
        p, "", [], TaskType.REGRESSION, DataStructure.TABULAR
    ),
    "renamed task": lambda c, p, t: c.update_task(t, name="\t"),
    "model": lambda c, p, t: c.create_model(
        t, "", "v1", ModelMetricName.RMSE, SuggestionType.SAMPLE_WEIGHTS
    ),
    "model version": lambda c, p, t: c.create_model(
        t, "m2", " ", ModelMetricName.RMSE, SuggestionType.SAMPLE_WEIGHTS
    ),
    "kpi": lambda c, p, t: c.create_kpi(p, ""),
}
BLANK_REFUSALS = {
    "project": (CreateProjectException, "PROJECT_NAME_INVALID", "a project"),
    "task": (CreateTaskException, "TASK_NAME_INVALID", "a task"),
    "renamed task": (UpdateTaskException, "TASK_NAME_INVALID", "a task"),
    "model": (CreateModelException, "MODEL_NAME_INVALID", "a model"),
    "model version": (CreateModelException, "MODEL_VERSION_INVALID", "a model"),
    "kpi": (CreateKPIException, "KPI_NAME_INVALID", "a KPI"),
}


@pytest.mark.parametrize("entity", list(BLANK_NAMES))
def test_a_blank_name_is_refused_and_nothing_made(client, entity):
    project_id, task_id, _ = ready_task(client)
    exception, code, subject = BLANK_REFUSALS[entity]

    with pytest.raises(exception) as refused:
        BLANK_NAMES[entity](client, project_id, task_id)

    assert refused.value.error_code == code
    assert refused.value.error_message.startswith(f"{subject} needs a non-empty")
    assert len(client.get_projects()) == 1
    assert [task.task_id for task in client.get_tasks(project_id)] == [task_id]
    assert client.get_task(task_id).name.startswith("task-")
    assert [model.name for model in client.get_models(task_id)] == [MODEL_NAME]
    assert client.get_kpis(project_id) == []


def binary_schema(input_name: str = "x", values=("yes", "no")) -> DataSchema:
    def column(name, role, data_type, **fields):
        return ColumnInfo(
            name=name, role=role, is_nullable=False, data_type=data_type, **fields
        )

    return DataSchema(
        columns=[
            column("id", ColumnRole.ID, DataType.STRING),
            column("ts", ColumnRole.TIME_ID, DataType.FLOAT),
            column(input_name, ColumnRole.INPUT, DataType.FLOAT),
            column(
                "y", ColumnRole.TARGET, DataType.CATEGORICAL,
                possible_values=list(values),
            ),  # fmt: skip
        ]
    )


def binary_task(client) -> str:
    project_id = client.create_project(unique("project"), None, StoragePolicy.MLCUBE)
    return client.create_task(
        project_id, "churn", [], TaskType.CLASSIFICATION_BINARY,
        DataStructure.TABULAR, positive_class="yes",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("schema", "rule"),
    [
        (binary_schema(values=("yes", "yes")), "'yes' repeats"),
        (binary_schema(values=(True, "true")), "'true' repeats"),
        (binary_schema(input_name=" "), "every column needs a non-empty name"),
        (binary_schema(input_name="x" * 301), "name of 301 characters; at most 300"),
        (
            binary_schema(values=("stay", "leave")),
            "the task's positive_class 'yes' is not one of the target's",
        ),
    ],
)
def test_a_schema_the_data_could_never_match_is_refused(client, schema, rule):
    task_id = binary_task(client)

    with pytest.raises(AddDataSchemaException) as refused:
        client.add_data_schema(task_id, schema)

    assert refused.value.error_code == "DATA_SCHEMA_INVALID"
    assert rule in refused.value.error_message
    client.add_data_schema(task_id, binary_schema())


def test_a_model_whose_prediction_column_is_an_input_is_refused(client):
    task_id = binary_task(client)
    client.add_data_schema(task_id, binary_schema(input_name="x@v1"))

    with pytest.raises(CreateModelException) as refused:
        client.create_model(
            task_id, "x", "v1", ModelMetricName.ACCURACY,
            SuggestionType.SAMPLE_WEIGHTS,
        )  # fmt: skip

    assert refused.value.error_code == "PREDICTION_COLUMN_TAKEN"
    assert "'x@v1'" in refused.value.error_message
    assert client.get_models(task_id) == []
    columns = [column.name for column in client.get_data_schema(task_id).columns]
    assert columns == ["id", "ts", "x@v1", "y"]


def test_a_new_version_whose_prediction_column_is_an_input_is_refused(client):
    task_id = binary_task(client)
    client.add_data_schema(task_id, binary_schema(input_name="x@v1"))
    model_id = client.create_model(
        task_id, "x", "v0", ModelMetricName.ACCURACY, SuggestionType.SAMPLE_WEIGHTS
    )

    with pytest.raises(UpdateModelVersionException) as refused:
        client.update_model_version_from_time_range(model_id, "v1", 0.0, 1e10)

    assert refused.value.error_code == "PREDICTION_COLUMN_TAKEN"
    assert client.get_model(model_id).version == "v0"
    assert client.get_jobs(task_id=task_id) == []


def test_a_retraining_cost_below_zero_is_refused(client):
    _, task_id, _ = ready_task(client)
    cost = -5.0

    with pytest.raises(CreateModelException) as refused:
        client.create_model(
            task_id, "m2", "v1", ModelMetricName.RMSE,
            SuggestionType.SAMPLE_WEIGHTS, retraining_cost=cost,
        )  # fmt: skip

    assert refused.value.error_code == "RETRAINING_COST_INVALID"
    assert str(cost) in refused.value.error_message
    assert [model.name for model in client.get_models(task_id)] == [MODEL_NAME]


def test_jobs_listed_filtered_and_shown(client, tmp_path, capsys):
    project_id, task_id, model_id = ready_task(client)
    history = samples("h", 300, HISTORY_START)
    historical = client.add_historical_data(
        task_id, tabular(history["inputs"], tmp_path), tabular(history["target"], tmp_path)
    )
    client.wait_job_completion(historical)
    reference = client.set_model_reference(model_id, HISTORY_START, HISTORY_START + 1e6)
    client.wait_job_completion(reference)

    def ids(jobs):
        return [job.job_id for job in jobs]

    assert ids(client.get_jobs()) == [historical, reference]
    assert ids(client.get_jobs(project_id=project_id)) == [historical, reference]
    assert ids(client.get_jobs(task_id=task_id)) == [historical, reference]
    assert ids(client.get_jobs(model_id=model_id)) == [reference]
    assert ids(client.get_jobs(job_id=historical)) == [historical]
    assert ids(client.get_jobs(status=JobStatus.COMPLETED)) == [historical, reference]
    assert client.get_jobs(status=JobStatus.ERROR) == []
    assert client.get_jobs(project_id=project_id, model_id="unknown") == []

    job = client.get_job(reference)
    assert (job.job_group, job.status, job.error) == ("reference", "completed", None)
    assert (job.project_id, job.task_id, job.model_id) == (
        project_id, task_id, model_id
    )  # fmt: skip
    assert job.model_name == MODEL_NAME
    assert client.get_detection_events(task_id) == []

    client.show_jobs()
    header, rows = printed(capsys)
    assert header[:4] == ["Job", "Id", "Job", "Type"]
    assert [row.split()[:2] for row in rows] == [
        [historical, "historical"], [reference, "reference"]
    ]  # fmt: skip
