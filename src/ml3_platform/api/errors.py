"""Every error becomes ``{"error_code", "error_message"}``, here and only here.

Expected failures (``DomainError``) and malformed requests answer 400, a
missing or bad key 401 (protocol §1.6); anything else is a real fault: 500.
"""

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ml3_platform.services.errors import AuthError, DomainError


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error_code": code, "error_message": message}, status_code=status
    )


def describe(errors: Iterable[dict[str, Any]]) -> str:
    """Pydantic's errors as one line that names each field."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
        for error in errors
    )


async def _domain_error(_request: Request, error: DomainError) -> JSONResponse:
    status = 401 if isinstance(error, AuthError) else 400
    return error_response(status, error.code, error.message)


async def _invalid_request(
    _request: Request, error: RequestValidationError
) -> JSONResponse:
    return error_response(400, "INVALID_REQUEST", describe(error.errors()))


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    # Unknown routes and methods: keep the status, give the usual body.
    if error.status_code != 404:
        return error_response(error.status_code, "HTTP_ERROR", str(error.detail))
    # An empty id or name in a path, or one with a "/", also lands here: the
    # path tells the caller which.
    return error_response(
        404, "NOT_FOUND", f"no endpoint {request.method} {request.url.path}"
    )


async def _internal_error(_request: Request, _error: Exception) -> JSONResponse:
    # Starlette re-raises the error after this answer, so the server logs
    # the traceback once; uvicorn then drops the connection, which the
    # client must know so that its next call does not meet a reset socket.
    response = error_response(500, "INTERNAL_ERROR", "internal server error")
    response.headers["Connection"] = "close"
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
