"""The explicit Fortnox client object: one per (app, tenant) connection, no module globals."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

import httpx

from fortnox_bridge.fortnox.errors import FortnoxTransportError, error_for_status
from fortnox_bridge.fortnox.resources.employee import EmployeeResource

DEFAULT_API_URL = "https://api.fortnox.se"

#: HTTP methods that change data in Fortnox; counted separately for diff-only checks.
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


class FortnoxClient:
    """Async client for the Fortnox REST API v3.

    ``transport`` lets the same code talk to real Fortnox (default), to a standalone sandbox over
    HTTP (``api_url="http://127.0.0.1:8100"``) or to the sandbox in-process
    (``transport=httpx.ASGITransport(app=sandbox_app)``).
    """

    def __init__(
        self,
        *,
        access_token: str,
        api_url: str = DEFAULT_API_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=api_url,
            transport=transport,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
        self.requests_made = 0
        self.write_requests_made = 0
        self.employees = EmployeeResource(self)

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
    ) -> dict[str, Any]:
        """Send one request and return the decoded JSON body; raise a typed error otherwise."""
        method = method.upper()
        self.requests_made += 1
        if method in WRITE_METHODS:
            self.write_requests_made += 1
        try:
            response = await self._http.request(method, path, params=params, json=body)
        except httpx.TransportError as exc:
            raise FortnoxTransportError(
                f"{method} {path}: {exc.__class__.__name__}: {exc}"
            ) from exc
        decoded = _decode(response)
        if response.is_error:
            raise error_for_status(response.status_code, decoded, response.text, method, path)
        return decoded if isinstance(decoded, dict) else {}


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
