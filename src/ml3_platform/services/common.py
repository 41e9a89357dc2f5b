"""Small helpers shared by the services."""

from datetime import UTC, datetime

from ml3_platform.services.errors import DomainError


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (SQLite hands back naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def check_name(code: str, entity: str, name: str, field: str = "name") -> None:
    """Refuse a blank name: nobody could tell the entity apart by it."""
    if not name.strip():
        raise DomainError(code, f"a {entity} needs a non-empty {field}")
