"""The platform's settings: one object, read from ``ML3_*`` environment variables.

Every setting is listed with its default in the README.
"""

from functools import lru_cache
from pathlib import Path

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
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000

    # Key that encrypts integration secrets at rest (Fernet, urlsafe base64).
    secret_key: str = ""

    # Jobs: worker threads of the in-process executor, and how often idle
    # workers look for new jobs (seconds).
    workers: int = 2
    job_poll_interval: float = 0.2
    upload_url_ttl_seconds: int = 3600

    # Monitoring defaults: expected run length (samples) between false drift
    # alarms, and between false warnings, of each monitor.
    drift_run_length: float = 1e6
    warning_run_length: float = 1e4
    # Prediction and error monitors learn their baseline from this many
    # production samples (historical data carry no predictions).
    baseline_samples: int = 1000

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
