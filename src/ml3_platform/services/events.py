"""Detection events of a task, oldest first."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import DetectionEvent, User
from ml3_platform.services.access import task_for
from ml3_platform.services.common import iso
from ml3_platform_sdk import models


def list_events(
    session: Session, user: User, task_id: str
) -> list[models.DetectionEvent]:
    task = task_for(session, user, task_id)
    events = session.scalars(
        select(DetectionEvent)
        .where(DetectionEvent.task_id == task.id)
        .order_by(
            DetectionEvent.created_at,
            DetectionEvent.job_id,
            DetectionEvent.seq_in_job,
        )
    )
    return [to_wire(event) for event in events]


def to_wire(event: DetectionEvent) -> models.DetectionEvent:
    return models.DetectionEvent(
        event_id=event.id,
        event_type=event.event_type,
        monitoring_target=event.target,
        monitoring_metric=event.metric,
        severity_type=event.severity,
        insert_datetime=iso(event.created_at),
        sample_timestamp=event.sample_ts,
        sample_id=event.sample_id,
        model_id=event.model_id,
        model_name=event.model_name,
        model_version=event.model_version,
        specification=event.specification or None,
    )
