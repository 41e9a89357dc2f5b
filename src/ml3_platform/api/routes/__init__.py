"""One router per resource; ``api_router`` holds those under ``/sdk/v1``.

Every route of ``api_router`` is checked against its line in
``ml3_platform.auth.permissions.ROUTE_PERMISSIONS`` before its handler runs.
"""

from fastapi import APIRouter, Depends

from ml3_platform.api.routes import (
    api_keys,
    company,
    data,
    data_schema,
    events,
    integrations,
    jobs,
    kpis,
    models,
    projects,
    retrain_triggers,
    tasks,
    users,
)
from ml3_platform.api.routes import rules  # detection event rules
from ml3_platform.api.routes import retraining
from ml3_platform.auth.permissions import enforce_permission

api_router = APIRouter(dependencies=[Depends(enforce_permission)])
for module in (
    company,
    projects,
    tasks,
    data_schema,
    models,
    data,
    jobs,
    events,
    integrations,
    kpis,
    users,
    api_keys,
    retrain_triggers,
    retraining,
):
    api_router.include_router(module.router)
# Detection event rules (protocol §2.10).
api_router.include_router(rules.router)
