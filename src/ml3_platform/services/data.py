"""Data calls: check the set-up and the uploads, then queue a job.

The set-up order is task → data schema → model → data; each call says which
step is missing. Only the calls that need a model ask for one: historical
data and late targets can come before the model, as scripts written for the
published client often do. The job itself reads and validates the files
(``ml3_platform.pipeline``); payloads are described in docs/architecture.md.
"""

from sqlalchemy.orm import Session

from ml3_platform import jobs
from ml3_platform.ingest.remote import RemoteSourceError, parse_location
from ml3_platform.db.tables import Task, Upload, User
from ml3_platform.services.access import Need, model_for, task_for
from ml3_platform.services.data_schemas import schema_of
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform.services.received import claim, ensure_received
from ml3_platform.services.models import current_version, task_models
from ml3_platform_sdk.bodies import (
    AddHistorical,
    AddProduction,
    AddTarget,
    SetModelReference,
)
from ml3_platform_sdk.enums import StoringDataType, TaskType
from ml3_platform_sdk.models import (
    DataInfo,
    LocalDataSourceInfo,
    RemoteDataSourceInfo,
)

SOURCE_FIELDS = ("source", "mapping_source", "embedding_source")


def add_historical(session: Session, user: User, body: AddHistorical) -> str:
    task = _ready_task(session, user, body.task_id)
    _check_inputs(task, body.inputs)
    kind = StoringDataType.HISTORICAL
    uploads = _checked_uploads(session, task, kind, body.inputs, body.target)
    return _queue(session, user, task, "historical", body, uploads)


def add_production(session: Session, user: User, body: AddProduction) -> str:
    task = _ready_task(session, user, body.task_id)
    if body.predictions:
        _require_model(session, task)
    if body.inputs is None and body.target is None and not body.predictions:
        raise DomainError(
            "NO_DATA", "give at least one of inputs, target and predictions"
        )
    if body.inputs is not None:
        _check_inputs(task, body.inputs)

    model_ids = {model.id for model in task_models(session, task)}
    predictions = body.predictions or []
    for model_id, _ in predictions:
        if model_id not in model_ids:
            raise not_found("model", model_id)
    uploads = _checked_uploads(
        session,
        task,
        StoringDataType.PRODUCTION,
        body.inputs,
        body.target,
        *(data for _, data in predictions),
    )
    return _queue(session, user, task, "production", body, uploads)


def add_target(session: Session, user: User, body: AddTarget) -> str:
    task = _ready_task(session, user, body.task_id)
    if task.task_type == TaskType.RAG.value:
        raise DomainError("TASK_HAS_NO_TARGET", "a RAG task has no target")
    uploads = _checked_uploads(session, task, StoringDataType.TASK_TARGET, body.data)
    return _queue(session, user, task, "task_target", body, uploads)


def set_model_reference(
    session: Session, user: User, body: SetModelReference
) -> str:
    model = model_for(session, user, body.model_id, Need.EDIT)
    if body.from_timestamp > body.to_timestamp:
        raise DomainError(
            "TIME_RANGE_INVALID", "from_timestamp is later than to_timestamp"
        )
    task = session.get(Task, model.task_id)
    job = jobs.submit(
        session,
        "reference",
        task.project_id,
        task.id,
        model.id,
        {
            "model_id": model.id,
            "model_version_id": current_version(session, model).id,
            "from_timestamp": body.from_timestamp,
            "to_timestamp": body.to_timestamp,
        },
        user_id=user.id,
    )
    session.commit()
    return job.id


def _ready_task(session: Session, user: User, task_id: str) -> Task:
    task = task_for(session, user, task_id, Need.EDIT)
    schema_of(session, task)
    return task


def _require_model(session: Session, task: Task) -> None:
    if not task_models(session, task):
        raise DomainError(
            "MODEL_MISSING",
            f"task {task.id} has no model yet; add one with create_model",
        )


def _check_inputs(task: Task, inputs: DataInfo) -> None:
    if inputs.data_structure.value != task.data_structure:
        raise DomainError(
            "DATA_STRUCTURE_MISMATCH",
            f"inputs are {inputs.data_structure.value} but the task expects "
            f"{task.data_structure}",
        )


def _checked_uploads(
    session: Session, task: Task, kind: StoringDataType, *data: DataInfo | None
) -> list[str]:
    """Each local source must be an upload of this task, received, of ``kind``.

    Returns the uploads' ids, for the job to claim (``received.claim``).
    """
    upload_ids = []
    sources = (getattr(info, field, None) for info in data for field in SOURCE_FIELDS)
    for source in sources:
        if isinstance(source, RemoteDataSourceInfo):
            check_remote(source)
            continue
        if not isinstance(source, LocalDataSourceInfo):
            continue
        upload_id = source.storing_process_id
        upload = session.get(Upload, upload_id)
        if upload is None or upload.task_id != task.id:
            raise not_found("storing process", upload_id)
        if not ensure_received(session, upload):
            raise DomainError(
                "UPLOAD_NOT_RECEIVED",
                f"the file of storing process {upload_id} was never uploaded",
            )
        if upload.params.get("storing_data_type") != kind.value:
            raise DomainError(
                "UPLOAD_KIND_MISMATCH",
                f"storing process {upload_id} was announced for "
                f"{upload.params.get('storing_data_type')} data, not {kind.value}",
            )
        upload_ids.append(upload_id)
    return upload_ids


def _queue(
    session: Session, user: User, task: Task, group: str, body, uploads: list[str]
) -> str:
    payload = {"body": body.model_dump(mode="json")}
    job = jobs.submit(
        session, group, task.project_id, task.id, None, payload, user_id=user.id
    )
    # A refusal here rolls the job back with the request's session.
    claim(session, uploads, job)
    session.commit()
    return job.id


def check_remote(source: RemoteDataSourceInfo) -> None:
    """A remote path must name an object of its store (protocol §3.4 leaves
    this to the server); whether it exists, and whether the credentials
    open it, is for the job to find out."""
    try:
        parse_location(source.data_source_type, source.remote_path)
    except RemoteSourceError as error:
        raise DomainError("REMOTE_PATH_INVALID", error.message) from None
