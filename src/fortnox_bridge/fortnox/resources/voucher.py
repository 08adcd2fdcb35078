"""``/3/vouchers``: series, number and financial year identify a voucher (numbers start again in
each year). Vouchers are created, listed and read, never changed or deleted: a correction is a
new voucher."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fortnox_bridge.fortnox.models.base import FortnoxModel, MetaInformation
from fortnox_bridge.fortnox.models.voucher import Voucher, VoucherListItem
from fortnox_bridge.fortnox.resources.base import Page, Resource, describe


def _year(financial_year: int | None) -> dict[str, Any] | None:
    return None if financial_year is None else {"financialyear": str(financial_year)}


def _parts(
    record_id: str | int, number: int | None, financial_year: int | None
) -> tuple[str, int, int | None]:
    """Series, number and year from ``get``'s arguments (one key or series and number)."""
    if number is not None:
        return str(record_id), int(number), financial_year
    parts = str(record_id).split("/")
    if len(parts) == 3:
        return parts[1], int(parts[2]), int(parts[0])
    if len(parts) == 2:
        return parts[0], int(parts[1]), financial_year
    raise ValueError(f"a voucher is named by series and number, got {record_id!r}")


class VoucherResource(Resource[Voucher, VoucherListItem]):
    """Voucher operations; ``list_page(financialyear=...)`` lists one year."""

    description = describe("voucher")
    model = Voucher
    list_model = VoucherListItem

    async def get(
        self,
        record_id: str | int,
        number: int | None = None,
        *,
        financial_year: int | None = None,
    ) -> Voucher:
        """One voucher with its rows: ``get("A", 7)``, in the current financial year or
        ``financial_year``; or by one key, ``get("A/7")`` or ``get("2/A/7")`` (see :meth:`key`)."""
        self._require("get")
        series, number, financial_year = _parts(record_id, number, financial_year)
        path = f"{self.description.path}/{quote(series, safe='')}/{number}"
        return self._parse(await self._client.request("GET", path, params=_year(financial_year)))

    @staticmethod
    def key(voucher: Voucher | VoucherListItem) -> str:
        """One text that identifies a voucher: ``"<year id>/<series>/<number>"``."""
        return f"{voucher.year}/{voucher.voucher_series}/{voucher.voucher_number}"

    async def create(
        self, record: Mapping[str, Any] | FortnoxModel, *, financial_year: int | None = None
    ) -> Voucher:
        """Book a voucher; Fortnox gives it the next number of its series in that year."""
        self._require("create")
        body = {str(self.description.single_key): self._body(record, blank_none=False)}
        data = await self._client.request(
            "POST", self.description.path, params=_year(financial_year), body=body
        )
        return self._parse(data)

    async def sublist(
        self,
        series: str | None = None,
        *,
        financial_year: int | None = None,
        page: int = 1,
        limit: int = 100,
        newest_first: bool = False,
    ) -> Page[VoucherListItem]:
        """One page of the vouchers of one series (or of every series) in one financial year;
        ``newest_first`` sorts by number, highest first (``limit=1``: the last voucher)."""
        path = f"{self.description.path}/sublist"
        if series is not None:
            path += f"/{quote(series, safe='')}"
        params = {"page": str(page), "limit": str(limit), **(_year(financial_year) or {})}
        if newest_first:
            params.update(sortby="vouchernumber", sortorder="descending")
        data = await self._client.request("GET", path, params=params)
        rows = data.get(str(self.description.list_key), [])
        return Page(
            [VoucherListItem.model_validate(row) for row in rows],
            MetaInformation.model_validate(data["MetaInformation"]),
        )
