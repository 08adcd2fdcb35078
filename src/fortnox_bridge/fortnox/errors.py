"""Errors raised by the Fortnox client, classified by what the caller should do.

::

    FortnoxError                      root of everything this package raises
    ├── FortnoxTransportError         no HTTP answer (connect error, timeout): retry later
    └── FortnoxApiError               Fortnox answered with an error status
        ├── AuthenticationError       401: token expired/invalid → refresh or re-authenticate
        ├── PermissionDeniedError     403: scope or licence missing → ask the customer to fix it
        ├── NotFoundError             404: the record does not exist
        ├── ValidationError           400: Fortnox rejected the data → fix the record
        ├── RateLimitedError          429: over 25 requests / 5 s → retry later
        └── ServerError               5xx: Fortnox is failing → retry later

Every API error keeps the HTTP status, the Fortnox error code and the (mostly Swedish) message.
Fortnox sends three body shapes: ``{"ErrorInformation": {...}}`` with PascalCase *or* lower-case
keys (the casing varies per endpoint), ``{"message": "unauthorized"}`` for token problems, and
HTML for outages; :func:`parse_error_body` reads all of them.
"""

from __future__ import annotations

from typing import Any


class FortnoxError(Exception):
    """Root of every error raised by :mod:`fortnox_bridge.fortnox`."""


class FortnoxTransportError(FortnoxError):
    """The request got no HTTP answer (connection failed or timed out)."""


class FortnoxApiError(FortnoxError):
    """Fortnox answered with an error status."""

    retryable = False

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: int | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        where = f" ({method} {path})" if method else ""
        code_part = f" code {code}" if code is not None else ""
        super().__init__(f"Fortnox {status}{code_part}: {message}{where}")


class AuthenticationError(FortnoxApiError):
    """401: the access token is missing, expired or invalid."""


class PermissionDeniedError(FortnoxApiError):
    """403: the integration lacks a scope or a licence (codes 2000663, 2001101, 2001103)."""


class NotFoundError(FortnoxApiError):
    """404: the requested record does not exist."""


class ValidationError(FortnoxApiError):
    """400: Fortnox rejected the request data; fixing the record is needed."""


class RateLimitedError(FortnoxApiError):
    """429: the 25 requests per 5 seconds budget is used up."""

    retryable = True


class ServerError(FortnoxApiError):
    """5xx: Fortnox failed; the request can be tried again later."""

    retryable = True


_BY_STATUS: dict[int, type[FortnoxApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitedError,
}


def parse_error_body(body: Any, text: str) -> tuple[int | None, str]:
    """Return ``(code, message)`` from any of the error body shapes Fortnox sends."""
    if isinstance(body, dict):
        info = body.get("ErrorInformation")
        if isinstance(info, dict):
            raw_code = info.get("code", info.get("Code"))
            message = info.get("message", info.get("Message", ""))
            try:
                code = int(raw_code) if raw_code is not None else None
            except (TypeError, ValueError):
                code = None
            return code, str(message)
        if "error_description" in body or "error" in body:
            return None, str(body.get("error_description") or body.get("error"))
        if "message" in body:
            return None, str(body["message"])
    snippet = " ".join(text.split())[:200]
    return None, snippet or "empty response body"


def error_for_status(status: int, body: Any, text: str, method: str, path: str) -> FortnoxApiError:
    """Build the error class that matches ``status`` from a Fortnox error response."""
    code, message = parse_error_body(body, text)
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else FortnoxApiError)
    return cls(status, message, code=code, method=method, path=path)
