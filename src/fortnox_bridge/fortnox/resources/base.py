"""What every resource shares: paths from the catalogue, paging, typed parsing, diff-only updates.

A resource module declares its catalogue entry and its two models (single record and list item);
the operations below refuse what Fortnox does not offer for that resource.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar, cast
from urllib.parse import quote

import httpx

from fortnox_bridge.fortnox.errors import UnsupportedOperation
from fortnox_bridge.fortnox.models.base import FortnoxModel, MetaInformation
from fortnox_bridge.fortnox.models.catalogue import CATALOGUE, ResourceDescription

M = TypeVar("M", bound=FortnoxModel)
L = TypeVar("L", bound=FortnoxModel)

MAX_PAGE_SIZE = 500


class Requester(Protocol):
    """What a resource needs from the client: send a request, get JSON or the raw response."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Send a request; return the decoded JSON object."""
        ...

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
        """Send a request; return the response as it came."""
        ...


def describe(module: str) -> ResourceDescription:
    """The catalogue entry of ``module`` (e.g. ``"customer"``)."""
    for description in CATALOGUE:
        if description.module == module:
            return description
    raise KeyError(f"no resource {module!r} in the catalogue")


@dataclass(frozen=True)
class Page(Generic[L]):
    """One page of a list, with Fortnox's paging information."""

    items: list[L]
    meta: MetaInformation


def _param(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class Resource(Generic[M, L]):
    """A Fortnox register or document type: list, get, create, update, delete, actions."""

    description: ResourceDescription
    model: type[FortnoxModel]
    list_model: type[FortnoxModel]

    def __init__(self, client: Requester) -> None:
        self._client = client

    def _require(self, operation: str) -> None:
        if operation not in self.description.operations:
            offered = ", ".join(self.description.operations)
            raise UnsupportedOperation(
                f"Fortnox offers no {operation} on {self.description.path} (it offers: {offered})"
            )

    def _path(self, record_id: str | int) -> str:
        return f"{self.description.path}/{quote(str(record_id), safe='')}"

    def _parse(self, data: dict[str, Any], key: str | None = None) -> M:
        payload = data[key or str(self.description.single_key)]
        return cast(M, self.model.model_validate(payload))

    async def list_page(
        self,
        *,
        page: int = 1,
        limit: int = 100,
        offset: int | None = None,
        filter: str | None = None,
        sortby: str | None = None,
        sortorder: str | None = None,
        lastmodified: datetime | date | str | None = None,
        financialyear: int | None = None,
        fromdate: date | str | None = None,
        todate: date | str | None = None,
        search: Mapping[str, Any] | None = None,
    ) -> Page[L]:
        """One page of the list. ``search`` holds resource search parameters (lower-case)."""
        self._require("list")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        given = {
            "page": page, "limit": limit, "offset": offset, "filter": filter, "sortby": sortby,
            "sortorder": sortorder, "lastmodified": lastmodified, "financialyear": financialyear,
            "fromdate": fromdate, "todate": todate, **(search or {}),
        }  # fmt: skip
        bad = [name for name in (search or {}) if name != name.lower()]
        if bad:
            raise ValueError(f"Fortnox search parameters are lower-case; got {bad}")
        params = {name: _param(value) for name, value in given.items() if value is not None}
        data = await self._client.request("GET", self.description.path, params=params)
        rows = data.get(str(self.description.list_key), [])
        items = [cast(L, self.list_model.model_validate(row)) for row in rows]
        return Page(items, MetaInformation.model_validate(data["MetaInformation"]))

    async def iterate(self, *, limit: int = MAX_PAGE_SIZE, **options: Any) -> AsyncIterator[L]:
        """Every record, page by page, until ``@CurrentPage`` reaches ``@TotalPages``."""
        page = 1
        while True:
            result = await self.list_page(page=page, limit=limit, **options)
            for item in result.items:
                yield item
            if result.meta.current_page >= result.meta.total_pages:
                return
            page += 1

    async def get(self, record_id: str | int) -> M:
        """One record by its id."""
        self._require("get")
        return self._parse(await self._client.request("GET", self._path(record_id)))

    async def create(self, record: Mapping[str, Any] | FortnoxModel) -> M:
        """Create a record from snake_case fields or a model; returns it as Fortnox stored it."""
        self._require("create")
        body = {str(self.description.single_key): self._body(record, blank_none=False)}
        return self._parse(await self._client.request("POST", self.description.path, body=body))

    async def update(self, record_id: str | int, changes: Mapping[str, Any] | FortnoxModel) -> M:
        """Partial update: only ``changes`` are sent; ``None`` blanks a field (``API_BLANK``)."""
        self._require("update")
        body = {str(self.description.single_key): self._body(changes, blank_none=True)}
        return self._parse(await self._client.request("PUT", self._path(record_id), body=body))

    async def update_changed(self, record_id: str | int, original: M, modified: M) -> M:
        """Send only the fields where ``modified`` differs from ``original``; none → no request."""
        changes = {
            name: getattr(modified, name)
            for name in type(modified).model_fields
            if name != "url" and getattr(original, name) != getattr(modified, name)
        }
        if not changes:
            return original
        return await self.update(record_id, changes)

    async def delete(self, record_id: str | int) -> None:
        """Delete a record."""
        self._require("delete")
        await self._client.request("DELETE", self._path(record_id))

    async def _action(self, record_id: str | int, action: str, *, key: str | None = None) -> Any:
        method = self.description.actions.get(action)
        if method is None:
            raise UnsupportedOperation(f"Fortnox offers no {action} on {self.description.path}")
        data = await self._client.request(
            method, f"{self._path(record_id)}/{action}", idempotent=method == "GET"
        )
        return data[key or str(self.description.single_key)]

    async def _binary(self, record_id: str | int, action: str) -> bytes:
        if action not in self.description.binary_actions:
            raise UnsupportedOperation(f"Fortnox offers no {action} on {self.description.path}")
        response = await self._client.request_raw("GET", f"{self._path(record_id)}/{action}")
        return response.content

    def _body(
        self, record: Mapping[str, Any] | FortnoxModel, *, blank_none: bool
    ) -> dict[str, Any]:
        if isinstance(record, FortnoxModel):
            return record.to_wire()
        return self.model.wire_fields(record, blank_none=blank_none)


class Singleton(Generic[M]):
    """A resource with one record per company (company information, settings, me)."""

    description: ResourceDescription
    model: type[FortnoxModel]

    def __init__(self, client: Requester) -> None:
        self._client = client

    async def get(self) -> M:
        """The record."""
        data = await self._client.request("GET", self.description.path)
        return cast(M, self.model.model_validate(data[str(self.description.single_key)]))
