"""Jobs."""

from typing import Annotated

from fastapi import APIRouter, Query

from ml3_platform.api.deps import CurrentUser, SessionDep
from ml3_platform.services import jobs
from ml3_platform.services.jobs import JobFilter
from ml3_platform_sdk.models import Job

router = APIRouter(tags=["jobs"])


@router.get("/job")
def list_jobs(
    session: SessionDep, user: CurrentUser, where: Annotated[JobFilter, Query()]
) -> list[Job]:
    """The caller's jobs, filtered by project, task, model, status or id."""
    return jobs.list_jobs(session, user, where)
