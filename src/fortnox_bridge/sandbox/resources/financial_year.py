"""``/3/financialyears``: create, get, list (``?date=`` picks the year containing a date); years
may not overlap. Dated writes outside every year are refused (see ``registers.ops``)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.fiscal import FinancialYearRules

RESOURCE = ResourceSpec(
    module="financial_year",
    scope="bookkeeping",
    not_found=(2990106, "Kan inte hitta räkenskapsåret."),
    location="financialyears",
    id=IdRule("Id", kind="serial"),
    read_only=frozenset({"Id"}),
    defaults={"AccountChartType": "BAS 2024", "AccountingMethod": "ACCRUAL"},
    sort={"id": "Id", "fromdate": "FromDate", "todate": "ToDate"},
    rules=FinancialYearRules(),
)
