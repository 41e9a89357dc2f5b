"""The FastAPI application: the SDK API under ``/sdk/v1`` plus uploads."""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from ml3_platform import __version__
from ml3_platform.actions.worker import DeliveryWorker
from ml3_platform.api.errors import install_error_handlers
from ml3_platform.api.routes import api_router, upload
from ml3_platform.db.session import make_engine, make_sessionmaker, migrate
from ml3_platform.api.routes import operations
from ml3_platform.jobs import Executor
from ml3_platform.observability.metrics import RequestMetrics
from ml3_platform.settings import Settings, get_settings
from ml3_platform.storage import store_from_settings

PREFIX = "/sdk/v1"


def create_app(
    settings: Settings | None = None, handler_modules: Iterable[str] = ()
) -> FastAPI:
    """The platform's API; its lifespan migrates and runs the job executor.

    ``handler_modules`` are imported when the executor starts, for job
    handlers beyond the platform's own (tests register some this way).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(migrate, settings)
        engine = make_engine(settings)
        app.state.sessions = make_sessionmaker(engine, settings)
        app.state.store = store_from_settings(settings)
        # Scale-out: with the distributed queue, `ml3 worker` runs the jobs.
        executor = None
        if not settings.distributed:
            executor = Executor(
                app.state.sessions, app.state.store, settings, handler_modules
            )
            executor.start()
        # Rule actions are delivered beside the jobs, never inside them.
        deliveries = DeliveryWorker(app.state.sessions, settings)
        if settings.deliveries_in_process:
            deliveries.start()
        try:
            yield
        finally:
            await run_in_threadpool(deliveries.stop)
            if executor is not None:
                await run_in_threadpool(executor.stop)
            engine.dispose()

    app = FastAPI(title="ML3 Platform", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(api_router, prefix=PREFIX)
    app.include_router(upload.router)
    # Scale-out: health and metrics for operators.
    app.include_router(operations.router)
    app.add_middleware(RequestMetrics)
    app.add_middleware(CollapseLeadingSlashes)
    return app


class CollapseLeadingSlashes:
    """Serve ``//sdk/v1/...`` as ``/sdk/v1/...``.

    The published client joins its base URL and paths without care, so a
    base URL with a trailing slash doubles the slash (protocol §1.1).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("//"):
            path = "/" + scope["path"].lstrip("/")
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)
