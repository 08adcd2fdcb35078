"""A small async client of the sandbox control API, for the demo, tests and benchmarks."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx


class SandboxControlError(Exception):
    """The control API answered with an error."""


class SandboxControl:
    """Talks to ``/_sandbox/...`` of a sandbox, in-process (ASGI transport) or over HTTP."""

    def __init__(self, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=30.0)

    async def __aenter__(self) -> SandboxControl:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise SandboxControlError(
                f"cannot reach the sandbox at {self._http.base_url}: {exc}; "
                "start it with 'fortnox-bridge sandbox' or check the URL"
            ) from exc
        if response.is_error:
            raise SandboxControlError(f"{method} {path} → {response.status_code}: {response.text}")
        data = response.json()
        assert isinstance(data, dict)
        return data

    async def create_company(
        self, name: str, *, seed: str = "empty", licences: list[str] | None = None
    ) -> dict[str, Any]:
        """``POST /_sandbox/companies``."""
        body: dict[str, Any] = {"name": name, "seed": seed}
        if licences is not None:
            body["licences"] = licences
        return await self._call("POST", "/_sandbox/companies", json=body)

    async def company_exists(self, tenant_id: int) -> bool:
        """Whether the sandbox has a company with ``tenant_id``."""
        response = await self._http.get(f"/_sandbox/companies/{tenant_id}")
        return response.status_code == 200

    async def issue_tokens(self, tenant_id: int, scopes: list[str]) -> dict[str, Any]:
        """``POST /_sandbox/companies/{tenant_id}/tokens``."""
        return await self._call(
            "POST", f"/_sandbox/companies/{tenant_id}/tokens", json={"scopes": scopes}
        )

    async def stats(self, tenant_id: int | None = None) -> dict[str, Any]:
        """``GET /_sandbox/stats``."""
        params = {"tenant_id": tenant_id} if tenant_id is not None else None
        return await self._call("GET", "/_sandbox/stats", params=params)

    async def reset(self) -> dict[str, Any]:
        """``POST /_sandbox/reset``."""
        return await self._call("POST", "/_sandbox/reset")
