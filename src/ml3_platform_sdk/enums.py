"""Enumerations shared by the client and the platform.

Each member's value is its wire value (protocol §4.3); member names are the
values in upper case, except ``RawDataSourceType.ABS``.
"""

from enum import Enum


class _WireEnum(Enum):
    """An enum that prints as its wire value, as tables and messages want."""

    def __str__(self) -> str:
        return str(self.value)


class TaskType(_WireEnum):
    REGRESSION = "regression"
    CLASSIFICATION_BINARY = "classification_binary"
    CLASSIFICATION_MULTICLASS = "classification_multiclass"
    CLASSIFICATION_MULTILABEL = "classification_multilabel"
    RAG = "rag"


class TaskStatus(_WireEnum):
    OK = "ok"
    WARNING = "warning"
    DRIFT = "drift"


class ModelStatus(_WireEnum):
    NOT_INITIALIZED = "not_initialized"
    OK = "ok"
    WARNING = "warning"
    DRIFT = "drift"


class KPIStatus(_WireEnum):
    NOT_INITIALIZED = "not_initialized"
    OK = "ok"
    WARNING = "warning"
    DRIFT = "drift"


class DataStructure(_WireEnum):
    TABULAR = "tabular"
    IMAGE = "image"
    TEXT = "text"
    EMBEDDING = "embedding"


class StoringDataType(_WireEnum):
    HISTORICAL = "historical"
    PRODUCTION = "production"
    TASK_TARGET = "task_target"
    KPI = "kpi"


class FileType(_WireEnum):
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"
    PNG = "png"
    JPG = "jpg"
    NPY = "npy"


class FolderType(_WireEnum):
    UNCOMPRESSED = "uncompressed"
    TAR = "tar"
    ZIP = "zip"


class JobStatus(_WireEnum):
    IDLE = "idle"
    STARTING = "starting"
    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"


class UserCompanyRole(_WireEnum):
    COMPANY_OWNER = "COMPANY_OWNER"
    COMPANY_ADMIN = "COMPANY_ADMIN"
    COMPANY_USER = "COMPANY_USER"
    COMPANY_NONE = "COMPANY_NONE"


class UserProjectRole(_WireEnum):
    PROJECT_ADMIN = "PROJECT_ADMIN"
    PROJECT_USER = "PROJECT_USER"
    PROJECT_VIEW = "PROJECT_VIEW"


class DetectionEventSeverity(_WireEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class DetectionEventType(_WireEnum):
    WARNING_OFF = "warning_off"
    WARNING_ON = "warning_on"
    DRIFT_ON = "drift_on"
    DRIFT_OFF = "drift_off"


class MonitoringTarget(_WireEnum):
    ERROR = "error"
    INPUT = "input"
    CONCEPT = "concept"
    PREDICTION = "prediction"


class MonitoringMetric(_WireEnum):
    FEATURE = "feature"
    TEXT_TOXICITY = "text_toxicity"
    TEXT_EMOTION = "text_emotion"
    TEXT_SENTIMENT = "text_sentiment"
    TEXT_LENGTH = "text_length"


class DetectionEventActionType(_WireEnum):
    DISCORD_NOTIFICATION = "discord_notification"
    SLACK_NOTIFICATION = "slack_notification"
    EMAIL_NOTIFICATION = "email_notification"
    TEAMS_NOTIFICATION = "teams_notification"
    RETRAIN = "retrain"


class ModelMetricName(_WireEnum):
    RMSE = "rmse"
    RSQUARE = "rsquare"
    ACCURACY = "accuracy"


class SuggestionType(_WireEnum):
    SAMPLE_WEIGHTS = "sample_weights"
    RESAMPLED_DATASET = "resampled_dataset"


class ApiKeyExpirationTime(_WireEnum):
    ONE_MONTH = "one_month"
    THREE_MONTHS = "three_months"
    SIX_MONTHS = "six_months"
    ONE_YEAR = "one_year"
    NEVER = "never"


class ExternalIntegration(_WireEnum):
    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"


class StoragePolicy(_WireEnum):
    MLCUBE = "mlcube"
    CUSTOMER = "customer"


class RetrainTriggerType(_WireEnum):
    AWS_EVENT_BRIDGE = "aws_event_bridge"
    GCP_PUBSUB = "gcp_pubsub"
    AZURE_EVENT_GRID = "azure_event_grid"


class Currency(_WireEnum):
    EURO = "euro"
    DOLLAR = "dollar"


class DataType(_WireEnum):
    FLOAT = "float"
    STRING = "string"
    CATEGORICAL = "categorical"
    ARRAY_1 = "array_1"
    ARRAY_2 = "array_2"
    ARRAY_3 = "array_3"


class ColumnRole(_WireEnum):
    INPUT = "input"
    INPUT_MASK = "input_mask"
    PREDICTION = "prediction"
    TARGET = "target"
    ERROR = "error"
    ID = "id"
    TIME_ID = "time_id"
    KPI = "kpi"
    INPUT_ADDITIONAL_EMBEDDING = "input_additional_embedding"
    TARGET_ADDITIONAL_EMBEDDING = "target_additional_embedding"
    PREDICTION_ADDITIONAL_EMBEDDING = "prediction_additional_embedding"


class TextLanguage(_WireEnum):
    ITALIAN = "italian"
    ENGLISH = "english"
    MULTILANGUAGE = "multilanguage"


class DataCategory(_WireEnum):
    """Which part of a batch an uploaded file holds (sent with each upload)."""

    PREDICTION = "prediction"
    TARGET = "target"
    INPUT = "input"
    INPUT_MAPPING = "input_mapping"
    TARGET_MAPPING = "target_mapping"
    PREDICTION_MAPPING = "prediction_mapping"
    INPUT_ADDITIONAL_EMBEDDING = "input_additional_embedding"
    TARGET_ADDITIONAL_EMBEDDING = "target_additional_embedding"
    PREDICTION_ADDITIONAL_EMBEDDING = "prediction_additional_embedding"


class RawDataSourceType(_WireEnum):
    """Where a remote source lives; ``LOCAL`` never goes on the wire."""

    AWS_S3 = "aws_s3"
    GCS = "gcs"
    ABS = "azure_blob_storage"
    LOCAL = "local"
