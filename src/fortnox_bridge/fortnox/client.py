"""The explicit Fortnox client object: one per (app, tenant) connection, no module globals.

Every request goes: rate limiter → auth (bearer; refresh before expiry; refresh and replay once on
401) → HTTP → error mapping → retry policy. Writes that may have reached Fortnox without an answer
raise :class:`OutcomeUnknown` and are never re-sent blindly.
"""

from __future__ import annotations

import json
import secrets
from types import TracebackType
from typing import Any

import httpx

from fortnox_bridge.fortnox.auth import FortnoxAuth, StaticTokenAuth, TokenManager
from fortnox_bridge.fortnox.errors import (
    FortnoxTransportError,
    OutcomeUnknown,
    ServerError,
    error_for_status,
)
from fortnox_bridge.fortnox.ratelimit import Limiter, NoLimiter
from fortnox_bridge.fortnox.resources import Resources
from fortnox_bridge.fortnox.retry import RetryPolicy

DEFAULT_API_URL = "https://api.fortnox.se"

#: HTTP methods that change data in Fortnox; counted separately for diff-only checks.
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
#: Methods safe to repeat after a lost answer. Action PUTs (bookkeep, createinvoice...) are not:
#: resources pass ``idempotent=False`` for them.
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE"})
# Failures that happen before the request left: nothing can have been applied.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


#: Seconds an idle connection is kept for reuse: below the 5 s after which many servers close
#: theirs, so a request is never sent on a connection the server is closing that instant (the
#: rate limiter often leaves connections idle for about 5 s, the length of Fortnox's window).
KEEPALIVE_EXPIRY = 4.0


class FortnoxClient(Resources):
    """Async client for the Fortnox REST API v3.

    Give either ``tokens`` (a :class:`TokenManager`: refreshes, single-flight) or a fixed
    ``access_token``. ``transport`` lets the same code talk to real Fortnox (default), a standalone
    sandbox over HTTP (``api_url="http://127.0.0.1:8100"``) or the sandbox in-process.
    ``limiter_key`` names the rate-limit budget, normally ``"<client id>:<tenant id>"``.
    """

    def __init__(
        self,
        *,
        access_token: str | None = None,
        tokens: TokenManager | None = None,
        api_url: str = DEFAULT_API_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: Limiter | None = None,
        limiter_key: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        if (access_token is None) == (tokens is None):
            raise ValueError("give exactly one of access_token or tokens")
        auth: httpx.Auth = FortnoxAuth(tokens) if tokens else StaticTokenAuth(str(access_token))
        self._http = httpx.AsyncClient(
            base_url=api_url,
            transport=transport,
            timeout=timeout,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY),
            auth=auth,
            headers={"Accept": "application/json", "Content-Type": "application/json"},
        )
        self.tokens = tokens
        self._limiter: Limiter = limiter or NoLimiter()
        self._limiter_key = limiter_key or (tokens.key if tokens else "default")
        self._retry = retry or RetryPolicy()
        self.requests_made = 0
        self.write_requests_made = 0
        super().__init__()

    async def __aenter__(self) -> FortnoxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying HTTP connections."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Send one request (with retries) and return the decoded JSON object."""
        response = await self.request_raw(
            method, path, params=params, body=body, idempotent=idempotent
        )
        decoded = _decode(response)
        return decoded if isinstance(decoded, dict) else {}

    async def request_raw(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """Send one request (with retries); return the successful response as it came.
        ``files``: a multipart body instead of JSON (``{"file": (name, content, type)}``)."""
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        async for attempt in self._retry.retrying():
            with attempt:
                return await self._once(method, path, params, body, safe, files)
        raise AssertionError("unreachable: the retry policy re-raises")  # pragma: no cover

    async def _once(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        safe: bool,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        # The place in the rate-limit window is held until the answer is in (see ratelimit).
        async with self._limiter.slot(self._limiter_key):
            self.requests_made += 1
            if method in WRITE_METHODS:
                self.write_requests_made += 1
            try:
                response = await self._http.request(
                    method, path, params=params, json=body, files=files, headers=_form(files)
                )
            except _NOT_SENT as exc:
                raise FortnoxTransportError(f"{method} {path}: {exc.__class__.__name__}") from exc
            except httpx.TransportError as exc:
                if not safe:
                    raise OutcomeUnknown(method, path, exc.__class__.__name__) from exc
                raise FortnoxTransportError(f"{method} {path}: {exc.__class__.__name__}") from exc
        if not response.is_error:
            return response
        error = error_for_status(
            response.status_code,
            _decode(response),
            response.text,
            method,
            path,
            retry_after=_retry_after(response),
        )
        # A 503 is refused before processing; other 5xx on a write may have been applied.
        if isinstance(error, ServerError) and not safe and response.status_code != 503:
            raise OutcomeUnknown(method, path, str(error)) from error
        raise error


def _form(files: dict[str, tuple[str, bytes, str]] | None) -> dict[str, str] | None:
    """The Content-Type of a multipart body (the client's default is JSON); httpx takes the
    boundary from it."""
    if not files:
        return None
    return {"Content-Type": f"multipart/form-data; boundary={secrets.token_hex(16)}"}


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None  # an HTTP date; Fortnox is not known to send one
