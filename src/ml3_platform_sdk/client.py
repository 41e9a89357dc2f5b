"""``ML3PlatformClient``: the public surface of the client.

Each method sends the requests that protocol §2 lists for it, through
:class:`~ml3_platform_sdk._transport.ApiConnection`. Every error is an
:class:`~ml3_platform_sdk.exceptions.SDKClientException`; a 400 answer raises
the method's own subclass with the platform's ``error_code`` and
``error_message``.

The HTTP transport is injectable, so tests (and the platform's own test
suite) can run the client in-process::

    client = ML3PlatformClient(url, key, transport=httpx.MockTransport(handler))
"""

from __future__ import annotations

from typing import Annotated, Any, Self
from urllib.parse import quote

import httpx
from pydantic import Discriminator, Tag, TypeAdapter, ValidationError

from ml3_platform_sdk import _tables, bodies
from ml3_platform_sdk._jobs import wait_for_job
from ml3_platform_sdk._transport import ApiConnection, parse, parse_id
from ml3_platform_sdk._upload import (
    INPUT,
    PREDICTION,
    TARGET,
    Uploader,
    UploadScope,
)
from ml3_platform_sdk.enums import (
    ApiKeyExpirationTime,
    DataStructure,
    DetectionEventSeverity,
    DetectionEventType,
    JobStatus,
    ModelMetricName,
    MonitoringMetric,
    MonitoringTarget,
    StoragePolicy,
    StoringDataType,
    SuggestionType,
    TaskType,
    TextLanguage,
    UserCompanyRole,
    UserProjectRole,
)
from ml3_platform_sdk.exceptions import (
    AddDataSchemaException,
    AddHistoricalDataException,
    AddKPIDataException,
    AddProductionDataException,
    AddTargetDataException,
    ComputeRetrainingReportException,
    CreateCompanyException,
    CreateDetectionEventRuleException,
    CreateKPIException,
    CreateModelException,
    CreateProjectException,
    CreateTaskException,
    GetRetrainingReportException,
    InvalidActionList,
    InvalidClientConfigurationException,
    JobNotFoundException,
    SDKClientException,
    SetModelReferenceException,
    SetModelSuggestionTypeException,
    UpdateCompanyException,
    UpdateDetectionEventRuleException,
    UpdateModelVersionException,
    UpdateProjectException,
    UpdateTaskException,
)
from ml3_platform_sdk.models import (
    KPI,
    ApiKey,
    AWSCredentials,
    AzureCredentials,
    AzureSPCredentials,
    Company,
    CompanyUser,
    Data,
    DataInfo,
    DataSchema,
    DetectionEvent,
    DetectionEventAction,
    DetectionEventRule,
    GCPAccountInfo,
    GCPCredentials,
    Job,
    Model,
    Project,
    RetrainAction,
    RetrainingReport,
    RetrainTrigger,
    SecretAWSCredentials,
    SuggestionInfo,
    TabularData,
    Task,
    TaskCostInfoUnion,
)

IntegrationCredentialsUnion = AWSCredentials | GCPCredentials | AzureCredentials


def _credentials_type(value: Any) -> str | None:
    raw = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return getattr(raw, "value", raw)


# Credentials are told apart by their `type` (protocol §2.13).
_AnyCredentials = Annotated[
    Annotated[AWSCredentials, Tag("aws")]
    | Annotated[GCPCredentials, Tag("gcp")]
    | Annotated[AzureCredentials, Tag("azure")],
    Discriminator(_credentials_type),
]

_ACTIONS = TypeAdapter(list[DetectionEventAction])

# Failed rule checks are worded as in the published client (protocol §2.10).
_RULE_CHECK_FAILED = "Failed rule action validation"


