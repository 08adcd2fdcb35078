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
        data = await self._raw(method, path, **kwargs)
        assert isinstance(data, dict)
        return data

    async def _call_list(self, method: str, path: str, **kwargs: Any) -> list[dict[str, Any]]:
        data = await self._raw(method, path, **kwargs)
        assert isinstance(data, list)
        return data

    async def _raw(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise SandboxControlError(
                f"cannot reach the sandbox at {self._http.base_url}: {exc}; "
                "start it with 'fortnox-bridge sandbox' or check the URL"
            ) from exc
        if response.is_error:
            raise SandboxControlError(f"{method} {path} → {response.status_code}: {response.text}")
        return response.json()

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

    async def create_app(
        self, redirect_uris: list[str] | None = None, scopes: list[str] | None = None
    ) -> dict[str, Any]:
        """``POST /_sandbox/apps``: a developer app with its client id and secret."""
        body: dict[str, Any] = {"redirect_uris": redirect_uris or []}
        if scopes is not None:
            body["scopes"] = scopes
        return await self._call("POST", "/_sandbox/apps", json=body)

    async def clock(self) -> dict[str, Any]:
        """``GET /_sandbox/clock``."""
        return await self._call("GET", "/_sandbox/clock")

    async def set_clock(
        self, *, now: str | None = None, advance_seconds: float | None = None
    ) -> dict[str, Any]:
        """``POST /_sandbox/clock`` with either ``now`` (ISO 8601) or ``advance_seconds``."""
        body = {"now": now} if now is not None else {"advance_seconds": advance_seconds}
        return await self._call("POST", "/_sandbox/clock", json=body)

    async def add_fault(self, kind: str, **fields: Any) -> dict[str, Any]:
        """``POST /_sandbox/faults`` (``count``, ``probability``, ``status``, ``seconds``, ...)."""
        return await self._call("POST", "/_sandbox/faults", json={"kind": kind, **fields})

    async def faults(self) -> list[dict[str, Any]]:
        """``GET /_sandbox/faults``."""
        return await self._call_list("GET", "/_sandbox/faults")

    async def clear_faults(self) -> dict[str, Any]:
        """``DELETE /_sandbox/faults``."""
        return await self._call("DELETE", "/_sandbox/faults")

    async def set_rate_limit(
        self, requests: int | None = None, seconds: float | None = None, *, enabled: bool = True
    ) -> dict[str, Any]:
        """``PUT /_sandbox/rate-limit``."""
        body: dict[str, Any] = {"enabled": enabled}
        if requests is not None:
            body["requests"] = requests
        if seconds is not None:
            body["seconds"] = seconds
        return await self._call("PUT", "/_sandbox/rate-limit", json=body)

    async def requests(
        self, tenant_id: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """``GET /_sandbox/requests``: the newest ``limit`` requests, oldest first."""
        params: dict[str, Any] = {"limit": limit}
        if tenant_id is not None:
            params["tenant_id"] = tenant_id
        return await self._call_list("GET", "/_sandbox/requests", params=params)

    async def company_settings(self, tenant_id: int, **settings: Any) -> dict[str, Any]:
        """``PUT /_sandbox/companies/{tenant_id}/settings`` (``locked_period_end``, ``licences``,
        ``noright_fields``, ``api_licence``); without arguments, read them."""
        path = f"/_sandbox/companies/{tenant_id}/settings"
        if not settings:
            return await self._call("GET", path)
        return await self._call("PUT", path, json=settings)

    async def amend_voucher(
        self,
        tenant_id: int,
        voucher: str,
        *,
        set_rows: dict[int, dict[str, Any]] | None = None,
        add_rows: list[dict[str, Any]] | None = None,
        remove_rows: list[int] | None = None,
    ) -> dict[str, Any]:
        """``PATCH /_sandbox/companies/{tenant_id}/vouchers/...``: change a booked voucher as a
        person does in Fortnox's screens; ``voucher`` is ``"<year id>/<series>/<number>"``."""
        body: dict[str, Any] = {
            "set": {str(index): fields for index, fields in (set_rows or {}).items()},
            "add_rows": add_rows or [],
            "remove_rows": remove_rows or [],
        }
        return await self._call(
            "PATCH", f"/_sandbox/companies/{tenant_id}/vouchers/{voucher}", json=body
        )

    async def cancel_voucher(self, tenant_id: int, voucher: str) -> dict[str, Any]:
        """``DELETE /_sandbox/companies/{tenant_id}/vouchers/...``: the voucher disappears."""
        return await self._call("DELETE", f"/_sandbox/companies/{tenant_id}/vouchers/{voucher}")

    async def seed_vouchers(
        self,
        tenant_id: int,
        vouchers: list[dict[str, Any]],
        *,
        financial_year: int | None = None,
    ) -> list[str]:
        """``POST /_sandbox/companies/{tenant_id}/vouchers``: book many vouchers (the wire fields
        of ``POST /3/vouchers``) in one call, through Fortnox's rules, all or nothing; without
        ``financial_year`` (a year's ``Id``) each goes into the year of its date. Returns their
        keys ``"<year id>/<series>/<number>"`` in the order given."""
        body: dict[str, Any] = {"vouchers": vouchers}
        if financial_year is not None:
            body["financial_year"] = financial_year
        path = f"/_sandbox/companies/{tenant_id}/vouchers"
        answer = await self._call("POST", path, json=body)
        return list(answer["vouchers"])

    async def connect_voucher_files(
        self, tenant_id: int, files: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """``POST /_sandbox/companies/{tenant_id}/voucher-files``: archive files connected to
        vouchers in one call; each item ``{"voucher": "<year id>/<series>/<number>", "name"?,
        "content"?: base64, "file_id"?: an archive Id}``. Returns ``{"FileId", "voucher",
        "Name"}`` of each."""
        path = f"/_sandbox/companies/{tenant_id}/voucher-files"
        answer = await self._call("POST", path, json={"files": files})
        return list(answer["connected"])

    async def topic_events(
        self, topic: str | None = None, *, tenant_id: int | None = None
    ) -> list[dict[str, Any]]:
        """``GET /_sandbox/topics/events``: the kept WebSocket events, oldest first, as the
        stream sends them."""
        params: dict[str, Any] = {}
        if topic is not None:
            params["topic"] = topic
        if tenant_id is not None:
            params["tenant_id"] = tenant_id
        return await self._call_list("GET", "/_sandbox/topics/events", params=params)

    async def publish_event(
        self, tenant_id: int, topic: str, type_: str, entity_id: str, **extra: Any
    ) -> dict[str, Any]:
        """``POST /_sandbox/topics/events``: publish one event no write makes (offers, ...)."""
        body = {"tenant_id": tenant_id, "topic": topic, "type": type_, "entity_id": entity_id,
                "extra": extra}  # fmt: skip
        return await self._call("POST", "/_sandbox/topics/events", json=body)

    async def duplicate_events(self, count: int = 1) -> dict[str, Any]:
        """``POST /_sandbox/topics/faults``: each of the next ``count`` events is sent twice."""
        return await self._call(
            "POST", "/_sandbox/topics/faults", json={"kind": "duplicate", "count": count}
        )

    async def drop_connections(self, after: int | None = None) -> dict[str, Any]:
        """``POST /_sandbox/topics/faults``: close the topics connection that sends the
        ``after``-th next event, or (without ``after``) every open one now."""
        body: dict[str, Any] = {"kind": "drop"}
        if after is not None:
            body["after"] = after
        return await self._call("POST", "/_sandbox/topics/faults", json=body)

    async def topic_faults(self) -> dict[str, Any]:
        """``GET /_sandbox/topics/faults``: armed faults and open connections."""
        return await self._call("GET", "/_sandbox/topics/faults")

    async def clear_topic_faults(self) -> dict[str, Any]:
        """``DELETE /_sandbox/topics/faults``."""
        return await self._call("DELETE", "/_sandbox/topics/faults")
