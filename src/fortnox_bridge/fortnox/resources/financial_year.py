"""``/3/financialyears``: list, get, create; find the year that covers a date."""

from __future__ import annotations

from datetime import date

from fortnox_bridge.fortnox.models.financial_year import FinancialYear
from fortnox_bridge.fortnox.resources.base import Resource, describe


class FinancialYearResource(Resource[FinancialYear, FinancialYear]):
    """Financial year operations."""

    description = describe("financial_year")
    model = FinancialYear
    list_model = FinancialYear

    async def for_date(self, day: date) -> FinancialYear | None:
        """The financial year that covers ``day``, or ``None``.

         The parameter is ``date`` in lower case; the documented ``Date`` does not work
        .
        """
        page = await self.list_page(search={"date": day.isoformat()})
        return page.items[0] if page.items else None
