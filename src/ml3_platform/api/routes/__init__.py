"""One router per resource; ``api_router`` holds those under ``/sdk/v1``."""

from fastapi import APIRouter

from ml3_platform.api.routes import (
    company,
    data,
    data_schema,
    events,
    jobs,
    models,
    projects,
    tasks,
)

api_router = APIRouter()
for module in (company, projects, tasks, data_schema, models, data, jobs, events):
    api_router.include_router(module.router)
