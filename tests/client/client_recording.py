"""A recording transport: the client's wire seam.

``Recorder`` is an ``httpx.MockTransport`` handler that keeps every request
the client sends and answers canned responses, so tests can check the exact
bytes on the wire without a server.
"""

import json
from collections import defaultdict, deque
from collections.abc import Callable

import httpx

PREFIX = "/sdk/v1"
Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._answers: dict[tuple[str, str], deque[Answer]] = defaultdict(deque)

    def answer(
        self, method: str, path: str, body=None, *, status: int = 200, **kwargs
    ) -> None:
        """Queue an answer for ``method path`` (path under /sdk/v1, or an
        absolute URL path for uploads). The last queued answer repeats."""
        if callable(body):
            self._answers[method, path].append(body)
            return
        if "content" not in kwargs:
            kwargs["json"] = body
        self._answers[method, path].append(httpx.Response(status, **kwargs))

    def clear(self, method: str, path: str) -> None:
        self._answers.pop((method, path), None)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path
        key = (request.method, path.removeprefix(PREFIX))
        if key not in self._answers:
            key = (request.method, path)
        queue = self._answers.get(key)
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {path}")
        answer = queue.popleft() if len(queue) > 1 else queue[0]
        return answer(request) if callable(answer) else answer

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith(PREFIX)]


def wire(request: httpx.Request) -> tuple[str, str, bytes]:
    """Method, raw path with query, and body bytes of a request."""
    return request.method, request.url.raw_path.decode(), request.content


def body_json(request: httpx.Request):
    return json.loads(request.content)
