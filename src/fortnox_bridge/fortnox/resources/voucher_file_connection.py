"""``/3/voucherfileconnections``: a file of the archive connected to a voucher, by the file's
archive ``Id`` (``FileId``) and the voucher's series and number (one voucher per file).

Fortnox fills in the read-only ``VoucherDescription`` and ``VoucherYear`` (the financial year's
``Id``) and also sends the file's ``Name``, which the OpenAPI document does not declare: the model
keeps it as an unknown field, :func:`file_name` reads it. A connection to a voucher of another
year than the current one names the year (``financial_year``). Lists narrow by
``voucheryear`` (a year's ``Id``), ``voucherseries``, ``vouchernumber`` and
``voucherdescription``: ``for_year`` lists one year's connections.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fortnox_bridge.fortnox.models.voucher_file_connection import VoucherFileConnection
from fortnox_bridge.fortnox.resources.base import Resource, describe


def file_name(connection: VoucherFileConnection) -> str | None:
    """The connected file's ``Name`` (an undeclared field Fortnox sends)."""
    extra: dict[str, Any] = connection.model_extra or {}
    name = extra.get("Name")
    return str(name) if name not in (None, "") else None


class VoucherFileConnectionResource(Resource[VoucherFileConnection, VoucherFileConnection]):
    """Voucher file connections: list, get, create, delete (no update)."""

    description = describe("voucher_file_connection")
    model = VoucherFileConnection
    list_model = VoucherFileConnection

    async def connect(
        self,
        file_id: str,
        voucher_series: str,
        voucher_number: int | str,
        *,
        financial_year: int | None = None,
    ) -> VoucherFileConnection:
        """Connect the archive file ``file_id`` to a voucher of ``financial_year`` (its ``Id``;
        ``None``: the current year). Not idempotent: a second call is refused."""
        self._require("create")
        body = {
            str(self.description.single_key): {
                "FileId": file_id,
                "VoucherSeries": voucher_series,
                "VoucherNumber": str(voucher_number),
            }
        }
        params = {"financialyear": str(financial_year)} if financial_year is not None else None
        data = await self._client.request("POST", self.description.path, params=params, body=body)
        return self._parse(data)

    def for_year(self, financial_year: int, **search: Any) -> AsyncIterator[VoucherFileConnection]:
        """Every connection to a voucher of ``financial_year`` (more ``search`` parameters:
        ``voucherseries``, ``vouchernumber``, ``voucherdescription``)."""
        return self.iterate(search={"voucheryear": financial_year, **search})
