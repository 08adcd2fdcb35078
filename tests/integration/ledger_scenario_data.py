"""The ledger scenario's company (see ``test_ledger_scenario.py``): the sandbox's demo company
(financial years 2025, id 1, and 2026, id 2; series A, B and D; cost centres ADM, SALJ, PROD;
projects 1 and 2) with 500 vouchers over the two years and three series, and 40 documents
connected to vouchers of all three kinds — and, computed from the sandbox's own vouchers, never
from the bridge, what the bridge must hold: the totals per account of each year.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl

#: The demo company's years: (Fortnox id, first day).
YEARS = {1: dt.date(2025, 1, 1), 2: dt.date(2026, 1, 1)}
SERIES = ("A", "B", "D")
#: The vouchers of the company, the demo's own five of 2025 included.
VOUCHERS = 500
#: Documents connected: (series, how many) per year.
DOCUMENTS = {1: {"A": 6, "B": 7, "D": 7}, 2: {"A": 6, "B": 7, "D": 7}}
#: (debit account, credit account, cost centre, project) by series.
_SHAPES = {
    "A": ((6110, 1930, "ADM", None), (6570, 1930, None, None), (5010, 1930, "PROD", "1")),
    "B": ((1510, 3001, "SALJ", None), (1510, 3041, "SALJ", "2")),
    "D": ((4010, 2440, "PROD", "1"), (6550, 2440, "ADM", "2")),
}


def _rows(series: str, index: int) -> list[dict[str, Any]]:
    debit, credit, centre, project = _SHAPES[series][index % len(_SHAPES[series])]
    amount = Decimal(100 + (index * 37) % 9000) + Decimal(index % 100) / 100
    vat = (amount / 4).quantize(Decimal("0.01"))
    first: dict[str, Any] = {
        "Account": debit, "Debit": float(amount), "Credit": 0, "Removed": False,
        "TransactionInformation": f"rad {index}",
    }  # fmt: skip
    if centre:
        first["CostCenter"] = centre
    if project:
        first["Project"] = project
    vat_account = 2640 if series != "B" else 2610
    vat_row = {"Account": vat_account, "Debit": float(vat), "Credit": 0, "Removed": False}
    if series == "B":
        vat_row = {"Account": vat_account, "Debit": 0, "Credit": float(vat), "Removed": False}
        first["Debit"] = float(amount + vat + vat)
    total = Decimal(str(first["Debit"])) + (vat if series != "B" else -vat)
    last = {"Account": credit, "Debit": 0, "Credit": float(total), "Removed": False}
    return [first, vat_row, last]


async def seed_vouchers(control: SandboxControl, state: SandboxState, company: int) -> None:
    """Book the scenario's vouchers through the sandbox's seeding call (Fortnox's rules for
    ``POST /3/vouchers``, one request), up to :data:`VOUCHERS` with the demo's."""
    held = len(state.companies[company].register("vouchers").records)
    for year_id in YEARS:
        vouchers = []
        for index in range(held + year_id - 1, VOUCHERS, 2):
            series = SERIES[index % 3]
            day = YEARS[year_id] + dt.timedelta(days=index % 180)
            vouchers.append(
                {"VoucherSeries": series, "TransactionDate": day.isoformat(),
                 "Description": f"Verifikation {index}", "VoucherRows": _rows(series, index)}
            )  # fmt: skip
        await control.seed_vouchers(company, vouchers, financial_year=year_id)


def pdf(label: str) -> bytes:
    """A small PDF named after the voucher it belongs to."""
    return b"%PDF-1.4\n% underlag " + label.encode() + b"\n%%EOF\n"


async def connect_documents(control: SandboxControl, company: int) -> dict[str, str]:
    """Connect the scenario's 40 documents; ``{file id: "year/series/number"}``."""
    files = [
        {"voucher": f"{year_id}/{series}/{number}",
         "name": f"underlag-{year_id}-{series}-{number}.pdf",
         "content": base64.b64encode(pdf(f"{year_id}/{series}/{number}")).decode()}
        for year_id, per_series in DOCUMENTS.items()
        for series, count in per_series.items()
        for number in range(1, count + 1)
    ]  # fmt: skip
    connected = await control.connect_voucher_files(company, files)
    return {str(item["FileId"]): str(item["voucher"]) for item in connected}


def totals(state: SandboxState, company: int, year_id: int) -> dict[str, Decimal]:
    """Debit minus credit per account of a year, from the sandbox's own vouchers (rows not
    removed)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for voucher in state.companies[company].register("vouchers").records.values():
        if int(voucher["Year"]) != year_id:
            continue
        for row in voucher["VoucherRows"]:
            if row.get("Removed"):
                continue
            amount = Decimal(str(row.get("Debit") or 0)) - Decimal(str(row.get("Credit") or 0))
            sums[str(row["Account"])] += amount
    return {account: value.quantize(Decimal("0.01")) for account, value in sums.items() if value}


def count(state: SandboxState, company: int, year_id: int) -> int:
    """The vouchers of a year in the sandbox."""
    records = state.companies[company].register("vouchers").records.values()
    return sum(1 for voucher in records if int(voucher["Year"]) == year_id)
