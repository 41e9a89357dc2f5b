"""A task's data schema: checked once, then fixed (platform-behaviour §2).

The only later change is the platform's own: each model version adds its
prediction column ``<model name>@<version>``.
"""

from collections import Counter

from sqlalchemy.orm import Session

from ml3_platform.db.tables import DataSchema, Model, Task, User
from ml3_platform.ingest.schema import prediction_column_name
from ml3_platform.ingest.validate import category_texts
from ml3_platform.services.access import Need, task_for
from ml3_platform.services.errors import DomainError
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import CreateDataSchema
from ml3_platform_sdk.enums import ColumnRole, DataStructure, DataType, TaskType

ColumnInfo = models.ColumnInfo

# Per-feature events keep the column's name (``detection_events.specification``).
COLUMN_NAME_MAX_LENGTH = 300
ARRAY_RANK = {DataType.ARRAY_1: 1, DataType.ARRAY_2: 2, DataType.ARRAY_3: 3}
PLATFORM_ROLES = {ColumnRole.PREDICTION, ColumnRole.ERROR, ColumnRole.KPI}
# The input types a task needs at least one of, by data structure.
INPUT_TYPES = {
    DataStructure.TABULAR: {DataType.FLOAT, DataType.CATEGORICAL},
    DataStructure.EMBEDDING: {DataType.ARRAY_1},
    DataStructure.IMAGE: {DataType.ARRAY_3},
    DataStructure.TEXT: {DataType.STRING},
}
TARGET_TYPE = {
    TaskType.REGRESSION: DataType.FLOAT,
    TaskType.CLASSIFICATION_BINARY: DataType.CATEGORICAL,
    TaskType.CLASSIFICATION_MULTICLASS: DataType.CATEGORICAL,
    TaskType.CLASSIFICATION_MULTILABEL: DataType.ARRAY_1,
}


def add_data_schema(session: Session, user: User, body: CreateDataSchema) -> None:
    task = task_for(session, user, body.task_id, Need.EDIT)
    if session.get(DataSchema, task.id) is not None:
        raise DomainError(
            "DATA_SCHEMA_ALREADY_EXISTS",
            f"task {task.id} already has a data schema; it cannot change",
        )
    columns = body.data_schema.columns
    check_schema(task, columns)
    session.add(
        DataSchema(
            task_id=task.id,
            columns=[column.model_dump(mode="json") for column in columns],
        )
    )
    session.commit()


def get_data_schema(session: Session, user: User, task_id: str) -> models.DataSchema:
    task = task_for(session, user, task_id)
    return models.DataSchema(columns=schema_of(session, task).columns)


def schema_of(session: Session, task: Task) -> DataSchema:
    """The task's schema, or the error that says it is the missing step."""
    schema = session.get(DataSchema, task.id)
    if schema is None:
        raise DomainError(
            "DATA_SCHEMA_NOT_FOUND",
            f"task {task.id} has no data schema yet; add one with add_data_schema",
        )
    return schema


def check_prediction_column_free(schema: DataSchema, model_name: str, version: str):
    """Refuse a model version whose prediction column the schema already has."""
    name = prediction_column_name(model_name, version)
    if any(column["name"] == name for column in schema.columns):
        raise DomainError(
            "PREDICTION_COLUMN_TAKEN",
            f"the prediction column {name!r} of model {model_name!r} at version "
            f"{version!r} is already a column of the task's data schema",
        )


def add_prediction_column(
    schema: DataSchema, task: Task, model: Model, version: str
) -> None:
    """Append the column that holds ``model``'s predictions at ``version``."""
    columns = [ColumnInfo.model_validate(column) for column in schema.columns]
    target = next((c for c in columns if c.role == ColumnRole.TARGET), None)
    prediction = ColumnInfo(
        name=prediction_column_name(model.name, version),
        role=ColumnRole.PREDICTION,
        is_nullable=False,
        # A RAG task has no target: its model answers with text.
        data_type=target.data_type if target else DataType.STRING,
        predicted_target=target.name if target else None,
        possible_values=target.possible_values if target else None,
        model_id=model.id,
        dims=target.dims if target else None,
        classes_names=target.classes_names if target else None,
    )
    # A new list, so that SQLAlchemy sees the JSON column change.
    schema.columns = [*schema.columns, prediction.model_dump(mode="json")]


