"""The tables the ``show_*`` methods print, one column per header."""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from enum import Enum
from operator import attrgetter
from typing import Any

from tabulate import tabulate

Column = tuple[str, Callable[[Any], Any]]


def render(items: Iterable[Any], columns: Sequence[Column]) -> str:
    headers = [header for header, _ in columns]
    rows = [[_cell(get(item)) for _, get in columns] for item in items]
    # Ids such as "1e5" or "0042" must print as they are, not as numbers.
    return tabulate(rows, headers=headers, disable_numparse=True)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, list | tuple):
        return ", ".join(_cell(item) for item in value)
    return str(value)


def _unix_time(name: str) -> Callable[[Any], datetime]:
    def get(item: Any) -> datetime:
        return datetime.fromtimestamp(getattr(item, name), tz=UTC)

    return get


def _field(name: str) -> Callable[[Any], Any]:
    return attrgetter(name)


PROJECTS = [("Project ID", _field("project_id")), ("Name", _field("name"))]

TASKS = [
    ("Task ID", _field("task_id")),
    ("Name", _field("name")),
    ("Type", _field("type")),
    ("Status", _field("input_status")),
    ("Status start date", _field("input_status_insert_datetime")),
]

MODELS = [
    ("Model Id", _field("model_id")),
    ("Task Id", _field("task_id")),
    ("Name", _field("name")),
    ("Version", _field("version")),
    ("Status", _field("status")),
    ("Status start timestamp", _field("status_data_start_timestamp")),
    ("Status insert date", _field("status_insert_datetime")),
    ("Metric Name", _field("metric_name")),
]

SUGGESTIONS = [
    ("Suggestion Id", _field("id")),
    ("Executed", _field("executed")),
    ("Timestamp", _unix_time("timestamp")),
]

COLUMNS = [
    ("Column name", _field("name")),
    ("Role", _field("role")),
    ("Type", _field("data_type")),
    ("Nullable", _field("is_nullable")),
    ("Predicted Target", _field("predicted_target")),
    ("Possible Values", _field("possible_values")),
    ("Model Id", _field("model_id")),
    ("Dims", _field("dims")),
    ("Classes Names", _field("classes_names")),
]


def kpis(project_id: str) -> list[Column]:
    return [
        ("KPI Id", _field("kpi_id")),
        ("Project Id", lambda _: project_id),
        ("Name", _field("name")),
        ("Status", _field("status")),
        ("Status start timestamp", _field("status_kpi_start_timestamp")),
        ("Status insert date", _field("status_insert_datetime")),
    ]


JOBS = [
    ("Job Id", _field("job_id")),
    ("Job Type", _field("job_group")),
    ("Project Id", _field("project_id")),
    ("Project Name", _field("project_name")),
    ("Task Id", _field("task_id")),
    ("Task Name", _field("task_name")),
    ("Model Id", _field("model_id")),
    ("Model Name", _field("model_name")),
    ("Status", _field("status")),
    ("Error", _field("error")),
]

COMPANY_USERS = [
    ("User Id", _field("user_id")),
    ("Company Role", _field("company_role")),
]

API_KEYS = [
    ("Api Key", _field("api_key")),
    ("Name", _field("name")),
    ("Expiration Time", _field("expiration_time")),
]
