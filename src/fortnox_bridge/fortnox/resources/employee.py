"""``/3/employees``: list, get, create, update. Fortnox has no DELETE for employees."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fortnox_bridge.fortnox.models import Employee, MetaInformation

if TYPE_CHECKING:
    from fortnox_bridge.fortnox.client import FortnoxClient

MAX_PAGE_SIZE = 500


class EmployeeResource:
    """Employee operations; reached as ``client.employees``."""

    path = "/3/employees"

    def __init__(self, client: FortnoxClient) -> None:
        self._client = client

    async def list_page(
        self, *, page: int = 1, limit: int = 100, filter: str | None = None
    ) -> tuple[list[Employee], MetaInformation]:
        """One page of the employee list (``limit`` ≤ 500)."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        params: dict[str, Any] = {"page": page, "limit": limit}
        if filter:
            params["filter"] = filter
        data = await self._client.request("GET", self.path, params=params)
        items = [Employee.model_validate(row) for row in data.get("Employees", [])]
        return items, MetaInformation.model_validate(data["MetaInformation"])

    async def iterate(
        self, *, limit: int = MAX_PAGE_SIZE, filter: str | None = None
    ) -> AsyncIterator[Employee]:
        """Every employee, page by page, until ``@CurrentPage`` reaches ``@TotalPages``."""
        page = 1
        while True:
            items, meta = await self.list_page(page=page, limit=limit, filter=filter)
            for item in items:
                yield item
            if meta.current_page >= meta.total_pages:
                return
            page += 1

    async def get(self, employee_id: str) -> Employee:
        """One employee by ``EmployeeId``."""
        data = await self._client.request("GET", f"{self.path}/{quote(employee_id, safe='')}")
        return Employee.model_validate(data["Employee"])

    async def create(self, fields: Mapping[str, Any]) -> Employee:
        """Create an employee from snake_case ``fields``; Fortnox assigns ``EmployeeId`` if none."""
        body = {"Employee": Employee.wire_fields(fields, blank_none=False)}
        data = await self._client.request("POST", self.path, body=body)
        return Employee.model_validate(data["Employee"])

    async def update(self, employee_id: str, changes: Mapping[str, Any]) -> Employee:
        """Partial update: only ``changes`` are sent; ``None`` blanks a field (``API_BLANK``)."""
        body = {"Employee": Employee.wire_fields(changes, blank_none=True)}
        data = await self._client.request(
            "PUT", f"{self.path}/{quote(employee_id, safe='')}", body=body
        )
        return Employee.model_validate(data["Employee"])
