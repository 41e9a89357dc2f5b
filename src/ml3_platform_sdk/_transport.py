"""Requests to the platform and the mapping of its answers (protocol §1).

:class:`ApiConnection` is the only place that talks HTTP. It builds each
request the way the published client does (path under ``/sdk/v1``, query
parameters without ``None``, compact JSON bodies with no Content-Type), logs
one line per request and turns every non-200 answer into an exception of the
tree in :mod:`.exceptions`.
"""

import json
import logging
import time
from collections.abc import Iterable, Mapping
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from ml3_platform_sdk import __version__
from ml3_platform_sdk.exceptions import (
    InvalidResponseException,
    SDKClientException,
    TransportException,
)

logger = logging.getLogger("ml3_platform_sdk")

API_PREFIX = "/sdk/v1"
USER_AGENT = f"ml3-platform-sdk/{__version__} httpx/{httpx.__version__}"

T = TypeVar("T")

# Fallbacks when an error answer carries no usable body; the codes are the
# published client's (protocol §1.6).
_UNAUTHORIZED = ("UNAUTHORIZED", "Unauthorized")
_INTERNAL_ERROR = ("INTERNAL_ERROR", "Internal error")


def query_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs in the given order: ``None`` left out, enums as their
    value and booleans spelt ``True``/``False`` as Python prints them."""
    pairs = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        pairs.append((key, str(value)))
    return pairs


def error_from_response(
    response: httpx.Response, error: type[SDKClientException]
) -> SDKClientException:
    """The exception for a non-200 answer.

    The platform sends ``{"error_code", "error_message"}`` with every error.
    401 and 5xx are not the call's fault, so they raise the base class; any
    other status raises the call's own exception class.
    """
    status = response.status_code
    body = _error_body(response)
    if status == 401:
        error, fallback = SDKClientException, _UNAUTHORIZED
    elif status >= 500:
        error, fallback = SDKClientException, _INTERNAL_ERROR
    else:
        fallback = ("UNEXPECTED", f"Unexpected answer from the platform: HTTP {status}")
    code, message = body or fallback
    return error(code, message, status_code=status)


def _error_body(response: httpx.Response) -> tuple[str, str] | None:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    code, message = body.get("error_code"), body.get("error_message")
    if isinstance(code, str) and isinstance(message, str):
        return code, message
    return None


@cache
def _adapter(shape: Any) -> TypeAdapter:
    return TypeAdapter(shape)


def parse(response: httpx.Response, shape: type[T] | Any) -> T:
    """The 200 body validated as ``shape`` (a model or any pydantic type)."""
    try:
        return _adapter(shape).validate_json(response.content)
    except ValidationError as exc:
        raise InvalidResponseException(
            "INVALID_RESPONSE",
            f"{response.request.method} {response.request.url.path} answered a "
            f"body that is not a valid {_shape_name(shape)}: {exc.error_count()} "
            "error(s)",
            status_code=response.status_code,
        ) from exc


def parse_json(response: httpx.Response) -> Any:
    """The 200 body as plain JSON."""
    try:
        return json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidResponseException(
            "INVALID_RESPONSE",
            f"{response.request.method} {response.request.url.path} answered a "
            "body that is not JSON",
            status_code=response.status_code,
        ) from exc


def parse_id(response: httpx.Response) -> str:
    """The 200 body as a bare JSON string, the way ids come back (§1.7)."""
    return parse(response, str)


def _shape_name(shape: Any) -> str:
    return getattr(shape, "__name__", None) or str(shape)


class ApiConnection:
    """One connection pool to one platform, authenticated by one API key."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | None = 60,
    ) -> None:
        # The published client joins without slash handling, which gives
        # `//sdk/v1` for a url with a trailing slash; we send the clean path.
        self.base_url = url.rstrip("/") + API_PREFIX
        self._api_key = api_key
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: BaseModel | None = None,
        error: type[SDKClientException] = SDKClientException,
    ) -> httpx.Response:
        """Send one API request and return its 200 answer.

        GET requests carry their parameters in the query and no body; other
        methods carry ``body`` as compact JSON, or an empty body (§1.3).
        """
        headers = {"X-Api-Key": self._api_key}
        content = None
        if method != "GET":
            content = b"" if body is None else body.model_dump_json().encode()
            # httpx leaves the header out of an empty DELETE; send it always.
            headers["Content-Length"] = str(len(content))
        request = self._http.build_request(
            method,
            self.base_url + path,
            params=query_params(params) if params else None,
            content=content,
            headers=headers,
        )
        response = self._send(request)
        if response.status_code != 200:
            raise error_from_response(response, error)
        return response

    def upload(
        self, url: str, content: Iterable[bytes], headers: Mapping[str, str]
    ) -> httpx.Response:
        """POST a prepared multipart body to a presigned URL.

        No API key (the URL and its fields carry the authorisation) and no
        timeout, since a large file can take any time (protocol §3.3).
        """
        request = self._http.build_request(
            "POST", url, content=content, headers=headers, timeout=None
        )
        # The URL may hold a token: log where it goes, not the URL itself.
        where = f"{request.url.scheme}://{request.url.netloc.decode()} (upload)"
        return self._send(request, where)

    def _send(self, request: httpx.Request, where: str = "") -> httpx.Response:
        where = where or str(request.url)
        started = time.perf_counter()
        try:
            response = self._http.send(request)
        except httpx.HTTPError as exc:
            logger.debug("%s %s failed: %s", request.method, where, exc)
            raise TransportException(
                "CONNECTION_ERROR", f"{request.method} {where} failed: {exc!r}"
            ) from exc
        # httpx itself logs each request at INFO; ours adds the timing.
        logger.debug(
            "%s %s -> %d (%.0f ms)",
            request.method,
            where,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response
