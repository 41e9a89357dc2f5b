"""The platform's settings: one object, read from ``ML3_*`` environment variables.

Every setting is listed with its default in the README.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".ml3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ML3_", extra="ignore")

    # Where the platform keeps its metadata and its files.
    home: Path = _default_home()
    database_url: str = ""  # default: sqlite in ``home``
    data_url: str = ""  # fsspec URL; default: the ``data`` folder in ``home``

    # How clients reach this server: used in upload URLs and in links.
    # Empty: where ``ml3 serve`` listens (``host`` and ``port``).
    public_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000

    # Key that encrypts integration secrets at rest: any text; a Fernet key
    # is derived from it. Empty: one is generated into ``home`` on first use.
    secret_key: str = ""
    # The platform's own AWS principal, put in customers' role trust policies.
    aws_principal_arn: str = ""

    # Notifications: the SMTP server that sends e-mail actions, and whether
    # webhooks may point at private, loopback or link-local addresses.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "ml3-platform@localhost"
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    webhook_allow_private: bool = False
    # Deliveries of rule actions: attempts before giving up, the first
    # retry's delay (seconds, doubled on each retry) and the worker's poll.
    delivery_max_attempts: int = 6
    delivery_retry_base: float = 10.0
    delivery_poll_interval: float = 0.5
    # Whether the API process also delivers; false when ``ml3 deliver``
    # processes do it elsewhere.
    deliveries_in_process: bool = True

    # Jobs: worker threads of the in-process executor, and how often idle
    # workers look for new jobs (seconds).
    workers: int = 2
    job_poll_interval: float = 0.2
    upload_url_ttl_seconds: int = 3600

    # Monitoring defaults: expected run length (samples) between false drift
    # alarms, and between false warnings, of each monitor.
    drift_run_length: float = 1e6
    warning_run_length: float = 1e4
    # How thresholds keep those run lengths: "bound" for any data, or
    # "simulated" on the reference, lower (monitoring/calibration.py).
    monitoring_calibration: Literal["bound", "simulated"] = "bound"
    # Prediction and error monitors learn their baseline from this many
    # production samples (historical data carry no predictions).
    baseline_samples: int = 1000
    # A KPI's first values that become its reference; 200 is about the
    # fewest from which its monitor can bin the values finely enough to
    # see a shift of a few standard deviations within tens of values.
    kpi_baseline_samples: int = 200

    # Customers' clouds (credentials in use, retrain triggers). Empty
    # endpoints mean the providers' public ones; tests point them at local
    # stand-ins. ``aws_endpoint_url`` is used by every AWS client (STS, S3,
    # EventBridge); ``aws_region`` is STS's region and the default one.
    aws_endpoint_url: str = ""
    aws_region: str = "us-east-1"
    aws_role_session_seconds: int = 3600
    # The Pub/Sub API root (e.g. ``http://127.0.0.1:8085`` for the emulator).
    gcp_pubsub_endpoint: str = ""
    # The Microsoft Entra authority (default ``login.microsoftonline.com``).
    azure_authority_host: str = ""
    # Seconds a retrain message may take to publish before it counts as failed.
    trigger_timeout: float = 30.0

    # --- Remote data sources (customers' S3, GCS, Azure Blob) ---------------
    # Local stand-ins instead of the clouds' own endpoints (AWS clients use
    # ``aws_endpoint_url``): GCS's JSON API root; empty means Google's.
    # Azure Blob has no endpoint switch that keeps a service principal
    # working over plain HTTP, so a stand-in (Azurite) is named by a
    # connection string, which then replaces the project's credentials.
    gcs_endpoint_url: str = ""
    azure_blob_connection_string: str = ""
    # Seconds to wait for a customer's store before calling it unreachable.
    remote_timeout: float = 20.0

    # --- scale-out: distributed queue, object store, workers -------------
    # "in-process": ``ml3 serve`` runs jobs in its own threads (embedded,
    # one process). "procrastinate": jobs are queued in PostgreSQL (the
    # database of ``database_url``) and run by ``ml3 worker`` processes;
    # ``ml3 serve`` then serves the API only.
    queue: Literal["in-process", "procrastinate"] = "in-process"
    # Endpoint of the S3-compatible store behind an ``s3://`` data_url
    # (MinIO, moto, Ceph); empty means AWS itself. Its own setting, apart
    # from customers' AWS endpoint: the platform's store and the customers'
    # buckets are usually different services.
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    # Processes of ``ml3 serve`` (more than one needs the distributed queue).
    api_processes: int = 1
    # A worker writes a heartbeat this often (seconds); a job whose worker
    # has been silent for ``worker_stalled_seconds`` is given to another.
    worker_heartbeat_seconds: float = 10.0
    worker_stalled_seconds: float = 30.0
    # "text" or "json" (one object per line, with job and task ids).
    log_format: Literal["text", "json"] = "text"
    # Port on which each ``ml3 worker`` serves its metrics; 0: none.
    worker_metrics_port: int = 0

    @model_validator(mode="after")
    def _listening_address_by_default(self) -> "Settings":
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        return self

    @property
    def distributed(self) -> bool:
        """Whether jobs run in ``ml3 worker`` processes, not in the API."""
        return self.queue == "procrastinate"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'ml3.sqlite'}"

    def resolved_data_url(self) -> str:
        if self.data_url:
            return self.data_url
        path = self.home / "data"
        path.mkdir(parents=True, exist_ok=True)
        return str(path)


@lru_cache
def get_settings() -> Settings:
    return Settings()
