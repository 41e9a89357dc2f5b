"""Real receivers on loopback: an HTTP webhook server and an SMTP server.

``WebhookReceiver`` answers each path by a script: ``/ok/...`` always 200,
``/flaky/...`` 503 twice and then 200, ``/down/...`` always 500,
``/status/<code>/...`` always ``<code>``. It keeps
every request it got, with what it answered.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from ml3_platform.embedded import free_port

SMTP_USER, SMTP_PASSWORD = "alerts", "s3cret"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict
    status: int


@dataclass
class WebhookReceiver:
    requests: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver._answer(self.path)
                with receiver._lock:
                    receiver.requests.append(
                        Request(self.path, dict(self.headers), json.loads(raw), status)
                    )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"no")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str) -> int:
        if path.startswith("/down/"):
            return 500
        if path.startswith("/status/"):
            return int(path.split("/")[2])
        if path.startswith("/flaky/"):
            with self._lock:
                earlier = sum(r.path == path for r in self.requests)
            return 503 if earlier < 2 else 200
        return 200

    def at(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]


class Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            message_from_bytes(envelope.original_content, policy=policy.default)
        )
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    good = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=good, handled=False)


class SmtpReceiver:
    """aiosmtpd on loopback that insists on the test's login."""

    def __init__(self) -> None:
        self.port = free_port()
        self._collector = Collector()
        self._controller = Controller(
            self._collector,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticate,
            auth_required=True,
            # Loopback only; TLS needs a certificate the platform trusts.
            auth_require_tls=False,
        )

    def start(self) -> "SmtpReceiver":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self._collector.messages)

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        return list(self._collector.envelopes)


def wait_until(condition, timeout: float = 30.0, what: str = "condition"):
    """Poll ``condition`` until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)
