"""Engines, sessions and migrations, all from one :class:`Settings`.

SQLite is the default (a file in ``settings.home``); PostgreSQL is chosen by
the URL alone, e.g. ``postgresql+psycopg://user@host/db``.
"""

from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from ml3_platform.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(settings: Settings) -> Engine:
    url = settings.resolved_database_url()
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)

    # Worker threads and the API share one file: wait for the write lock
    # rather than failing at once.
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while a job writes; foreign keys are off by
    # default in SQLite and the tables rely on ON DELETE CASCADE.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Rows stay readable after commit: handlers build responses from them.
    return sessionmaker(engine, expire_on_commit=False)


def request_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request, from the app's factory."""
    with request.app.state.sessions() as session:
        yield session


def alembic_config() -> Config:
    """Alembic's configuration, built from the installed package (no .ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(settings: Settings) -> None:
    """Bring the database to the newest revision."""
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    finally:
        engine.dispose()
