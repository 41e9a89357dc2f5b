"""Engines, sessions and migrations, all from one :class:`Settings`.

SQLite is the default (a file in ``settings.home``); PostgreSQL is chosen by
the URL alone, e.g. ``postgresql+psycopg://user@host/db``.
"""

import re
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, String, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from ml3_platform.services.errors import DomainError
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


def make_sessionmaker(
    engine: Engine, settings: Settings | None = None
) -> sessionmaker[Session]:
    """Sessions on ``engine``, carrying what ``settings`` scale out to."""
    # Rows stay readable after commit: handlers build responses from them.
    factory = sessionmaker(
        engine, expire_on_commit=False, info=_session_info(settings)
    )
    event.listen(factory, "before_flush", _check_text_lengths)
    return factory


def _check_text_lengths(session: Session, _context, _instances) -> None:
    """Refuse text longer than its column, on every backend alike.

    PostgreSQL would fail the statement (an internal error to the caller) and
    SQLite would store the text whole; here the caller learns which value.
    """
    for row in (*session.new, *session.dirty):
        for column in inspect(row).mapper.columns:
            check_text_length(type(row), column.key, getattr(row, column.key, None))


def check_text_length(table: type, key: str, value: object) -> None:
    """Refuse ``value`` for the column ``key`` of ``table`` if it is too long.

    Also for a service whose row is written later, by a job: the request
    then fails at once instead of the job.
    """
    column = inspect(table).columns[key]
    limit = column.type.length if isinstance(column.type, String) else None
    if limit and isinstance(value, str) and len(value) > limit:
        entity = re.sub(r"(?<!^)(?=[A-Z])", " ", table.__name__).lower()
        raise DomainError(
            "VALUE_TOO_LONG",
            f"the {key} of the {entity} is {len(value)} characters long; "
            f"at most {limit} fit",
        )


def _session_info(settings: Settings | None) -> dict:
    """What a scaled-out platform's sessions carry: its queue and its store.

    With the distributed queue, `jobs.submit` also puts each job in that
    queue; with an S3 store, clients upload to it directly
    (`services.received`).
    """
    info: dict = {}
    if settings is None:
        return info
    if settings.distributed:
        from ml3_platform.jobs.distributed import Dispatcher
        from ml3_platform.jobs.queue import DISPATCH

        info[DISPATCH] = Dispatcher(settings)
    if settings.data_url.startswith(("s3://", "s3a://")):
        from ml3_platform.services.received import DIRECT_STORE
        from ml3_platform.storage import direct, store_from_settings

        info[DIRECT_STORE] = store_from_settings(settings)
        direct.prepare(settings)
    return info


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
    if settings.distributed:
        from ml3_platform.jobs.distributed import ensure_schema

        ensure_schema(settings)