def check_schema(task: Task, columns: list[ColumnInfo]) -> None:
    """Raise ``DATA_SCHEMA_INVALID`` naming the first rule ``columns`` breaks."""
    task_type = TaskType(task.task_type)
    structure = DataStructure(task.data_structure)

    repeated = [name for name, n in Counter(c.name for c in columns).items() if n > 1]
    if repeated:
        _invalid(f"column names must be unique; {repeated[0]!r} repeats")
    for column in columns:
        _check_column(column)

    _check_single(columns, ColumnRole.ID, DataType.STRING)
    _check_single(columns, ColumnRole.TIME_ID, DataType.FLOAT)

    inputs = [c for c in columns if c.role == ColumnRole.INPUT]
    wanted = INPUT_TYPES[structure]
    if not any(c.data_type in wanted for c in inputs):
        names = " or ".join(sorted(t.value for t in wanted))
        _invalid(f"a {structure.value} task needs at least one {names} input column")

    targets = [c for c in columns if c.role == ColumnRole.TARGET]
    if task_type == TaskType.RAG:
        if targets:
            _invalid("a RAG task has no target column")
        return
    if len(targets) != 1:
        _invalid(f"exactly one target column is needed, found {len(targets)}")
    _check_target(task_type, targets[0], task.positive_class)


def _check_column(column: ColumnInfo) -> None:
    if not column.name.strip():
        _invalid("every column needs a non-empty name")
    if len(column.name) > COLUMN_NAME_MAX_LENGTH:
        _invalid(
            f"column {column.name[:20]!r}... has a name of {len(column.name)} "
            f"characters; at most {COLUMN_NAME_MAX_LENGTH} fit"
        )
    if column.role in PLATFORM_ROLES:
        _invalid(
            f"column {column.name!r}: role {column.role.value} is added by the "
            "platform, not declared in the schema"
        )
    if column.data_type == DataType.CATEGORICAL and not column.possible_values:
        _invalid(f"categorical column {column.name!r} needs possible_values")
    # Compared as the values of a file are: as text.
    texts = category_texts(column.possible_values or [])
    repeated = [text for text, n in Counter(texts).items() if n > 1]
    if repeated:
        _invalid(
            f"column {column.name!r}: possible_values must be distinct; "
            f"{repeated[0]!r} repeats"
        )
    rank = ARRAY_RANK.get(column.data_type)
    if rank is not None:
        dims = column.dims or ()
        if len(dims) != rank or any(d <= 0 for d in dims):
            _invalid(
                f"column {column.name!r} of type {column.data_type.value} needs "
                f"dims with {rank} positive size(s)"
            )


def _check_single(columns: list[ColumnInfo], role: ColumnRole, kind: DataType) -> None:
    found = [c for c in columns if c.role == role]
    if len(found) != 1:
        _invalid(f"exactly one {role.value} column is needed, found {len(found)}")
    if found[0].data_type != kind:
        _invalid(f"the {role.value} column must have data type {kind.value}")


def _check_target(task_type: TaskType, target: ColumnInfo, positive_class) -> None:
    kind = TARGET_TYPE[task_type]
    if target.data_type != kind:
        _invalid(
            f"a {task_type.value} target must have data type {kind.value}, "
            f"not {target.data_type.value}"
        )
    if task_type == TaskType.CLASSIFICATION_BINARY and len(
        target.possible_values or []
    ) != 2:
        _invalid("a binary classification target needs exactly two possible_values")
    if positive_class is not None and not set(category_texts([positive_class])) & set(
        category_texts(target.possible_values or [])
    ):
        _invalid(
            f"the task's positive_class {positive_class!r} is not one of the "
            f"target's possible_values"
        )
    if task_type == TaskType.CLASSIFICATION_MULTILABEL and len(
        target.classes_names or []
    ) != target.dims[0]:
        _invalid("a multilabel target needs one classes_names entry per dims element")


def _invalid(rule: str):
    raise DomainError("DATA_SCHEMA_INVALID", rule)
