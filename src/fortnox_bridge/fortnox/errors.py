"""Errors raised by the Fortnox client, classified by what the caller should do.

::

    FortnoxError                        root of everything this package raises
    ├── FortnoxTransportError           no usable answer, nothing applied: retry later
    ├── OutcomeUnknown                  a write may or may not have been applied: look it up
    │                                   in Fortnox before writing again (never blindly retried)
    ├── UnsupportedOperation            Fortnox has no such operation on this resource
    ├── OAuthError                      the token endpoint refused
    │   ├── ReauthenticationRequired    invalid_grant: the customer must connect again
    │   └── InvalidClientError          invalid_client: wrong client id or secret
    └── FortnoxApiError                 Fortnox answered with an error status
        ├── AuthenticationError         401 after one refresh and replay
        ├── PermissionDeniedError       scope or licence missing: the customer must fix it
        │   ├── MissingLicenceError     2001103 (integration licence), 2001101 (module licence)
        │   └── MissingScopeError       2000663 (the consent lacks the scope)
        ├── NotFoundError               404
        ├── ValidationError             400: Fortnox rejected the data; fix the record
        │   ├── LockedPeriodError       the date is in a locked period
        │   └── MissingFinancialYearError  no financial year covers the date
        ├── RateLimitedError            429: over the budget; retried automatically
        └── ServerError                 5xx: retried automatically when safe

Every API error keeps the HTTP status, the Fortnox code and the Swedish message as sent, and adds an
English explanation and a fix (:mod:`.explanations`). Fortnox sends several body shapes:
``{"ErrorInformation": {...}}`` in PascalCase *or* lower-case keys (the casing varies per endpoint),
``{"message": "unauthorized"}`` for token problems, OAuth ``{"error", "error_description"}`` and
HTML during outages; :func:`parse_error_body` reads all of them. Tokens never appear in messages.
"""

from __future__ import annotations

from typing import Any

from fortnox_bridge.fortnox.explanations import explain

LICENCE_CODES = frozenset({2001101, 2001103})
SCOPE_CODES = frozenset({2000663})
# Fortnox documents no code for these two; the Swedish wording identifies them (§4.9).
LOCKED_PERIOD_WORDS = ("låst",)
FINANCIAL_YEAR_WORDS = ("inget räkenskapsår", "räkenskapsår saknas", "saknar räkenskapsår")


class FortnoxError(Exception):
    """Root of every error raised by :mod:`fortnox_bridge.fortnox`."""

    retryable = False


class FortnoxTransportError(FortnoxError):
    """No usable answer, and the request was not applied (or is safe to repeat)."""

    retryable = True


class OutcomeUnknown(FortnoxError):
    """A non-idempotent request (POST, action PUT) may have reached Fortnox, but no answer came.

    Retrying could create a duplicate; the caller must look the record up by its natural key.
    """

    def __init__(self, method: str, path: str, cause: str) -> None:
        self.method = method
        self.path = path
        self.cause = cause
        super().__init__(
            f"{method} {path}: {cause}; Fortnox may or may not have applied it — "
            "look the record up before writing again"
        )


class UnsupportedOperation(FortnoxError):
    """The resource has no such operation in the Fortnox API."""


class OAuthError(FortnoxError):
    """The Fortnox token endpoint refused a request."""

    def __init__(self, status: int, error: str, description: str) -> None:
        self.status = status
        self.error = error
        self.description = description
        super().__init__(f"Fortnox OAuth {status} {error}: {description}")


class ReauthenticationRequired(OAuthError):
    """``invalid_grant``: the refresh token was used, expired or revoked; connect again."""


class InvalidClientError(OAuthError):
    """``invalid_client``: the client id or secret is wrong."""


class FortnoxApiError(FortnoxError):
    """Fortnox answered with an error status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: int | None = None,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.retry_after = retry_after
        explained = explain(code, status)
        self.explanation = explained.explanation
        self.fix = explained.fix
        where = f" ({method} {path})" if method else ""
        code_part = f" code {code}" if code is not None else ""
        super().__init__(
            f"Fortnox {status}{code_part}: {message}{where} — {self.explanation} {self.fix}"
        )


class AuthenticationError(FortnoxApiError):
    """401: the access token is missing, expired or invalid (after one refresh and replay)."""


class PermissionDeniedError(FortnoxApiError):
    """The integration may not do this: a scope or a licence is missing."""


class MissingLicenceError(PermissionDeniedError):
    """2001103 (no integration licence) or 2001101 (no licence for the module)."""


class MissingScopeError(PermissionDeniedError):
    """2000663: the customer's consent does not include the scope."""


class NotFoundError(FortnoxApiError):
    """404: the requested record does not exist."""


class ValidationError(FortnoxApiError):
    """400: Fortnox rejected the request data; fixing the record is needed."""


class LockedPeriodError(ValidationError):
    """The date is on or before the locked period's end date."""


class MissingFinancialYearError(ValidationError):
    """No financial year covers the date written."""


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


def _classify(status: int, code: int | None, message: str) -> type[FortnoxApiError]:
    if code in LICENCE_CODES:
        return MissingLicenceError
    if code in SCOPE_CODES:
        return MissingScopeError
    lowered = message.lower()
    if status == 400 and any(word in lowered for word in LOCKED_PERIOD_WORDS):
        return LockedPeriodError
    if status == 400 and any(word in lowered for word in FINANCIAL_YEAR_WORDS):
        return MissingFinancialYearError
    return _BY_STATUS.get(status, ServerError if status >= 500 else FortnoxApiError)


def error_for_status(
    status: int,
    body: Any,
    text: str,
    method: str,
    path: str,
    *,
    retry_after: float | None = None,
) -> FortnoxApiError:
    """Build the error class that matches a Fortnox error response."""
    code, message = parse_error_body(body, text)
    cls = _classify(status, code, message)
    return cls(status, message, code=code, method=method, path=path, retry_after=retry_after)


def oauth_error(status: int, body: Any, text: str) -> OAuthError:
    """Build the error for a refused token-endpoint call."""
    error, description = "unknown_error", " ".join(text.split())[:200]
    if isinstance(body, dict):
        error = str(body.get("error", error))
        description = str(body.get("error_description", description))
    if error == "invalid_grant":
        return ReauthenticationRequired(status, error, description)
    if error == "invalid_client":
        return InvalidClientError(status, error, description)
    return OAuthError(status, error, description)
