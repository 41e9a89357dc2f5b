"""For operators, outside ``/sdk/v1`` and without an API key: health, metrics.

Both say nothing about tenants' data: counts of jobs by status and group,
and whether the database, the store and the queue answer.
"""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ml3_platform.observability import health, metrics

router = APIRouter(tags=["operations"])


@router.get("/health")
async def get_health(request: Request) -> JSONResponse:
    """200 when the database, the store and the queue answer; else 503."""
    state = request.app.state
    healthy, report = await run_in_threadpool(
        health.check, state.sessions, state.store, state.settings
    )
    return JSONResponse(report, status_code=200 if healthy else 503)


@router.get("/metrics")
async def get_metrics(request: Request) -> Response:
    """Prometheus exposition of this API (all its processes) and the queue."""
    body, content_type = await run_in_threadpool(
        metrics.render, request.app.state.sessions
    )
    return Response(body, media_type=content_type)
