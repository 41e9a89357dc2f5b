"""Running the client in-process against an ASGI app, for tests.

httpx's own ``ASGITransport`` is async-only, while the client is sync.
:class:`ASGIAppTransport` runs the app on an event loop in a helper thread
and hands each request to it whole::

    from ml3_platform.api import create_app
    from ml3_platform_sdk.testing import ASGIAppTransport

    with ASGIAppTransport(create_app()) as transport:
        client = ML3PlatformClient("http://testserver", key, transport=transport)
        client.get_projects()

Every request goes to the app, whatever its host, so presigned upload URLs
that point at the app's own upload route work too. The app's lifespan runs
when the first request is sent (or on ``start()``) and ends on ``close()``,
as with Starlette's ``TestClient``; pass ``lifespan=False`` to skip it.
"""

from contextlib import ExitStack
from typing import Any

import anyio
import httpx
from anyio.abc import TaskStatus
from anyio.from_thread import start_blocking_portal


class ASGIAppTransport(httpx.BaseTransport):
    """A sync httpx transport that calls an ASGI application in-process."""

    def __init__(
        self,
        app: Any,
        *,
        lifespan: bool = True,
        client: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self._app = app
        self._lifespan = lifespan
        self._app_transport = httpx.ASGITransport(app=app, client=client)
        self._exit_stack: ExitStack | None = None
        self._portal: Any = None
        self._shutdown: anyio.Event | None = None
        self._lifespan_done: Any = None

    def start(self) -> None:
        """Start the event loop thread and the app's lifespan."""
        self._ensure_portal()

    def _ensure_portal(self) -> Any:
        if self._portal is None:
            self._exit_stack = ExitStack()
            self._portal = self._exit_stack.enter_context(start_blocking_portal())
            if self._lifespan:
                self._lifespan_done, _ = self._portal.start_task(self._run_lifespan)
        return self._portal

    async def _run_lifespan(self, *, task_status: TaskStatus) -> None:
        to_app, app_inbox = anyio.create_memory_object_stream(2)
        app_outbox, from_app = anyio.create_memory_object_stream(2)
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._shutdown = anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(self._app, scope, app_inbox.receive, app_outbox.send)
            await to_app.send({"type": "lifespan.startup"})
            message = await from_app.receive()
            if message["type"] != "lifespan.startup.complete":
                raise RuntimeError(f"app failed to start: {message.get('message')}")
            task_status.started()

            await self._shutdown.wait()
            await to_app.send({"type": "lifespan.shutdown"})
            await from_app.receive()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # Read a streamed body (file uploads) here, in the caller's thread.
        content = request.read()
        inner = httpx.Request(
            request.method, request.url, headers=request.headers, content=content
        )
        status, headers, body = self._ensure_portal().call(self._call_app, inner)
        return httpx.Response(status, headers=headers, content=body, request=request)

    async def _call_app(self, request: httpx.Request):
        response = await self._app_transport.handle_async_request(request)
        body = await response.aread()
        return response.status_code, response.headers.multi_items(), body

    def close(self) -> None:
        if self._exit_stack is None:
            return
        if self._lifespan_done is not None:
            self._portal.call(self._shutdown.set)
            self._lifespan_done.result()
        self._exit_stack.close()
        self._exit_stack = self._portal = self._lifespan_done = None
