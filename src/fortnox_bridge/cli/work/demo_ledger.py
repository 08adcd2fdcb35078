"""The demo company's bookkeeping for the ledger family: two financial years (last year and
this one, as the sandbox's demo company has them) of vouchers in the series A (general), B
(customer invoices) and D (supplier invoices), with the documents behind them — the customer
and supplier invoices and a few receipts — connected to their vouchers.

Booked through the sandbox's control calls when the demo makes its company (the demo company's
own five vouchers of last year stay); the ledger family then reads both years and their
documents in the demo's cycle.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fortnox_bridge.services.demo import DemoLedger

#: Vouchers per year and series, and which of them carry a document (every B and D voucher,
#: and every fourth A voucher: a receipt).
PER_YEAR = {"A": 8, "B": 6, "D": 6}
#: (debit account, credit account, cost centre, text) by series; no row is put on a project,
#: so the projects family's voucher import leaves them alone.
_SHAPES: dict[str, tuple[tuple[int, int, str | None, str], ...]] = {
    "A": (
        (6110, 1930, "ADM", "Kontorsmateriel"),
        (6570, 1930, None, "Bankavgift"),
        (5010, 1930, "ADM", "Lokalhyra"),
        (6540, 1930, "SALJ", "IT-tjänster"),
    ),
    "B": ((1510, 3001, "SALJ", "Kundfaktura"), (1510, 3041, "PROD", "Kundfaktura tjänster")),
    "D": ((4010, 2440, "PROD", "Leverantörsfaktura material"), (6550, 2440, "ADM", "Konsult")),
}
_VAT = {"A": None, "B": 2610, "D": 2640}
_PARTIES = {
    "B": ("Bygg & Montage i Uppsala AB", "Lunds Fastigheter AB", "Karin Ek"),
    "D": ("Uppsala Betong AB", "Mälardalens Fönster AB", "Kontorsvaruhuset AB"),
}


def demo_ledger(today: dt.date) -> DemoLedger:
    """The vouchers of last year and of this year (dated up to ``today``), and their
    documents by index."""
    vouchers: list[dict[str, Any]] = []
    documents: list[tuple[int, str]] = []
    for year in (today.year - 1, today.year):
        first = dt.date(year, 1, 1)
        last = dt.date(year, 12, 31) if year < today.year else max(today, first)
        for series, count in PER_YEAR.items():
            for number in range(1, count + 1):
                index = len(vouchers)
                day = first + (last - first) * number // (count + 1)
                vouchers.append(_voucher(series, number, day))
                if series != "A" or number % 4 == 0:
                    documents.append((index, _file_name(series, number, year)))
    return DemoLedger(vouchers, documents)


def _voucher(series: str, number: int, day: dt.date) -> dict[str, Any]:
    debit, credit, centre, text = _SHAPES[series][number % len(_SHAPES[series])]
    party = _PARTIES.get(series, ("",))[number % len(_PARTIES.get(series, ("",)))]
    amount = Decimal(400 + (number * 1375) % 24000)
    rows: list[dict[str, Any]] = []
    vat_account = _VAT[series]
    vat = (amount / 4).quantize(Decimal("0.01"))
    if series == "B":  # the customer owes the amount and its VAT; sales and VAT credited
        rows.append(_row(debit, amount + vat, 0, None))
        rows.append(_row(credit, 0, amount, centre))
        rows.append(_row(vat_account, 0, vat, None))
    elif series == "D":  # cost and input VAT debited; the supplier is owed both
        rows.append(_row(debit, amount, 0, centre))
        rows.append(_row(vat_account, vat, 0, None))
        rows.append(_row(credit, 0, amount + vat, None))
    else:
        rows.append(_row(debit, amount, 0, centre))
        rows.append(_row(credit, 0, amount, None))
    return {
        "VoucherSeries": series,
        "TransactionDate": day.isoformat(),
        "Description": f"{text} {party}".strip(),
        "VoucherRows": rows,
    }


def _row(
    account: int | None, debit: Decimal | int, credit: Decimal | int, centre: str | None
) -> dict[str, Any]:
    row: dict[str, Any] = {"Account": account, "Debit": float(debit), "Credit": float(credit)}
    if centre:
        row["CostCenter"] = centre
    return row


def _file_name(series: str, number: int, year: int) -> str:
    kind = {"A": "Kvitto", "B": "Kundfaktura", "D": "Leverantörsfaktura"}[series]
    return f"{kind} {year}-{series}{number}.pdf"
