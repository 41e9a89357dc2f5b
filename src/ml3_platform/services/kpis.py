"""KPIs: business series of a project, each with a status (decisions "KPIs").

A KPI file is uploaded through ``GET /data/presigned-url`` with
``storing_data_type=kpi``, ``project_id`` and ``kpi_id``, or named in the
customer's store (S3, GCS, Azure Blob) as task data are; then
``POST /data/kpi`` queues a ``kpi`` job (``ml3_platform.pipeline.kpi``) that
reads, validates, stores and monitors it. KPI jobs run one at a time per KPI.
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform import jobs
from ml3_platform.db.tables import Kpi, Upload, User
from ml3_platform.services.access import Need, project_for
from ml3_platform.services.common import as_utc, check_name
from ml3_platform.services.data import check_remote
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform.services.received import claim, ensure_received
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import AddKPIData, CreateKPI
from ml3_platform_sdk.models import (
    LocalDataSourceInfo,
    RemoteDataSourceInfo,
    TabularDataInfo,
)

KPI_JOB = "kpi"


def kpi_for(session: Session, user: User, kpi_id: str, need: Need = Need.VIEW) -> Kpi:
    """A KPI the caller may use; another company's reads as unknown."""
    kpi = session.get(Kpi, kpi_id)
    if kpi is None:
        raise not_found("kpi", kpi_id)
    try:
        project_for(session, user, kpi.project_id, need)
    except DomainError as error:
        if error.code == "PROJECT_NOT_FOUND":
            raise not_found("kpi", kpi_id) from None
        raise
    return kpi


def to_wire(kpi: Kpi) -> models.KPI:
    start = kpi.status_start_ts
    return models.KPI(
        kpi_id=kpi.id,
        name=kpi.name,
        status=kpi.status,
        status_kpi_start_timestamp=(
            None if start is None else datetime.fromtimestamp(start, UTC)
        ),
        status_insert_datetime=as_utc(kpi.status_at),
    )


def create_kpi(session: Session, user: User, body: CreateKPI) -> str:
    project = project_for(session, user, body.project_id, Need.EDIT)
    check_name("KPI_NAME_INVALID", "KPI", body.name)
    taken = session.scalar(
        select(Kpi.id).where(Kpi.project_id == project.id, Kpi.name == body.name)
    )
    if taken is not None:
        raise DomainError(
            "KPI_ALREADY_EXISTS", f"a KPI named {body.name!r} already exists"
        )
    kpi = Kpi(project_id=project.id, name=body.name)
    session.add(kpi)
    session.commit()
    return kpi.id


def get_kpi(session: Session, user: User, kpi_id: str) -> models.KPI:
    return to_wire(kpi_for(session, user, kpi_id))


def list_kpis(session: Session, user: User, project_id: str) -> list[models.KPI]:
    project = project_for(session, user, project_id)
    query = (
        select(Kpi)
        .where(Kpi.project_id == project.id)
        .order_by(Kpi.created_at, Kpi.id)
    )
    return [to_wire(kpi) for kpi in session.scalars(query)]


def add_kpi_data(session: Session, user: User, body: AddKPIData) -> str:
    kpi = kpi_for(session, user, body.kpi_id, Need.EDIT)
    data = body.kpi
    if not isinstance(data, TabularDataInfo):
        raise DomainError(
            "KPI_DATA_NOT_TABULAR",
            f"KPI data are a table (CSV, JSON or Parquet), not "
            f"{data.data_structure.value} data",
        )
    payload, uploads = {"kpi_id": kpi.id}, []
    if isinstance(data.source, RemoteDataSourceInfo):
        check_remote(data.source)
        payload["source"] = data.source.model_dump(mode="json")
    else:
        upload = _received_upload(session, kpi, data.source)
        payload["upload_id"], uploads = upload.id, [upload.id]

    job = jobs.submit(
        session,
        KPI_JOB,
        kpi.project_id,
        None,
        None,
        payload,
        user_id=user.id,
        kpi_id=kpi.id,
    )
    claim(session, uploads, job)
    session.commit()
    return job.id


def _received_upload(
    session: Session, kpi: Kpi, source: LocalDataSourceInfo
) -> Upload:
    upload_id = source.storing_process_id
    upload = session.get(Upload, upload_id)
    if upload is None or upload.kpi_id != kpi.id:
        raise not_found("storing process", upload_id)
    if not ensure_received(session, upload):
        raise DomainError(
            "UPLOAD_NOT_RECEIVED",
            f"the file of storing process {upload_id} was never uploaded",
        )
    return upload


def kpi_upload_scope(
    session: Session, user: User, project_id: str | None, kpi_id: str | None
) -> Kpi:
    """The KPI a ``storing_data_type=kpi`` upload is announced for."""
    if project_id is None or kpi_id is None:
        raise DomainError(
            "INVALID_REQUEST", "a KPI upload needs a project_id and a kpi_id"
        )
    kpi = kpi_for(session, user, kpi_id, Need.EDIT)
    if kpi.project_id != project_id:
        raise not_found("kpi", kpi_id)
    return kpi

