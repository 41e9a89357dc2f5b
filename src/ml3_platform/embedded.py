"""The real platform in a background thread: for the demo and for tests.

    with EmbeddedPlatform() as platform:
        client = ML3PlatformClient(platform.url, platform.api_key)

It serves on a free loopback port with its own settings (a temporary home
unless one is given), and creates a first user whose key it exposes.
"""

import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Self

import uvicorn

from ml3_platform.api import create_app
from ml3_platform.db.session import make_engine, make_sessionmaker
from ml3_platform.services.users import create_user
from ml3_platform.settings import Settings

STARTUP_TIMEOUT = 60.0


class EmbeddedPlatform:
    def __init__(
        self,
        home: Path | None = None,
        database_url: str | None = None,
        handler_modules: tuple[str, ...] = (),
        **settings: Any,
    ) -> None:
        self._home = home
        self._database_url = database_url
        self._handler_modules = handler_modules
        self._overrides = settings
        self._temporary: tempfile.TemporaryDirectory | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.settings: Settings | None = None
        self.url = ""
        self.api_key = ""

    def __enter__(self) -> Self:
        home = self._home
        if home is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="ml3-")
            home = Path(self._temporary.name)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.settings = Settings(
            home=home,
            database_url=self._database_url or "",
            host="127.0.0.1",
            port=port,
            public_url=self.url,
            **self._overrides,
        )
        app = create_app(self.settings, self._handler_modules)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, name="ml3-embedded", daemon=True
        )
        self._thread.start()
        self._wait_started()
        self.api_key = self.create_user("owner")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._temporary is not None:
            self._temporary.cleanup()

    def create_user(self, username: str) -> str:
        """Add a user with no company, as ``ml3 user create`` does; its key."""
        engine = make_engine(self.settings)
        try:
            with make_sessionmaker(engine)() as session:
                return create_user(session, username)
        finally:
            engine.dispose()

    def _wait_started(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the embedded platform failed to start")
            if time.monotonic() > deadline:
                raise TimeoutError("the embedded platform did not start in time")
            time.sleep(0.02)


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
