"""``/3/accounts``: the chart of accounts. Each financial year has its own chart: every call takes
``financial_year`` (the year's ``Id``); without it Fortnox uses the current year."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fortnox_bridge.fortnox.models.account import AccountListItem, AccountSingleItem
from fortnox_bridge.fortnox.models.base import FortnoxModel
from fortnox_bridge.fortnox.resources.base import Resource, describe


def _year(financial_year: int | None) -> dict[str, Any] | None:
    return None if financial_year is None else {"financialyear": str(financial_year)}


class AccountResource(Resource[AccountSingleItem, AccountListItem]):
    """Account operations, in the current financial year or the one named."""

    description = describe("account")
    model = AccountSingleItem
    list_model = AccountListItem

    async def get(
        self, record_id: str | int, *, financial_year: int | None = None
    ) -> AccountSingleItem:
        """One account by its number."""
        self._require("get")
        path = self._path(record_id)
        return self._parse(await self._client.request("GET", path, params=_year(financial_year)))

    async def create(
        self, record: Mapping[str, Any] | FortnoxModel, *, financial_year: int | None = None
    ) -> AccountSingleItem:
        """Add an account to the chart of the current year or of ``financial_year``."""
        self._require("create")
        body = {str(self.description.single_key): self._body(record, blank_none=False)}
        data = await self._client.request(
            "POST", self.description.path, params=_year(financial_year), body=body
        )
        return self._parse(data)

    async def update(
        self,
        record_id: str | int,
        changes: Mapping[str, Any] | FortnoxModel,
        *,
        financial_year: int | None = None,
    ) -> AccountSingleItem:
        """Partial update; the number itself never changes."""
        self._require("update")
        body = {str(self.description.single_key): self._body(changes, blank_none=True)}
        data = await self._client.request(
            "PUT", self._path(record_id), params=_year(financial_year), body=body
        )
        return self._parse(data)

    async def delete(self, record_id: str | int, *, financial_year: int | None = None) -> None:
        """Remove an account from the chart of the current year (or ``financial_year``)."""
        self._require("delete")
        await self._client.request("DELETE", self._path(record_id), params=_year(financial_year))
