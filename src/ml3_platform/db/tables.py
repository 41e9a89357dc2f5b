"""The platform's tables (SQLAlchemy 2 declarative).

Every change here goes with an Alembic revision in ``migrations/versions``.
Enum-valued columns hold the wire value as text, so rows read the same in
SQLite and PostgreSQL. Timestamps are timezone-aware UTC.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def new_id() -> str:
    """A URL-path-safe identifier (protocol §1.4)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), default="")
    surname: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str] = mapped_column(String(320), default="")
    password_hash: Mapped[str | None] = mapped_column(String(500))
    company_id: Mapped[str | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    company_role: Mapped[str] = mapped_column(String(32), default="COMPANY_NONE")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key, stored only as its SHA-256; ``key_id`` is the public part."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None]
    expiration_time: Mapped[str] = mapped_column(String(32), default="never")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(500), default="")
    vat: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    default_storage_policy: Mapped[str] = mapped_column(String(16), default="mlcube")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectRole(Base):
    __tablename__ = "project_roles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32))


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    task_type: Mapped[str] = mapped_column(String(40))
    data_structure: Mapped[str] = mapped_column(String(16))
    optional_target: Mapped[bool] = mapped_column(Boolean, default=False)
    text_language: Mapped[str | None] = mapped_column(String(16))
    # JSON so that a bool, an int and a string keep their type.
    positive_class: Mapped[Any] = mapped_column(JSON, nullable=True)
    cost_info: Mapped[dict[str, Any] | None]
    input_status: Mapped[str] = mapped_column(String(16), default="ok")
    input_status_at: Mapped[datetime] = mapped_column(default=utcnow)
    concept_status: Mapped[str] = mapped_column(String(16), default="ok")
    concept_status_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataSchema(Base):
    """A task's schema as the user gave it, plus the prediction columns."""

    __tablename__ = "data_schemas"

    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    columns: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Model(Base):
    """A model; its versions (``ModelVersion``) share its id on the wire."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("task_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    metric_name: Mapped[str] = mapped_column(String(16))
    retraining_cost: Mapped[float] = mapped_column(Float, default=0.0)
    preferred_suggestion_type: Mapped[str] = mapped_column(String(32))
    resampled_dataset_size: Mapped[int | None] = mapped_column(Integer)
    retrain_trigger: Mapped[dict[str, Any] | None]
    current_version_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    model_id: Mapped[str] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="not_initialized")
    status_data_start_ts: Mapped[float | None] = mapped_column(Float)
    status_at: Mapped[datetime] = mapped_column(default=utcnow)
    prediction_status: Mapped[str] = mapped_column(
        String(16), default="not_initialized"
    )
    prediction_status_data_start_ts: Mapped[float | None] = mapped_column(Float)
    prediction_status_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The reference: a time range of historical data (or a suggestion).
    reference_from_ts: Mapped[float | None] = mapped_column(Float)
    reference_to_ts: Mapped[float | None] = mapped_column(Float)
    reference_key: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Upload(Base):
    """One file announced by ``GET /data/presigned-url`` (a storing process)."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[str | None] = mapped_column(String(32), index=True)
    model_id: Mapped[str | None] = mapped_column(String(32))
    kpi_id: Mapped[str | None] = mapped_column(String(32))
    # The presigned-url query: data_structure, storing_data_type, file_name,
    # file_type, is_folder, folder_type, data_category.
    params: Mapped[dict[str, Any]]
    checksum: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The job of the data call that used the file (services.received.claim).
    job_id: Mapped[str | None] = mapped_column(String(32))


