"""Listing jobs with the names of what they belong to (protocol §2.9)."""

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ml3_platform.db.tables import Job, Model, Project, Task, User
from ml3_platform.services.access import visible_project_ids
from ml3_platform_sdk import models
from ml3_platform_sdk.enums import JobStatus


class JobFilter(BaseModel):
    """The query of ``GET /job``; the filters combine with AND."""

    project_id: str | None = None
    task_id: str | None = None
    model_id: str | None = None
    status: JobStatus | None = None
    job_id: str | None = None


def list_jobs(session: Session, user: User, where: JobFilter) -> list[models.Job]:
    if user.company_id is None:
        return []
    query = (
        select(Job, Project.name, Task.name, Model.name)
        .join(Project, Project.id == Job.project_id)
        .outerjoin(Task, Task.id == Job.task_id)
        .outerjoin(Model, Model.id == Job.model_id)
        .where(Job.project_id.in_(visible_project_ids(user)))
        .order_by(Job.seq)
    )
    for column, value in (
        (Job.project_id, where.project_id),
        (Job.task_id, where.task_id),
        (Job.model_id, where.model_id),
        (Job.status, where.status and where.status.value),
        (Job.id, where.job_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return [
        models.Job(
            job_id=job.id,
            job_group=job.job_group,
            project_id=job.project_id,
            project_name=project_name,
            # KPI jobs have no task; the client still needs strings.
            task_id=job.task_id or "",
            task_name=task_name or "",
            model_id=job.model_id,
            model_name=model_name,
            status=job.status,
            error=job.error,
        )
        for job, project_name, task_name, model_name in session.execute(query)
    ]
