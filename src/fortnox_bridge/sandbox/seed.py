"""Seeds for new sandbox companies.

Every company starts as a new Fortnox company does: a BAS chart of accounts, the standard terms of
payment and units, the default price list ``A`` and a financial year for the current calendar
year (``empty``). ``demo`` adds a plausible small Swedish company: last year's financial year
too, company details, cost centres, projects, two employees with schedules (Astrid Lindqvist
and Nils Bergström, ids 1 and 2), customers, articles, expense codes, the voucher series A, B
and D and a few of last year's vouchers in them (some rows on the projects).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fortnox_bridge.sandbox import seed_data
from fortnox_bridge.sandbox.company import Company

SEEDS = ("empty", "demo")
EPOCH_STAMP = "1970-01-01 00:00:00"


def apply_seed(company: Company, seed: str, *, today: date | None = None) -> None:
    """Fill ``company`` with the registers of ``seed`` (dates relative to ``today``).

    A company's starting records are where it begins, not changes: they publish no events on
    the WebSocket topics."""
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; choose one of {', '.join(SEEDS)}")
    with company.quiet():
        _seed(company, seed, today or date(2026, 1, 1))


def _seed(company: Company, seed: str, today: date) -> None:
    if seed == "demo":
        _put(company, "financialyears", "Id", [_year(today.year - 1, 1), _year(today.year, 2)])
    else:
        _put(company, "financialyears", "Id", [_year(today.year, 1)])
    _put(company, "accounts", "Number", seed_data.ACCOUNTS)
    _put(company, "termsofpayments", "Code", seed_data.TERMS_OF_PAYMENT)
    _put(company, "units", "Code", seed_data.UNITS)
    _put(company, "pricelists", "Code", seed_data.PRICE_LISTS)
    company.profile = {"Name": company.name, **seed_data.EMPTY_PROFILE}
    if seed == "demo":
        _demo(company)
        _vouchers(company, today.year - 1, year_id=1)


def _demo(company: Company) -> None:
    company.profile = {**company.profile, **seed_data.DEMO_PROFILE}
    _put(company, "costcenters", "Code", seed_data.COST_CENTERS)
    _put(company, "projects", "ProjectNumber", seed_data.PROJECTS)
    _put(company, "employees", "EmployeeId", seed_data.EMPLOYEES)
    _put(company, "customers", "CustomerNumber", seed_data.CUSTOMERS)
    _put(company, "articles", "ArticleNumber", seed_data.ARTICLES)
    _put(company, "expenses", "Code", seed_data.EXPENSES)
    _put(company, "voucherseries", "Code", seed_data.VOUCHER_SERIES)


def _vouchers(company: Company, year: int, *, year_id: int) -> None:
    """Last year's demo vouchers, stored as the voucher rules store them (keyed by year, series
    and number), with each series' counter moved past them."""
    vouchers = company.register("vouchers")
    for voucher in seed_data.demo_vouchers(year):
        series, number = voucher["VoucherSeries"], voucher["VoucherNumber"]
        vouchers.put(f"{year_id}/{series}/{number}", {**voucher, "Year": year_id}, EPOCH_STAMP)
        counter = company.register(f"vouchers-{series}-{year_id}")
        counter.next_number = max(counter.next_number, number + 1)
        counter.series_dirty = True


def _year(year: int, year_id: int) -> dict[str, Any]:
    return {
        "Id": year_id,
        "FromDate": f"{year}-01-01",
        "ToDate": f"{year}-12-31",
        "AccountChartType": "BAS 2024",
        "AccountingMethod": "ACCRUAL",
    }


def _put(company: Company, register: str, id_field: str, rows: Any) -> None:
    target = company.register(register)
    for row in rows:
        target.put(str(row[id_field]), dict(row), EPOCH_STAMP)
    numbers = [int(k) for k in target.records if k.isdigit()]
    target.next_number = max(numbers, default=0) + 1