class Job(Base):
    """A durable unit of work; ``seq`` orders the jobs of one ``queue_key``."""

    __tablename__ = "jobs"

    # ``seq`` is the submission order; ``id`` is what travels on the wire.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    job_group: Mapped[str] = mapped_column(String(64))
    # Jobs with the same key run one at a time, in ``seq`` order: the task id,
    # or "kpi:<id>" for KPI jobs.
    queue_key: Mapped[str] = mapped_column(String(80), index=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[str | None] = mapped_column(String(32), index=True)
    model_id: Mapped[str | None] = mapped_column(String(32), index=True)
    kpi_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="idle", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Batch(Base):
    """A validated batch of one data category, stored as Parquet.

    A job writes its batches under keys derived from its own id, so running it
    again overwrites rather than duplicates; ``(job_id, category, model_id)``
    is unique for the same reason.
    """

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("job_id", "category", "model_version_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    # historical | production | task_target
    kind: Mapped[str] = mapped_column(String(16))
    # input | target | prediction
    category: Mapped[str] = mapped_column(String(16))
    model_version_id: Mapped[str] = mapped_column(String(32), default="")
    storage_key: Mapped[str] = mapped_column(String(500))
    n_rows: Mapped[int] = mapped_column(Integer)
    min_ts: Mapped[float | None] = mapped_column(Float)
    max_ts: Mapped[float | None] = mapped_column(Float)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Remote data sources (revision 0301): under the customer storage policy
    # the rows stay in the customer's store and this is the pointer to them
    # (``ml3_platform.pipeline.remote_sources``); ``storage_key`` is then "".
    remote_source: Mapped[dict[str, Any] | None]


class HashedBatch(Base):
    """A batch whose samples are in ``sample_hashes`` (revision 0801).

    Every batch stored since has one; older batches are found through their
    id-hash sidecar files (``ml3_platform.pipeline.samples``). The integer id
    keeps each sample's row small.
    """

    __tablename__ = "hashed_batches"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    batch_id: Mapped[str] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), unique=True
    )