class ML3PlatformClient:
    """The single point of interaction with an ML3 Platform.

    Every request is authenticated with ``api_key``; ``transport`` replaces
    httpx's network transport (for tests or an in-process server, see
    :mod:`ml3_platform_sdk.testing`) and ``timeout`` applies to every API
    call, not to file uploads.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | None = 60,
    ) -> None:
        if not url:
            raise InvalidClientConfigurationException(
                "INVALID_CLIENT_CONFIGURATION", "The platform url must not be empty"
            )
        if not api_key:
            raise InvalidClientConfigurationException(
                "INVALID_CLIENT_CONFIGURATION", "The api_key must not be empty"
            )
        self._api = ApiConnection(url, api_key, transport=transport, timeout=timeout)
        self._uploader = Uploader(self._api)

    def close(self) -> None:
        """Close the connection pool."""
        self._api.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Company -------------------------------------------------------------

    def create_company(self, name: str, address: str, vat: str) -> str:
        """Create the caller's company, of which the caller becomes owner."""
        body = bodies.CreateCompany(name=name, address=address, vat=vat)
        response = self._api.call(
            "POST", "/company", body=body, error=CreateCompanyException
        )
        return parse_id(response)

    def get_company(self) -> Company:
        return parse(self._api.call("GET", "/company"), Company)

    def update_company(
        self, name: str | None, address: str | None, vat: str | None
    ) -> None:
        """Update the company; ``None`` leaves a value unchanged."""
        body = bodies.UpdateCompany(name=name, address=address, vat=vat)
        self._api.call("PATCH", "/company", body=body, error=UpdateCompanyException)

    # --- Projects ------------------------------------------------------------

    def create_project(
        self,
        name: str,
        description: str | None,
        default_storage_policy: StoragePolicy,
    ) -> str:
        body = bodies.CreateProject(
            name=name,
            description=description,
            default_storage_policy=default_storage_policy,
        )
        response = self._api.call(
            "POST", "/project", body=body, error=CreateProjectException
        )
        return parse_id(response)

    def get_projects(self) -> list[Project]:
        return parse(self._api.call("GET", "/projects"), list[Project])

    def get_project(self, project_id: str) -> Project:
        return parse(self._api.call("GET", f"/project/{project_id}"), Project)

    def update_project(
        self,
        project_id: str,
        name: str | None,
        description: str | None,
        default_storage_policy: StoragePolicy | None,
    ) -> Project:
        """Update the project (``None`` leaves a value unchanged); return it."""
        body = bodies.UpdateProject(
            project_id=project_id,
            name=name,
            description=description,
            default_storage_policy=default_storage_policy,
        )
        response = self._api.call(
            "PATCH", "/project", body=body, error=UpdateProjectException
        )
        # A server that answers like the published one's sends no project.
        if response.content.strip() in (b"", b"null"):
            return self.get_project(project_id)
        return parse(response, Project)

    def show_projects(self) -> None:
        print(_tables.render(self.get_projects(), _tables.PROJECTS))

    # --- Tasks ---------------------------------------------------------------

    def create_task(
        self,
        project_id: str,
        name: str,
        tags: list[str],
        task_type: TaskType,
        data_structure: DataStructure,
        cost_info: TaskCostInfoUnion | None = None,
        optional_target: bool = False,
        text_language: TextLanguage | None = None,
        positive_class: str | int | bool | None = None,
    ) -> str:
        body = bodies.CreateTask(
            project_id=project_id,
            name=name,
            tags=tags,
            task_type=task_type,
            data_structure=data_structure,
            cost_info=cost_info,
            optional_target=optional_target,
            text_language=text_language,
            positive_class=positive_class,
        )
        response = self._api.call("POST", "/task", body=body, error=CreateTaskException)
        return parse_id(response)

    def update_task(
        self,
        task_id: str,
        name: str | None = None,
        tags: list[str] | None = None,
        cost_info: TaskCostInfoUnion | None = None,
    ) -> None:
        """Update the task; ``None`` leaves a value unchanged, ``tags=[]``
        removes every tag."""
        body = bodies.UpdateTask(
            task_id=task_id, name=name, tags=tags, cost_info=cost_info
        )
        self._api.call("PATCH", "/task", body=body, error=UpdateTaskException)

    def get_tasks(self, project_id: str) -> list[Task]:
        return parse(self._api.call("GET", f"/tasks/{project_id}"), list[Task])

    def get_task(self, task_id: str) -> Task:
        return parse(self._api.call("GET", f"/task/{task_id}"), Task)

    def show_tasks(self, project_id: str) -> None:
        print(_tables.render(self.get_tasks(project_id), _tables.TASKS))

    # --- Models --------------------------------------------------------------

    def create_model(
        self,
        task_id: str,
        name: str,
        version: str,
        metric_name: ModelMetricName,
        preferred_suggestion_type: SuggestionType,
        retraining_cost: float = 0.0,
        resampled_dataset_size: int | None = None,
    ) -> str:
        body = bodies.CreateModel(
            task_id=task_id,
            name=name,
            version=version,
            metric_name=metric_name,
            retraining_cost=retraining_cost,
            preferred_suggestion_type=preferred_suggestion_type,
            resampled_dataset_size=resampled_dataset_size,
        )
        response = self._api.call(
            "POST", "/model", body=body, error=CreateModelException
        )
        return parse_id(response)

    def get_models(self, task_id: str) -> list[Model]:
        """Every version of every model of the task, one entry each."""
        return parse(self._api.call("GET", f"/models/{task_id}"), list[Model])

    def get_model(self, model_id: str) -> Model:
        return parse(self._api.call("GET", f"/model/{model_id}"), Model)

    def get_model_by_name_and_version(
        self, task_id: str, model_name: str, model_version: str
    ) -> Model:
        for model in self.get_models(task_id):
            if model.name == model_name and model.version == model_version:
                return model
        raise SDKClientException(
            "MODEL_NOT_FOUND",
            f"No model found with name: {model_name} and version: {model_version}",
        )

    def show_models(self, task_id: str) -> None:
        print(_tables.render(self.get_models(task_id), _tables.MODELS))

    def get_suggestions_info(
        self, model_id: str, model_version: str
    ) -> list[SuggestionInfo]:
        # A version is a name, not an id: a "?", "#" or "%" in it must not end
        # or garble the path.
        version = quote(model_version, safe="")
        response = self._api.call("GET", f"/suggestions/{model_id}/{version}")
        return parse(response, list[SuggestionInfo])

    def show_suggestions(self, model_id: str, model_version: str) -> None:
        suggestions = self.get_suggestions_info(model_id, model_version)
        print(_tables.render(suggestions, _tables.SUGGESTIONS))

    def set_model_suggestion_type(
        self,
        model_id: str,
        preferred_suggestion_type: SuggestionType,
        resampled_dataset_size: int | None = None,
    ) -> None:
        body = bodies.SetModelSuggestionType(
            model_id=model_id,
            preferred_suggestion_type=preferred_suggestion_type,
            resampled_dataset_size=resampled_dataset_size,
        )
        self._api.call(
            "PUT",
            "/model/suggestion-type",
            body=body,
            error=SetModelSuggestionTypeException,
        )

    def update_model_version_by_suggestion_id(
        self, model_id: str, new_model_version: str, suggestion_id: str
    ) -> str:
        """Register the model retrained on a suggestion; return the job id."""
        body = bodies.UpdateModelVersionBySuggestionId(
            model_id=model_id,
            new_model_version=new_model_version,
            suggestion_id=suggestion_id,
        )
        response = self._api.call(
            "PATCH",
            "/model-version-suggestion-id",
            body=body,
            error=UpdateModelVersionException,
        )
        return parse_id(response)

    def update_model_version_from_time_range(
        self,
        model_id: str,
        new_model_version: str,
        from_timestamp: float,
        to_timestamp: float,
    ) -> str:
        """Register a model retrained on the data of a time range (Unix
        seconds); return the job id."""
        # The published client reads the model first; an unknown model thus
        # fails before the update is sent.
        self.get_model(model_id)
        body = bodies.UpdateModelVersionFromTimeRange(
            model_id=model_id,
            new_model_version=new_model_version,
            from_timestamp=from_timestamp,
            to_timestamp=to_timestamp,
        )
        response = self._api.call(
            "PATCH",
            "/model-version-time-range",
            body=body,
            error=UpdateModelVersionException,
        )
        return parse_id(response)

    # --- Data schema ---------------------------------------------------------

    def add_data_schema(self, task_id: str, data_schema: DataSchema) -> None:
        body = bodies.CreateDataSchema(task_id=task_id, data_schema=data_schema)
        self._api.call("POST", "/data-schema", body=body, error=AddDataSchemaException)

    def get_data_schema(self, task_id: str) -> DataSchema:
        return parse(self._api.call("GET", f"/data-schema/{task_id}"), DataSchema)

    def show_data_schema(self, task_id: str) -> None:
        columns = self.get_data_schema(task_id).columns
        print(_tables.render(columns, _tables.COLUMNS))

    # --- Data ----------------------------------------------------------------

    def add_historical_data(
        self, task_id: str, inputs: Data, target: Data | None = None
    ) -> str:
        """Upload historical data (inputs and optionally target); return the
        id of the job that ingests it."""
        if inputs is None:
            raise AddHistoricalDataException("Error in processing task input")
        scope = UploadScope(StoringDataType.HISTORICAL, task_id=task_id)
        inputs_info = self._uploader.data_info(inputs, scope.with_categories(INPUT))
        target_info = None
        if target is not None:
            target_info = self._uploader.data_info(
                target, scope.with_categories(TARGET)
            )

        body = bodies.AddHistorical(
            task_id=task_id, inputs=inputs_info, target=target_info
        )
        response = self._api.call(
            "POST", "/data/historical", body=body, error=AddHistoricalDataException
        )
        return parse_id(response)

    def add_target_data(self, task_id: str, target: Data) -> str:
        """Upload targets of samples sent earlier; return the job id."""
        if target is None:
            raise AddTargetDataException("Error in processing data object")
        scope = UploadScope(
            StoringDataType.TASK_TARGET, categories=TARGET, task_id=task_id
        )
        info = self._uploader.data_info(target, scope)

        body = bodies.AddTarget(task_id=task_id, data=info)
        response = self._api.call(
            "POST", "/data/target", body=body, error=AddTargetDataException
        )
        return parse_id(response)

    def set_model_reference(
        self, model_id: str, from_timestamp: float, to_timestamp: float
    ) -> str:
        """Use the data of a time range as the model's reference; return the
        job id."""
        body = bodies.SetModelReference(
            model_id=model_id, from_timestamp=from_timestamp, to_timestamp=to_timestamp
        )
        response = self._api.call(
            "POST", "/model/reference", body=body, error=SetModelReferenceException
        )
        return parse_id(response)

    def add_production_data(
        self,
        task_id: str,
        inputs: Data | None = None,
        target: Data | None = None,
        predictions: list[tuple[str, Data]] | None = None,
    ) -> str:
        """Upload a production batch; return the id of the job that monitors
        it. ``predictions`` pairs a model id with that model's predictions."""
        if inputs is None and target is None and predictions is None:
            raise AddProductionDataException(
                "ADD_PRODUCTION_DATA_NO_DATA_ERROR", "No data provided"
            )
        # Checked before any upload, so a wrong id leaves no orphan files.
        if predictions is not None:
            known = {model.model_id for model in self.get_models(task_id)}
            for model_id, _ in predictions:
                if model_id not in known:
                    raise AddProductionDataException(
                        "ADD_PRODUCTION_DATA_MODEL_ERROR", f"Model {model_id} not found"
                    )

        scope = UploadScope(StoringDataType.PRODUCTION, task_id=task_id)
        inputs_info = target_info = predictions_info = None
        if inputs is not None:
            inputs_info = self._uploader.data_info(inputs, scope.with_categories(INPUT))
        if target is not None:
            target_info = self._uploader.data_info(
                target, scope.with_categories(TARGET)
            )
        if predictions is not None:
            predictions_info = []
            for model_id, data in predictions:
                info = self._uploader.data_info(
                    data, scope.with_categories(PREDICTION, model_id)
                )
                # Predictions travel in the base form (protocol §2.6).
                base = DataInfo(data_structure=info.data_structure, source=info.source)
                predictions_info.append((model_id, base))

        body = bodies.AddProduction(
            task_id=task_id,
            inputs=inputs_info,
            target=target_info,
            predictions=predictions_info,
        )
        response = self._api.call(
            "POST", "/data/production", body=body, error=AddProductionDataException
        )
        return parse_id(response)

    # --- KPIs ----------------------------------------------------------------

    def create_kpi(self, project_id: str, name: str) -> str:
        body = bodies.CreateKPI(project_id=project_id, name=name)
        response = self._api.call("POST", "/kpi", body=body, error=CreateKPIException)
        return parse_id(response)

    def get_kpi(self, kpi_id: str) -> KPI:
        return parse(self._api.call("GET", f"/kpi/{kpi_id}"), KPI)

    def get_kpis(self, project_id: str) -> list[KPI]:
        return parse(self._api.call("GET", f"/kpis/{project_id}"), list[KPI])

    def show_kpis(self, project_id: str) -> None:
        kpis = self.get_kpis(project_id)
        print(_tables.render(kpis, _tables.kpis(project_id)))

    def add_kpi_data(self, project_id: str, kpi_id: str, kpi: TabularData) -> str:
        """Upload KPI values (``timestamp``, ``value``); return the job id."""
        if kpi is None:
            raise SDKClientException("Problem encountred in processing KPI data")
        scope = UploadScope(StoringDataType.KPI, project_id=project_id, kpi_id=kpi_id)
        info = self._uploader.data_info(kpi, scope)

        body = bodies.AddKPIData(kpi_id=kpi_id, kpi=info)
        response = self._api.call(
            "POST", "/data/kpi", body=body, error=AddKPIDataException
        )
        return parse_id(response)

    # --- Retraining ----------------------------------------------------------

    def compute_retraining_report(self, model_id: str) -> str:
        """Start computing the model's retraining report; return the job id."""
        response = self._api.call(
            "POST",
            "/retraining-report",
            body=bodies.ModelIdBody(model_id=model_id),
            error=ComputeRetrainingReportException,
        )
        return parse_id(response)

    def get_retraining_report(self, model_id: str) -> RetrainingReport:
        response = self._api.call(
            "GET",
            "/retraining-report",
            params={"model_id": model_id},
            error=GetRetrainingReportException,
        )
        return parse(response, RetrainingReport)

    # --- Jobs ----------------------------------------------------------------

    def get_jobs(
        self,
        project_id: str | None = None,
        task_id: str | None = None,
        model_id: str | None = None,
        status: JobStatus | None = None,
        job_id: str | None = None,
    ) -> list[Job]:
        """The jobs the caller may see; the given filters combine with AND."""
        params = {
            "project_id": project_id,
            "task_id": task_id,
            "model_id": model_id,
            "status": status,
            "job_id": job_id,
        }
        return parse(self._api.call("GET", "/job", params=params), list[Job])

    def get_job(self, job_id: str) -> Job:
        jobs = parse(
            self._api.call("GET", "/job", params={"job_id": job_id}), list[Job]
        )
        if not jobs:
            raise JobNotFoundException(f"No job found with id {job_id}")
        if len(jobs) > 1:
            raise SDKClientException(f"Found more than one job with id {job_id}")
        return jobs[0]

    def show_jobs(self) -> None:
        print(_tables.render(self.get_jobs(), _tables.JOBS))

    def wait_job_completion(self, job_id: str, max_wait_timeout: int = 3000) -> None:
        """Block until the job completes.

        Raises ``JobFailureException`` (with the job's error) if it fails,
        ``JobWaitTimeoutException`` after ``max_wait_timeout`` seconds and
        ``JobNotFoundException`` for an unknown job.
        """
        wait_for_job(self.get_job, job_id, max_wait_timeout)

    # --- Detection events and rules ------------------------------------------

    def get_detection_events(self, task_id: str) -> list[DetectionEvent]:
        response = self._api.call("GET", f"/task/{task_id}/sdk-detection-events")
        return parse(response, list[DetectionEvent])

    def get_detection_event_rules(self, task_id: str) -> list[DetectionEventRule]:
        response = self._api.call(
            "GET", "/task/detection-event/rules", params={"task_id": task_id}
        )
        return parse(response, list[DetectionEventRule])

    def get_detection_event_rule(self, rule_id: str) -> DetectionEventRule:
        response = self._api.call("GET", f"/task/detection-event/rule/{rule_id}")
        return parse(response, DetectionEventRule)

    def create_detection_event_rule(
        self,
        name: str,
        task_id: str,
        severity: DetectionEventSeverity,
        detection_event_type: DetectionEventType,
        monitoring_target: MonitoringTarget,
        actions: list[DetectionEventAction],
        monitoring_metric: MonitoringMetric | None = None,
        model_name: str | None = None,
    ) -> str:
        """Create a rule; a ``RetrainAction`` needs ``model_name``."""
        actions = _checked_actions(
            actions,
            model_name,
            CreateDetectionEventRuleException(
                "CREATE_DETECTION_EVENT_RULE_ERROR", _RULE_CHECK_FAILED
            ),
        )
        body = bodies.CreateDetectionEventRule(
            name=name,
            task_id=task_id,
            model_name=model_name,
            severity=severity,
            detection_event_type=detection_event_type,
            monitoring_target=monitoring_target,
            monitoring_metric=monitoring_metric,
            actions=actions,
        )
        response = self._api.call(
            "POST",
            "/task/detection-event/rule",
            body=body,
            error=CreateDetectionEventRuleException,
        )
        return parse_id(response)

    def update_detection_event_rule(
        self,
        rule_id: str,
        name: str | None = None,
        model_name: str | None = None,
        severity: DetectionEventSeverity | None = None,
        detection_event_type: DetectionEventType | None = None,
        monitoring_target: MonitoringTarget | None = None,
        actions: list[DetectionEventAction] | None = None,
    ) -> None:
        """Update a rule; ``None`` keeps the stored value. Actions that hold
        a ``RetrainAction`` need ``model_name`` in the same call."""
        if actions is not None:
            actions = _checked_actions(
                actions,
                model_name,
                UpdateDetectionEventRuleException(
                    "UPDATE_DETECTION_EVENT_RULE_ERROR", _RULE_CHECK_FAILED
                ),
            )
        body = bodies.UpdateDetectionEventRule(
            rule_id=rule_id,
            name=name,
            model_name=model_name,
            severity=severity,
            detection_event_type=detection_event_type,
            monitoring_target=monitoring_target,
            actions=actions,
        )
        self._api.call(
            "PATCH",
            "/task/detection-event/rule",
            body=body,
            error=UpdateDetectionEventRuleException,
        )

    def delete_detection_event_rule(self, rule_id: str) -> None:
        self._api.call("DELETE", f"/task/detection-event/rule/{rule_id}")

    # --- Company users and project roles -------------------------------------

    def create_company_user(
        self,
        name: str,
        surname: str,
        username: str,
        password: str,
        email: str,
        company_role: UserCompanyRole,
    ) -> str:
        body = bodies.CreateCompanyUser(
            name=name,
            surname=surname,
            username=username,
            password=password,
            email=email,
            company_role=company_role,
        )
        return parse_id(self._api.call("POST", "/company-user", body=body))

    def get_company_users(self) -> list[CompanyUser]:
        return parse(self._api.call("GET", "/company-user"), list[CompanyUser])

    def change_user_company_role(
        self, user_id: str, company_role: UserCompanyRole
    ) -> None:
        body = bodies.ChangeUserCompanyRole(user_id=user_id, company_role=company_role)
        self._api.call("POST", "/change-user-company-role", body=body)

    def show_company_users(self) -> None:
        print(_tables.render(self.get_company_users(), _tables.COMPANY_USERS))

    def get_user_projects(self, user_id: str) -> list[Project]:
        response = self._api.call("GET", f"/user-project/{user_id}")
        return parse(response, list[Project])

    def show_user_projects(self, user_id: str) -> None:
        print(_tables.render(self.get_user_projects(user_id), _tables.PROJECTS))

    def add_user_project_role(
        self, user_id: str, project_id: str, project_role: UserProjectRole
    ) -> None:
        body = bodies.AddUserProjectRole(
            user_id=user_id, project_id=project_id, project_role=project_role
        )
        self._api.call("POST", "/user-project-role", body=body)

    def delete_project_role(self, user_id: str, project_id: str) -> None:
        # The one DELETE with a JSON body (protocol §1.3).
        body = bodies.DeleteUserProjectRole(user_id=user_id, project_id=project_id)
        self._api.call("DELETE", "/user-project-role", body=body)

    def change_company_owner(self, user_id: str) -> None:
        """Hand the company's ownership from the caller to ``user_id``."""
        self._api.call("POST", f"/company-owner/{user_id}")

    def delete_company_user(self, user_id: str) -> None:
        self._api.call("DELETE", f"/company-user/{user_id}")

    # --- API keys ------------------------------------------------------------

    def get_api_keys(self) -> list[ApiKey]:
        return parse(self._api.call("GET", "/api-key"), list[ApiKey])

    def show_api_keys(self) -> None:
        print(_tables.render(self.get_api_keys(), _tables.API_KEYS))

    def create_api_key(self, name: str, expiration_time: ApiKeyExpirationTime) -> str:
        """Create an API key for the caller and return it."""
        body = bodies.CreateApiKey(name=name, expiration_time=expiration_time)
        return parse_id(self._api.call("POST", "/api-key", body=body))

    def delete_api_key(self, api_key: str) -> None:
        self._api.call("DELETE", f"/api-key/{api_key}")

    def get_user_api_keys(self, user_id: str) -> list[ApiKey]:
        response = self._api.call("GET", f"/user-api-key/{user_id}")
        return parse(response, list[ApiKey])

    def show_user_api_keys(self, user_id: str) -> None:
        print(_tables.render(self.get_user_api_keys(user_id), _tables.API_KEYS))

    def create_user_api_key(
        self, user_id: str, name: str, expiration_time: ApiKeyExpirationTime
    ) -> str:
        """Create an API key for ``user_id`` and return it."""
        body = bodies.CreateUserApiKey(
            user_id=user_id, name=name, expiration_time=expiration_time
        )
        return parse_id(self._api.call("POST", "/user-api-key", body=body))

    def delete_user_api_key(self, user_id: str, api_key: str) -> None:
        self._api.call("DELETE", f"/user-api-key/{user_id}/{api_key}")

    # --- Integration credentials ---------------------------------------------

    def get_integration_credentials(
        self, credentials_id: str
    ) -> IntegrationCredentialsUnion:
        """AWS, GCP or Azure credentials, by their ``type``."""
        response = self._api.call("GET", f"/integration/credentials/{credentials_id}")
        return parse(response, _AnyCredentials)

    def get_all_project_integration_credentials(
        self, project_id: str
    ) -> list[IntegrationCredentialsUnion]:
        response = self._api.call(
            "GET", f"/project/{project_id}/integration-credentials"
        )
        return parse(response, list[_AnyCredentials])

    def delete_integration_credentials(self, credentials_id: str) -> None:
        self._api.call("DELETE", f"/integration/credentials/{credentials_id}")

    def set_integration_credentials_as_default(self, credentials_id: str) -> None:
        self._api.call("POST", f"/integration/credentials/{credentials_id}/default")

    def create_aws_integration_credentials(
        self, name: str, default: bool, project_id: str, role_arn: str
    ) -> SecretAWSCredentials:
        """Register an IAM role; the answer's ``external_id`` (and
        ``generate_trust_policy()``) go into the role's trust policy."""
        body = bodies.CreateAWSCredentials(
            name=name, default=default, project_id=project_id, role_arn=role_arn
        )
        response = self._api.call("POST", "/integration/aws/credentials", body=body)
        return parse(response, SecretAWSCredentials)

    def create_gcp_integration_credentials(
        self,
        name: str,
        default: bool,
        project_id: str,
        service_account_info_json: str,
    ) -> GCPCredentials:
        """Register a GCP service account from its JSON key file's text."""
        try:
            account_info = GCPAccountInfo.model_validate_json(service_account_info_json)
        except ValidationError as exc:
            raise SDKClientException("Invalid credentials format") from exc
        body = bodies.CreateGCPCredentials(
            name=name, default=default, project_id=project_id, account_info=account_info
        )
        response = self._api.call("POST", "/integration/gcp/credentials", body=body)
        return parse(response, GCPCredentials)

    def create_azure_integration_credentials(
        self,
        name: str,
        default: bool,
        project_id: str,
        service_principal_credentials_json: str,
    ) -> AzureCredentials:
        """Register an Azure service principal from the JSON the Azure CLI
        prints (``appId``, ``displayName``, ``password``, ``tenant``)."""
        try:
            principal = AzureSPCredentials.model_validate_json(
                service_principal_credentials_json
            )
        except ValidationError as exc:
            raise SDKClientException("Invalid credentials format") from exc
        body = bodies.CreateAzureCredentials(
            name=name,
            default=default,
            project_id=project_id,
            credentials=bodies.AzureCredentialsBody.from_cli(principal),
        )
        response = self._api.call("POST", "/integration/azure/credentials", body=body)
        return parse(response, AzureCredentials)

    # --- Retrain trigger -----------------------------------------------------

    def set_retrain_trigger(
        self, model_id: str, trigger: RetrainTrigger | None
    ) -> None:
        """Set the model's retrain trigger, or remove it with ``None``."""
        path = f"/model/{model_id}/retrain-trigger"
        if trigger is None:
            self._api.call("DELETE", path)
        else:
            self._api.call("POST", path, body=trigger)

    def test_retrain_trigger(self, model_id: str, trigger: RetrainTrigger) -> None:
        body = bodies.TestRetrainTrigger(model_id=model_id, retrain_trigger=trigger)
        self._api.call("POST", "/test-retrain-trigger", body=body)

    def retrain_model(self, model_id: str) -> str:
        """Fire the model's retrain trigger; return the job id."""
        body = bodies.ModelIdBody(model_id=model_id)
        return parse_id(self._api.call("POST", "/retrain-model", body=body))


def _checked_actions(
    actions: list[DetectionEventAction],
    model_name: str | None,
    failure: SDKClientException,
) -> list[DetectionEventAction]:
    """The action list with its ``RetrainAction`` bound to ``model_name``.

    A rule may retrain at most one model, the rule's own (protocol §2.10).
    The caller's objects are left unchanged.
    """
    actions = _ACTIONS.validate_python(actions)
    retrains = [action for action in actions if isinstance(action, RetrainAction)]
    try:
        if len(retrains) > 1:
            raise InvalidActionList(
                "INVALID_ACTION_LIST", "A rule can hold at most one RetrainAction"
            )
        if retrains and model_name is None:
            raise InvalidActionList(
                "INVALID_ACTION_LIST", "A RetrainAction needs the rule's model_name"
            )
        if retrains and retrains[0].model_name not in (None, model_name):
            raise InvalidActionList(
                "INVALID_ACTION_LIST",
                f"The RetrainAction names model {retrains[0].model_name!r}, "
                f"the rule {model_name!r}",
            )
    except InvalidActionList as exc:
        raise failure from exc
    return [
        action.model_copy(update={"model_name": model_name})
        if isinstance(action, RetrainAction)
        else action
        for action in actions
    ]
