"""Detection events."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, SessionDep
from ml3_platform.services import events
from ml3_platform_sdk.models import DetectionEvent

router = APIRouter(tags=["detection events"])


@router.get("/task/{task_id}/sdk-detection-events")
def list_detection_events(
    session: SessionDep, user: CurrentUser, task_id: str
) -> list[DetectionEvent]:
    """A task's detection events, oldest first."""
    return events.list_events(session, user, task_id)