class SampleHash(Base):
    """One sample of a stored batch, as the 64-bit key of its id and scope.

    The key (``ml3_platform.pipeline.samples.sample_keys``) mixes the id's
    hash with its task, category and model version, so one index on the
    key finds the batches that hold a sample. A job writes its rows in its
    own transaction, with its ``Batch`` rows, and they go with them.
    """

    __tablename__ = "sample_hashes"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hashed_batch_id: Mapped[int] = mapped_column(
        ForeignKey("hashed_batches.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )


class MonitorState(Base):
    """The persisted state of one monitor (detector arrays, status)."""

    __tablename__ = "monitor_states"
    __table_args__ = (
        UniqueConstraint("task_id", "model_version_id", "target", "specification"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    # "" for task monitors (input, concept).
    model_version_id: Mapped[str] = mapped_column(String(32), default="")
    target: Mapped[str] = mapped_column(String(16))
    # "" for the target's own monitor; the column for per-feature monitors.
    specification: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="not_initialized")
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DetectionEvent(Base):
    __tablename__ = "detection_events"
    __table_args__ = (
        UniqueConstraint(
            "job_id", "target", "specification", "model_version_id", "seq_in_job"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(String(32))
    seq_in_job: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str | None] = mapped_column(String(32))
    specification: Mapped[str] = mapped_column(String(300), default="")
    severity: Mapped[str | None] = mapped_column(String(8))
    sample_id: Mapped[str] = mapped_column(String(300))
    sample_ts: Mapped[float] = mapped_column(Float)
    model_id: Mapped[str | None] = mapped_column(String(32))
    model_version_id: Mapped[str] = mapped_column(String(32), default="")
    model_name: Mapped[str | None] = mapped_column(String(300))
    model_version: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DriftScore(Base):
    """A monitor's statistic at the end of a batch, with its thresholds."""

    __tablename__ = "drift_scores"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    monitor_id: Mapped[str] = mapped_column(
        ForeignKey("monitor_states.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(String(32))
    sample_ts: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    warning_threshold: Mapped[float] = mapped_column(Float)
    drift_threshold: Mapped[float] = mapped_column(Float)


# --- Users, roles, API keys and KPIs ---------------------------------------


class Kpi(Base):
    """A business KPI of a project; its monitor takes its first window as
    reference (platform-behaviour §5), so the status starts ``not_initialized``.
    """

    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="not_initialized")
    # Unix seconds of the first value under the current status.
    status_start_ts: Mapped[float | None] = mapped_column(Float)
    status_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A serialised ``SelfStartingMonitor``; None until the first values.
    monitor_state: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KpiBatch(Base):
    """One stored KPI file (Parquet); one per job, so a rerun overwrites."""

    __tablename__ = "kpi_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kpi_id: Mapped[str] = mapped_column(
        ForeignKey("kpis.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(String(32), unique=True)
    storage_key: Mapped[str] = mapped_column(String(500))
    n_rows: Mapped[int] = mapped_column(Integer)
    min_ts: Mapped[float] = mapped_column(Float)
    max_ts: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An object of the customer's store under the customer storage policy
    # (revision 0701): the pointer to it, as `Batch.remote_source`, and
    # ``storage_key`` is "".
    remote_source: Mapped[dict[str, Any] | None]


# --- Detection event rules, deliveries and integration credentials ---------


class IntegrationCredential(Base):
    """A project's access to a customer's cloud (protocol §2.13).

    ``public`` holds what may be shown (role ARN, client e-mail, app id …);
    ``sealed`` the secret part (AWS external id, GCP key, Azure password),
    encrypted with :mod:`ml3_platform.integrations.vault`.
    """

    __tablename__ = "integration_credentials"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    # aws | gcp | azure
    provider: Mapped[str] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[dict[str, Any]]
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DetectionEventRule(Base):
    __tablename__ = "detection_event_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    model_name: Mapped[str | None] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(8))
    event_type: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str | None] = mapped_column(String(32))
    # The actions in wire form, in the order they run.
    actions: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One action to run for one event: the outbox.

    Written in the transaction that writes the event, so an event is stored
    with its deliveries or not at all; ``(event_id, rule_id, action_index)``
    is unique, so an event is never queued twice for the same action. The
    action is copied, so later edits of the rule do not change what an
    event already asked for.
    """

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("event_id", "rule_id", "action_index"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("detection_events.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[str] = mapped_column(String(32))
    action_index: Mapped[int] = mapped_column(Integer)
    action: Mapped[dict[str, Any]]
    # Sent with every attempt, so a receiver can drop repeats.
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    # pending | delivered | failed
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A worker that claims the delivery holds it until then.
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    # What the peer answered (an HTTP status, an SMTP reply) or the error.
    outcome: Mapped[str] = mapped_column(Text)


# --- Monitoring coverage: KPI drift scores ---------------------------------


class KpiDriftScore(Base):
    """A KPI monitor's statistic at the end of a KPI batch, with its
    thresholds (as ``DriftScore`` for task and model monitors)."""

    __tablename__ = "kpi_drift_scores"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    kpi_id: Mapped[str] = mapped_column(
        ForeignKey("kpis.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(String(32))
    sample_ts: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    warning_threshold: Mapped[float] = mapped_column(Float)
    drift_threshold: Mapped[float] = mapped_column(Float)


# --- Retraining reports and suggestions ------------------------------------


class RetrainingReport(Base):
    """A model version's retraining report (protocol §4.1 RetrainingReport).

    The per-sample part (ids, weights, counts) is a Parquet file at
    ``storage_key``; the row holds the figures the wire sends.
    """

    __tablename__ = "retraining_reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    model_id: Mapped[str] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), index=True
    )
    model_version_id: Mapped[str] = mapped_column(String(32), index=True)
    job_id: Mapped[str] = mapped_column(String(32), unique=True)
    # Unix seconds of the drift the report answers.
    drift_ts: Mapped[float] = mapped_column(Float)
    effective_sample_size: Mapped[float] = mapped_column(Float)
    metric_name: Mapped[str] = mapped_column(String(16))
    performance_lower: Mapped[float] = mapped_column(Float)
    performance_upper: Mapped[float] = mapped_column(Float)
    cost_lower: Mapped[float | None] = mapped_column(Float)
    cost_upper: Mapped[float | None] = mapped_column(Float)
    # How it was computed: surrogate family, confidence, sample counts …
    details: Mapped[dict[str, Any]]
    storage_key: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetrainingSuggestion(Base):
    """The suggestion a report made; executed once a version is built on it."""

    __tablename__ = "retraining_suggestions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(
        ForeignKey("retraining_reports.id", ondelete="CASCADE"), index=True
    )
    model_id: Mapped[str] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), index=True
    )
    model_version_id: Mapped[str] = mapped_column(String(32), index=True)
    # sample_weights | resampled_dataset
    suggestion_type: Mapped[str] = mapped_column(String(32))
    effective_sample_size: Mapped[float] = mapped_column(Float)
    n_samples: Mapped[int] = mapped_column(Integer)
    executed: Mapped[bool] = mapped_column(Boolean, default=False)
    executed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Retrain triggers ------------------------------------------------------


class RetrainMessage(Base):
    """A retrain request sent to a model's trigger: the sent marker.

    Written in the transaction that completes the ``retrain`` job, so a job
    run again after its commit finds it and sends nothing. The key is
    ``event:<event id>:model:<model id>`` when a rule's event asked for the
    retrain (one message per event, however many jobs were submitted for
    it), else ``job:<job id>``; it also travels in the message, so a
    receiver can drop the repeat of a send whose commit was lost. The
    trigger itself is ``Model.retrain_trigger`` (one per model).
    """

    __tablename__ = "retrain_messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    model_id: Mapped[str] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str | None] = mapped_column(String(32))
    trigger_type: Mapped[str] = mapped_column(String(32))
    # What the provider called the message (EventBridge event id, Pub/Sub
    # message id); Event Grid answers with none.
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
