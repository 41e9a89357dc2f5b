"""Request bodies, one class per call, in the wire's key order (protocol §2).

The client serialises these with every key present (``null`` for unset
optionals); the platform parses its request bodies with the same classes.
"""

from pydantic import BaseModel

from ml3_platform_sdk.enums import (
    ApiKeyExpirationTime,
    DataStructure,
    DetectionEventSeverity,
    DetectionEventType,
    ModelMetricName,
    MonitoringMetric,
    MonitoringTarget,
    StoragePolicy,
    SuggestionType,
    TaskType,
    TextLanguage,
    UserCompanyRole,
    UserProjectRole,
)
from ml3_platform_sdk.models import (
    AnyDataInfo,
    AzureSPCredentials,
    DataInfo,
    DataSchema,
    DetectionEventAction,
    GCPAccountInfo,
    RetrainTrigger,
    TaskCostInfoUnion,
)


class CreateCompany(BaseModel):
    name: str
    address: str
    vat: str


class UpdateCompany(BaseModel):
    name: str | None = None
    address: str | None = None
    vat: str | None = None


class CreateProject(BaseModel):
    name: str
    description: str | None = None
    default_storage_policy: StoragePolicy


class UpdateProject(BaseModel):
    project_id: str
    name: str | None = None
    description: str | None = None
    default_storage_policy: StoragePolicy | None = None


class CreateTask(BaseModel):
    project_id: str
    name: str
    tags: list[str] | None = None
    task_type: TaskType
    data_structure: DataStructure
    cost_info: TaskCostInfoUnion | None = None
    optional_target: bool = False
    text_language: TextLanguage | None = None
    positive_class: str | int | bool | None = None


class UpdateTask(BaseModel):
    task_id: str
    name: str | None = None
    tags: list[str] | None = None
    cost_info: TaskCostInfoUnion | None = None


class CreateModel(BaseModel):
    task_id: str
    name: str
    version: str
    metric_name: ModelMetricName
    retraining_cost: float = 0.0
    preferred_suggestion_type: SuggestionType
    resampled_dataset_size: int | None = None


class SetModelSuggestionType(BaseModel):
    model_id: str
    preferred_suggestion_type: SuggestionType
    resampled_dataset_size: int | None = None


class UpdateModelVersionBySuggestionId(BaseModel):
    model_id: str
    new_model_version: str
    suggestion_id: str


class UpdateModelVersionFromTimeRange(BaseModel):
    model_id: str
    new_model_version: str
    from_timestamp: float
    to_timestamp: float


class CreateDataSchema(BaseModel):
    task_id: str
    data_schema: DataSchema


class AddHistorical(BaseModel):
    task_id: str
    inputs: AnyDataInfo
    target: AnyDataInfo | None = None


class AddTarget(BaseModel):
    task_id: str
    data: AnyDataInfo


class SetModelReference(BaseModel):
    model_id: str
    from_timestamp: float
    to_timestamp: float


class AddProduction(BaseModel):
    task_id: str
    inputs: AnyDataInfo | None = None
    target: AnyDataInfo | None = None
    # Prediction entries travel in the base form (protocol §2.6 quirk).
    predictions: list[tuple[str, DataInfo]] | None = None


class CreateKPI(BaseModel):
    project_id: str
    name: str


class AddKPIData(BaseModel):
    kpi_id: str
    kpi: AnyDataInfo


class ModelIdBody(BaseModel):
    """``POST /retraining-report`` and ``POST /retrain-model``."""

    model_id: str


class CreateDetectionEventRule(BaseModel):
    name: str
    task_id: str
    model_name: str | None = None
    severity: DetectionEventSeverity
    detection_event_type: DetectionEventType
    monitoring_target: MonitoringTarget
    monitoring_metric: MonitoringMetric | None = None
    actions: list[DetectionEventAction]


class UpdateDetectionEventRule(BaseModel):
    rule_id: str
    name: str | None = None
    model_name: str | None = None
    severity: DetectionEventSeverity | None = None
    detection_event_type: DetectionEventType | None = None
    monitoring_target: MonitoringTarget | None = None
    actions: list[DetectionEventAction] | None = None


class CreateCompanyUser(BaseModel):
    name: str
    surname: str
    username: str
    password: str
    email: str
    company_role: UserCompanyRole


class ChangeUserCompanyRole(BaseModel):
    user_id: str
    company_role: UserCompanyRole


class AddUserProjectRole(BaseModel):
    user_id: str
    project_id: str
    project_role: UserProjectRole


class DeleteUserProjectRole(BaseModel):
    user_id: str
    project_id: str


class CreateApiKey(BaseModel):
    name: str
    expiration_time: ApiKeyExpirationTime


class CreateUserApiKey(BaseModel):
    user_id: str
    name: str
    expiration_time: ApiKeyExpirationTime


class CreateAWSCredentials(BaseModel):
    name: str
    default: bool
    project_id: str
    role_arn: str


class CreateGCPCredentials(BaseModel):
    name: str
    default: bool
    project_id: str
    account_info: GCPAccountInfo


class AzureCredentialsBody(BaseModel):
    """The service principal on the wire, in snake_case."""

    app_id: str
    display_name: str
    password: str
    tenant: str

    @classmethod
    def from_cli(cls, credentials: AzureSPCredentials) -> "AzureCredentialsBody":
        return cls(**credentials.model_dump(by_alias=False))


class CreateAzureCredentials(BaseModel):
    name: str
    default: bool
    project_id: str
    credentials: AzureCredentialsBody


class TestRetrainTrigger(BaseModel):
    model_id: str
    retrain_trigger: RetrainTrigger
