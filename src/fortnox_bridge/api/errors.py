"""Field-level error answers of the host API: one ``422`` shape for every invalid request.

Whatever found the problem — FastAPI's request validation, a record model, a Fortnox limit, a
unique field or the ``Idempotency-Key`` header — the answer is::

    422 {"error": "validation_failed", "detail": "2 fields are invalid ($.email, $.phone); ...",
         "errors": [{"path": "$.email", "message": "...", "type": "value_error"}, ...]}

Paths into the JSON body are JSON paths starting at ``$`` (``$.records[3].data.email``); query,
path and header parameters are ``query.limit``, ``path.external_id``, ``header.idempotency-key``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
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


@dataclass(frozen=True)
class FieldIssue:
    """One invalid field: where (a JSON path or ``query.<name>``), what is wrong, a stable code."""

    path: str
    message: str
    type: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"path": self.path, "message": self.message, "type": self.type}

    def under(self, prefix: str) -> FieldIssue:
        """The same issue with its ``$`` replaced by ``prefix`` (``$.records[2].data``)."""
        return FieldIssue(prefix + self.path[1:], self.message, self.type)


class RecordRejected(Exception):
    """A request the API refuses with a ``422`` and field-level errors; nothing was stored."""

    def __init__(self, issues: Sequence[FieldIssue]) -> None:
        super().__init__(summary(issues))
        self.issues = list(issues)


def json_path(location: Iterable[str | int], root: str = "$") -> str:
    """``("email",)`` → ``$.email``; ``("records", 3, "data")`` → ``$.records[3].data``."""
    path = root
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.match(part):
            path += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            path += f'["{escaped}"]'
    return path


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


def pydantic_issues(exc: ValidationError, root: str = "$") -> list[FieldIssue]:
    """The errors of a model validation as issues under ``root``."""
    return [
        FieldIssue(json_path(error["loc"], root), _message(error), error["type"])
        for error in exc.errors(include_url=False)
    ]


def summary(issues: Sequence[FieldIssue], *, write: bool = True) -> str:
    """``2 fields are invalid ($.email, $.phone); nothing was stored: correct them ...``; a
    request that changes nothing (``write=False``: a ``GET``) does not speak of storing."""
    paths = list(dict.fromkeys(issue.path for issue in issues))
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    count = (
        f"{len(paths)} field is invalid" if len(paths) == 1 else f"{len(paths)} fields are invalid"
    )
    stored = "nothing was stored: " if write else ""
    return f"{count} ({shown}); {stored}correct the request and send it again"


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
        issues = [
            FieldIssue(
                request_path(tuple(error.get("loc", ())), str(error.get("type", ""))),
                _message(error),
                str(error.get("type", "invalid")),
            )
            for error in exc.errors()
        ]
        return validation_answer(issues, write=request.method not in _READS)

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


def _message(error: Any) -> str:
    message = str(error.get("msg", "invalid value"))
    # A model's own rule (a ValueError in a validator) already says everything.
    return message.removeprefix("Value error, ")
