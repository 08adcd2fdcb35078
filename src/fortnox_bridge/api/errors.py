"""Field-level error answers of the host API: one ``422`` shape for every invalid request.

Whatever found the problem — FastAPI's request validation, a record model, a Fortnox limit, a
unique field or the ``Idempotency-Key`` header — the answer is::

    422 {"error": "validation_failed", "detail": "2 fields are invalid ($.email, $.phone); ...",
         "errors": [{"path": "$.email", "message": "...", "type": "value_error"}, ...]}

Paths into the JSON body are JSON paths starting at ``$`` (``$.records[3].data.email``); query,
path and header parameters are ``query.limit``, ``path.external_id``, ``header.idempotency-key``.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fortnox_bridge.services.errors import InvalidInput, ServiceError, status_of
from fortnox_bridge.services.issues import (
    FieldIssue,
    RecordRejected,
    error_message,
    json_path,
    pydantic_issues,
    summary,
)

__all__ = [
    "UNREADABLE_BODY",
    "FieldIssue",
    "RecordRejected",
    "install_error_handlers",
    "json_path",
    "pydantic_issues",
    "request_path",
    "service_answer",
    "summary",
    "validation_answer",
]

_SOURCES = {"query", "path", "header", "cookie"}
#: Methods that change nothing: their 422 does not say "nothing was stored".
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
#: FastAPI's words for a JSON body it could not decode as text.
_UNPARSABLE = "There was an error parsing the body"
#: The ``400 bad_request`` of a body that is not UTF-8 text (the API guide quotes it).
UNREADABLE_BODY = (
    "the request body is not UTF-8 text: send JSON encoded as UTF-8 (check the client's "
    "encoding of non-ASCII characters such as å, ä and ö)"
)
#: Codes of the errors Starlette and FastAPI raise themselves (a body that is not UTF-8, an
#: unknown path, a method the path does not have).
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
}


def request_path(location: Sequence[str | int], error_type: str) -> str:
    """Where a FastAPI request error is: ``$...`` in the body, ``query.limit`` elsewhere."""
    if not location:
        return "$"
    source, rest = location[0], list(location[1:])
    if source == "body":
        # A body that is not JSON at all is located by a character offset: the body is wrong.
        return "$" if error_type == "json_invalid" else json_path(rest)
    if source in _SOURCES and rest:
        return f"{source}.{str(rest[0]).lower() if source == 'header' else rest[0]}" + (
            json_path(rest[1:], root="")
        )
    return json_path(location)


def validation_answer(issues: Sequence[FieldIssue], *, write: bool = True) -> JSONResponse:
    """The ``422`` answer for ``issues`` (``write``: of a request that would change something)."""
    return JSONResponse(
        {
            "error": "validation_failed",
            "detail": summary(issues, write=write),
            "errors": [issue.to_dict() for issue in issues],
        },
        status_code=422,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer request validation errors and rejected records with the field-level ``422``, and
    the framework's own errors (unknown path, unreadable body) in the ``{error, detail}`` shape."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _invalid_request(request, exc)

    @app.exception_handler(ServiceError)
    async def refused(request: Request, exc: ServiceError) -> JSONResponse:
        return service_answer(request, exc)

    @app.exception_handler(RecordRejected)
    async def rejected(request: Request, exc: RecordRejected) -> JSONResponse:
        return validation_answer(exc.issues)

    @app.exception_handler(StarletteHTTPException)
    async def framework_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The API's own errors are FastAPI HTTPExceptions with their handler; these come from
        # the framework (unknown path, unreadable body) and get the same shape.
        body = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {
                "error": _HTTP_CODES.get(exc.status_code, "error"),
                "detail": _framework_detail(request, exc),
            }
        )
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    issues = [
        FieldIssue(
            request_path(tuple(error.get("loc", ())), str(error.get("type", ""))),
            error_message(error),
            str(error.get("type", "invalid")),
        )
        for error in exc.errors()
    ]
    return validation_answer(issues, write=request.method not in _READS)


def service_answer(request: Request, exc: ServiceError) -> JSONResponse:
    """The answer to a refusal of a service: the field-level ``422`` for invalid input, else
    ``{"error": code, "detail": detail}`` with the status of its kind."""
    if isinstance(exc, InvalidInput):
        error = {"type": exc.code, "loc": exc.field, "msg": exc.detail, "input": exc.value}
        return _invalid_request(request, RequestValidationError([error]))
    return JSONResponse({"error": exc.code, "detail": exc.detail}, status_code=status_of(exc))


def _framework_detail(request: Request, exc: StarletteHTTPException) -> str:
    """What the framework's own refusals mean, in the API's words."""
    where = f"{request.method} {request.url.path}"
    if exc.status_code == 404:
        return f"there is no {where}: the routes are listed at /api/docs"
    if exc.status_code == 405:
        allowed = exc.headers.get("Allow", "") if exc.headers else ""
        return f"{where} is not allowed" + (f"; this path takes {allowed}" if allowed else "")
    if exc.status_code == 400 and exc.detail == _UNPARSABLE:
        return UNREADABLE_BODY
    return str(exc.detail)
