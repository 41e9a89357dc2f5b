"""Public models of the client: what the platform returns and what users pass.

The same classes are the wire schema of the platform (protocol §4): the server
builds these models and serialises them, and the client parses them, so the
two sides cannot drift apart. Request bodies live in :mod:`.bodies`.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)

from ml3_platform_sdk.enums import (
    ColumnRole,
    Currency,
    DataStructure,
    DataType,
    DetectionEventActionType,
    DetectionEventSeverity,
    DetectionEventType,
    ExternalIntegration,
    FileType,
    FolderType,
    KPIStatus,
    ModelMetricName,
    ModelStatus,
    MonitoringMetric,
    MonitoringTarget,
    RawDataSourceType,
    RetrainTriggerType,
    StoragePolicy,
    SuggestionType,
    TaskStatus,
    TaskType,
    TextLanguage,
    UserCompanyRole,
)

# --- Entities ---------------------------------------------------------------


def _wire_literal(member: Any) -> Any:
    """A field type that holds only ``member``, parsed from its wire value.

    Our enums are plain ``Enum``s, so a bare ``Literal[member]`` would reject
    the string that arrives on the wire.
    """
    return Annotated[Literal[member], BeforeValidator(type(member))]


def _wire_type(value: Any) -> Any:
    """The wire value of ``type``, whether ``value`` is a dict or a model."""
    raw = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return getattr(raw, "value", raw)


class Company(BaseModel):
    company_id: str
    name: str
    address: str
    vat: str


class Project(BaseModel):
    project_id: str
    name: str


class RegressionTaskCostInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: Currency
    overestimation_cost: float
    underestimation_cost: float


class BinaryClassificationTaskCostInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: Currency
    false_positive_cost: float
    false_negative_cost: float


# Class names may be ints in Python; on the wire they are JSON object keys.
ClassCosts = Annotated[
    dict[str, float],
    BeforeValidator(
        lambda v: {str(k): c for k, c in v.items()} if isinstance(v, dict) else v
    ),
]


class MulticlassClassificationTaskCostInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: Currency
    misclassification_cost: ClassCosts


class MultilabelClassificationTaskCostInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: Currency
    false_positive_costs: ClassCosts
    false_negative_costs: ClassCosts


# The variants carry no discriminator: they are told apart by their key sets
# (protocol §4.2), which ``extra="forbid"`` makes exclusive.
TaskCostInfoUnion = (
    RegressionTaskCostInfo
    | BinaryClassificationTaskCostInfo
    | MulticlassClassificationTaskCostInfo
    | MultilabelClassificationTaskCostInfo
)


class Task(BaseModel):
    task_id: str
    name: str
    type: TaskType
    input_status: TaskStatus
    input_status_insert_datetime: str
    concept_status: TaskStatus
    concept_status_insert_datetime: str
    cost_info: TaskCostInfoUnion | None = None
    optional_target: bool
    monitoring_targets: list[str]
    monitoring_metrics: dict[str, list[str]] | None = None
    positive_class: str | int | bool | None = None
    text_language: TextLanguage | None = None


class AWSEventBridgeRetrainTrigger(BaseModel):
    type: _wire_literal(RetrainTriggerType.AWS_EVENT_BRIDGE) = (
        RetrainTriggerType.AWS_EVENT_BRIDGE
    )
    credentials_id: str
    aws_region_name: str
    event_bus_name: str


class GCPPubSubRetrainTrigger(BaseModel):
    type: _wire_literal(RetrainTriggerType.GCP_PUBSUB) = RetrainTriggerType.GCP_PUBSUB
    credentials_id: str
    topic_name: str


class AzureEventGridRetrainTrigger(BaseModel):
    type: _wire_literal(RetrainTriggerType.AZURE_EVENT_GRID) = (
        RetrainTriggerType.AZURE_EVENT_GRID
    )
    credentials_id: str
    topic_endpoint: str


RetrainTrigger = Annotated[
    Annotated[AWSEventBridgeRetrainTrigger, Tag("aws_event_bridge")]
    | Annotated[GCPPubSubRetrainTrigger, Tag("gcp_pubsub")]
    | Annotated[AzureEventGridRetrainTrigger, Tag("azure_event_grid")],
    Discriminator(_wire_type),
]


class Model(BaseModel):
    model_id: str
    task_id: str
    name: str
    version: str
    status: ModelStatus
    status_data_start_timestamp: float | None = None
    status_insert_datetime: datetime
    prediction_status: str
    prediction_status_data_start_timestamp: float | None = None
    prediction_status_insert_datetime: datetime
    metric_name: ModelMetricName
    creation_datetime: datetime | None = None
    retrain_trigger: RetrainTrigger | None = None
    retraining_cost: float


class Job(BaseModel):
    job_id: str
    job_group: str
    project_id: str
    project_name: str
    task_id: str
    task_name: str
    model_id: str | None = None
    model_name: str | None = None
    status: str
    error: str | None = None


class ColumnInfo(BaseModel):
    name: str
    role: ColumnRole
    is_nullable: bool
    data_type: DataType
    predicted_target: str | None = None
    possible_values: list[str | int | bool] | None = None
    model_id: str | None = None
    dims: tuple[int, ...] | None = None
    classes_names: list[str] | None = None


class DataSchema(BaseModel):
    columns: list[ColumnInfo]


class KPI(BaseModel):
    kpi_id: str
    name: str
    status: KPIStatus
    status_kpi_start_timestamp: datetime | None = None
    status_insert_datetime: datetime


class SuggestionInfo(BaseModel):
    id: str
    executed: bool
    timestamp: float


class Suggestion(BaseModel):
    """A retraining suggestion; the variant key (``sample_weights`` or
    ``sample_counts``) is kept as an extra attribute, as on the wire."""

    model_config = ConfigDict(extra="allow")

    suggestion_id: str
    suggestion_type: SuggestionType
    sample_ids: list[str]


class SampleWeightsSuggestion(Suggestion):
    sample_weights: list[float]


class ResampledDatasetSuggestion(Suggestion):
    sample_counts: list[int]


class RetrainingReport(BaseModel):
    report_id: str
    suggestion: Suggestion
    effective_sample_size: float
    model_metric_name: str
    performance_upper_bound: float
    performance_lower_bound: float
    cost_upper_bound: float | None = None
    cost_lower_bound: float | None = None


class CompanyUser(BaseModel):
    user_id: str
    company_role: UserCompanyRole


class ApiKey(BaseModel):
    api_key: str
    name: str
    expiration_time: str | None = None


class DetectionEvent(BaseModel):
    event_id: str
    event_type: DetectionEventType
    monitoring_target: MonitoringTarget
    monitoring_metric: MonitoringMetric | None = None
    severity_type: DetectionEventSeverity | None = None
    insert_datetime: str
    sample_timestamp: float
    sample_id: str
    model_id: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    # Ours: the column or statistic a `feature` event is about.
    specification: str | None = None


# --- Rule actions (exact key sets, protocol §4.2) ---------------------------


class DiscordNotificationAction(BaseModel):
    type: _wire_literal(DetectionEventActionType.DISCORD_NOTIFICATION) = (
        DetectionEventActionType.DISCORD_NOTIFICATION
    )
    webhook: str


class SlackNotificationAction(BaseModel):
    type: _wire_literal(DetectionEventActionType.SLACK_NOTIFICATION) = (
        DetectionEventActionType.SLACK_NOTIFICATION
    )
    webhook: str
    channel: str


class EmailNotificationAction(BaseModel):
    type: _wire_literal(DetectionEventActionType.EMAIL_NOTIFICATION) = (
        DetectionEventActionType.EMAIL_NOTIFICATION
    )
    address: str


class TeamsNotificationAction(BaseModel):
    type: _wire_literal(DetectionEventActionType.TEAMS_NOTIFICATION) = (
        DetectionEventActionType.TEAMS_NOTIFICATION
    )
    webhook: str


class RetrainAction(BaseModel):
    type: _wire_literal(DetectionEventActionType.RETRAIN) = (
        DetectionEventActionType.RETRAIN
    )
    model_name: str | None = None


DetectionEventAction = Annotated[
    Annotated[DiscordNotificationAction, Tag("discord_notification")]
    | Annotated[SlackNotificationAction, Tag("slack_notification")]
    | Annotated[EmailNotificationAction, Tag("email_notification")]
    | Annotated[TeamsNotificationAction, Tag("teams_notification")]
    | Annotated[RetrainAction, Tag("retrain")],
    Discriminator(_wire_type),
]


class DetectionEventRule(BaseModel):
    rule_id: str
    name: str
    task_id: str
    model_name: str | None = None
    severity: DetectionEventSeverity
    detection_event_type: DetectionEventType
    monitoring_target: MonitoringTarget
    monitoring_metric: MonitoringMetric | None = None
    actions: list[DetectionEventAction]


# --- Integration credentials ------------------------------------------------


class IntegrationCredentials(BaseModel):
    credentials_id: str
    name: str
    default: bool
    type: ExternalIntegration


class AWSCredentials(IntegrationCredentials):
    role_arn: str


# ML cube's account in the published client; ours comes from the server.
DEFAULT_AWS_PRINCIPAL = "arn:aws:iam::883313729965:root"


class SecretAWSCredentials(AWSCredentials):
    external_id: str
    # Ours: the platform's own AWS principal, from the server's settings.
    platform_principal_arn: str | None = None

    def generate_trust_policy(self) -> str:
        """The IAM trust policy that lets the platform assume ``role_arn``."""
        import json

        principal = self.platform_principal_arn or DEFAULT_AWS_PRINCIPAL
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": self.external_id}},
                }
            ],
        }
        return json.dumps(policy, indent=2)


class GCPCredentials(IntegrationCredentials):
    gcp_project_id: str
    client_email: str
    client_id: str


class AzureCredentials(IntegrationCredentials):
    app_id: str
    display_name: str
    tenant: str


class GCPAccountInfo(BaseModel):
    type: str
    project_id: str
    private_key_id: str
    private_key: str
    client_email: str
    client_id: str
    auth_uri: str
    token_uri: str
    auth_provider_x509_cert_url: str
    client_x509_cert_url: str
    universe_domain: str


class AzureSPCredentials(BaseModel):
    """A service principal as the Azure CLI prints it (``appId`` …)."""

    model_config = ConfigDict(populate_by_name=False)

    app_id: str = Field(alias="appId")
    display_name: str = Field(alias="displayName")
    password: str
    tenant: str


# --- Data the user hands to an upload method (protocol §3.1) ----------------


class DataSource(BaseModel):
    file_type: FileType
    is_folder: bool
    folder_type: FolderType | None = None


class LocalDataSource(DataSource):
    file_path: str


class RemoteDataSource(DataSource):
    credentials_id: str | None = None
    storage_policy: StoragePolicy | None = None


class S3DataSource(RemoteDataSource):
    object_path: str


class GCSDataSource(RemoteDataSource):
    object_path: str


class AzureBlobDataSource(RemoteDataSource):
    object_path: str


class Data(BaseModel):
    data_structure: DataStructure
    source: DataSource


class TabularData(Data):
    data_structure: DataStructure = DataStructure.TABULAR


class EmbeddingData(Data):
    data_structure: DataStructure = DataStructure.EMBEDDING


class ImageData(Data):
    data_structure: DataStructure = DataStructure.IMAGE
    mapping_source: DataSource
    embedding_source: DataSource | None = None


class TextData(Data):
    data_structure: DataStructure = DataStructure.TEXT
    embedding_source: DataSource | None = None


# --- How a source travels in `/data/...` bodies (protocol §3.4) -------------


class LocalDataSourceInfo(BaseModel):
    storing_process_id: str


class RemoteDataSourceInfo(BaseModel):
    file_type: FileType
    data_source_type: RawDataSourceType
    remote_path: str
    is_folder: bool
    folder_type: FolderType | None = None
    credentials_id: str | None = None
    storage_policy: StoragePolicy | None = None


def _source_kind(value: Any) -> str:
    """Local and remote sources are told apart by key set (protocol §3.4)."""
    if isinstance(value, dict):
        return "local" if "storing_process_id" in value else "remote"
    return "local" if isinstance(value, LocalDataSourceInfo) else "remote"


SourceInfo = Annotated[
    Annotated[LocalDataSourceInfo, Tag("local")]
    | Annotated[RemoteDataSourceInfo, Tag("remote")],
    Discriminator(_source_kind),
]


class DataInfo(BaseModel):
    """The base form; prediction entries travel in this form only."""

    data_structure: DataStructure
    source: SourceInfo


class TabularDataInfo(DataInfo):
    pass


class EmbeddingDataInfo(DataInfo):
    pass


class ImageDataInfo(DataInfo):
    mapping_source: SourceInfo
    embedding_source: SourceInfo | None = None


class TextDataInfo(DataInfo):
    embedding_source: SourceInfo | None = None


def _data_info_kind(value: Any) -> str:
    structure = value.get("data_structure") if isinstance(value, dict) else (
        value.data_structure
    )
    return str(getattr(structure, "value", structure))


AnyDataInfo = Annotated[
    Annotated[TabularDataInfo, Tag("tabular")]
    | Annotated[EmbeddingDataInfo, Tag("embedding")]
    | Annotated[ImageDataInfo, Tag("image")]
    | Annotated[TextDataInfo, Tag("text")],
    Discriminator(_data_info_kind),
]


class GetPresignedUrlResponse(BaseModel):
    storing_process_id: str
    presigned_url: dict[str, Any]
    expiration_time: str


class StandardErrorResponse(BaseModel):
    error_code: str
    error_message: str
