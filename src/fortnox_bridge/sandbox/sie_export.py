"""The SIE file of one financial year, written from a sandbox company's own registers.

Fortnox exports SIE types 1–4 (``GET /3/sie/{Type}?financialyear=<Id>``). The sandbox builds a
:class:`~fortnox_bridge.formats.sie.document.Document` from what the company holds and lets the
formats writer put it on the wire (CP437, ``#FORMAT PC8``, CRLF, as Fortnox sends SIE):

- every type: the company (``#FNR`` the database number, ``#ORGNR``, ``#ADRESS``, ``#FNAMN``),
  the year and the one before it if the company has it (``#RAR 0``/``#RAR -1``), ``#OMFATTN``,
  ``#KPTYP`` (the year's chart), the chart (``#KONTO``, ``#SRU``) and the
  year's balances: ``#IB`` (an account's ``BalanceBroughtForward``) and ``#UB`` for balance
  accounts (1000–2999), ``#RES`` for result accounts, both from the year's vouchers;
- type 2 and up: ``#PSALDO`` per month and account (no objects);
- type 3 and up: ``#DIM 1`` cost centres and ``#DIM 6`` projects with their ``#OBJEKT``;
- type 4: the year's vouchers (``#VER`` with ``#TRANS`` rows carrying ``{1 "<cost centre>"
  6 "<project>"}``, the row's ``TransactionInformation`` as text and its quantity). A row
  marked ``Removed`` (struck later in Fortnox's screens) is written as ``#BTRANS`` alone and a
  row added later as ``#RTRANS`` followed by its ``#TRANS`` copy, so the ``#TRANS`` rows are
  the voucher as it stands (SIE 4's trail of corrections).

Which records real Fortnox writes for each type, its ``#PROGRAM`` line and its ``#IB`` of a year
whose previous year is in Fortnox too, are the sandbox's reading, not recorded exchanges.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from fortnox_bridge.formats.sie import records as r
from fortnox_bridge.formats.sie.document import AccountInfo, Company, DimensionInfo, Document
from fortnox_bridge.formats.sie.writer import write_document
from fortnox_bridge.sandbox.company import Company as SandboxCompany
from fortnox_bridge.sandbox.control_vouchers import ADDED_LATER

Record = dict[str, Any]
SIE_TYPES = (1, 2, 3, 4)
COST_CENTRE_DIMENSION = 1
PROJECT_DIMENSION = 6
CENT = Decimal("0.01")
#: Balance accounts (assets, liabilities, equity) carry #IB/#UB; the rest #RES.
FIRST_RESULT_ACCOUNT = 3000


def export_sie(company: SandboxCompany, year: Record, sie_type: int, today: dt.date) -> bytes:
    """The SIE file of ``year`` of ``company`` (type ``sie_type``), as Fortnox's CP437 bytes."""
    document = build_document(company, year, sie_type, today)
    out = io.BytesIO()
    write_document(document, out)
    return out.getvalue()


def build_document(
    company: SandboxCompany, year: Record, sie_type: int, today: dt.date
) -> Document:
    """The :class:`Document` of ``year`` (see the module for what each type holds)."""
    start, end = _date(year["FromDate"]), _date(year["ToDate"])
    profile = company.profile
    document = Document(
        program=r.Program("Fortnox", "sandbox"),
        generated=r.Generated(today),
        sie_type=sie_type,
        company=Company(
            name=str(profile.get("Name") or company.name),
            org_number=str(profile.get("OrganizationNumber") or ""),
            company_id=str(company.tenant_id),
            address=_address(profile),
        ),
        financial_years=_years(company, year, start),
        coverage=end,
        chart_type=str(year.get("AccountChartType") or "") or None,
    )
    accounts = company.register("accounts").records
    for number in sorted(accounts, key=int):
        account = accounts[number]
        sru = str(account.get("SRU") or "")
        document.accounts[number] = AccountInfo(
            number, str(account.get("Description") or ""), sru=[sru] if sru and sru != "0" else []
        )
    vouchers = year_vouchers(company, year)
    document.balances = _balances(accounts, vouchers)
    if sie_type >= 2:
        document.period_balances = _period_balances(vouchers)
    if sie_type >= 3:
        _dimensions(company, document)
    if sie_type == 4:
        document.vouchers = [_voucher(voucher) for voucher in vouchers]
    return document


def year_vouchers(company: SandboxCompany, year: Record) -> list[Record]:
    """The vouchers booked in ``year``, by series and number."""
    prefix = f"{year['Id']}/"
    found = [v for key, v in company.register("vouchers").records.items() if key.startswith(prefix)]
    return sorted(found, key=lambda v: (str(v["VoucherSeries"]), int(v["VoucherNumber"])))


def row_amount(row: Record) -> Decimal:
    """A voucher row's signed amount: debit less credit, to the öre."""
    return (_decimal(row.get("Debit")) - _decimal(row.get("Credit"))).quantize(CENT)


def _years(company: SandboxCompany, year: Record, start: dt.date) -> list[r.FinancialYear]:
    years = [r.FinancialYear(0, start, _date(year["ToDate"]))]
    earlier = [
        other
        for other in company.register("financialyears").records.values()
        if _date(other["ToDate"]) < start
    ]
    if earlier:
        previous = max(earlier, key=lambda other: _date(other["ToDate"]))
        years.append(r.FinancialYear(-1, _date(previous["FromDate"]), _date(previous["ToDate"])))
    return years


def _address(profile: Record) -> r.Address | None:
    contact = " ".join(
        str(profile.get(key) or "") for key in ("ContactFirstName", "ContactLastName")
    ).strip()
    street = str(profile.get("Address") or "")
    postal = " ".join(str(profile.get(key) or "") for key in ("ZipCode", "City")).strip()
    phone = str(profile.get("Phone1") or "")
    if not (contact or street or postal or phone):
        return None
    return r.Address(contact, street, postal, phone)


def _balances(accounts: dict[str, Record], vouchers: list[Record]) -> list[r.Balance]:
    movement: dict[str, Decimal] = defaultdict(Decimal)
    for voucher in vouchers:
        for row in _live_rows(voucher):
            movement[str(row["Account"])] += row_amount(row)
    out: list[r.Balance] = []
    numbers = sorted(set(accounts) | set(movement), key=int)
    for number in numbers:
        moved = movement.get(number, Decimal(0))
        if int(number) < FIRST_RESULT_ACCOUNT:
            opening = _decimal(accounts.get(number, {}).get("BalanceBroughtForward"))
            if opening or moved:
                out.append(r.Balance("IB", 0, number, opening.quantize(CENT)))
                out.append(r.Balance("UB", 0, number, (opening + moved).quantize(CENT)))
        elif moved:
            out.append(r.Balance("RES", 0, number, moved))
    return out


def _period_balances(vouchers: list[Record]) -> list[r.PeriodBalance]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for voucher in vouchers:
        period = str(voucher["TransactionDate"])[:7].replace("-", "")
        for row in _live_rows(voucher):
            sums[period, str(row["Account"])] += row_amount(row)
    return [
        r.PeriodBalance("PSALDO", 0, period, account, (), amount)
        for (period, account), amount in sorted(sums.items(), key=lambda i: (i[0][0], int(i[0][1])))
    ]


def _dimensions(company: SandboxCompany, document: Document) -> None:
    document.dimensions[COST_CENTRE_DIMENSION] = DimensionInfo(
        COST_CENTRE_DIMENSION, "Kostnadsställe"
    )
    document.dimensions[PROJECT_DIMENSION] = DimensionInfo(PROJECT_DIMENSION, "Projekt")
    for code, centre in sorted(company.register("costcenters").records.items()):
        document.objects[COST_CENTRE_DIMENSION, code] = str(centre.get("Description") or "")
    for number, project in sorted(company.register("projects").records.items()):
        document.objects[PROJECT_DIMENSION, number] = str(project.get("Description") or "")


def _voucher(voucher: Record) -> r.Voucher:
    rows: list[r.VoucherRow] = []
    for stored in voucher.get("VoucherRows") or ():
        row = _row(stored)
        if stored.get(ADDED_LATER) and row.kind == "TRANS":
            rows.append(row._replace(kind="RTRANS"))
        rows.append(row)
    return r.Voucher(
        str(voucher["VoucherSeries"]),
        str(voucher["VoucherNumber"]),
        _date(voucher["TransactionDate"]),
        str(voucher.get("Description") or ""),
        rows=tuple(rows),
    )


def _row(row: Record) -> r.VoucherRow:
    objects: list[tuple[int, str]] = []
    if row.get("CostCenter") not in (None, ""):
        objects.append((COST_CENTRE_DIMENSION, str(row["CostCenter"])))
    if row.get("Project") not in (None, ""):
        objects.append((PROJECT_DIMENSION, str(row["Project"])))
    quantity = _decimal(row.get("Quantity"))
    return r.VoucherRow(
        "BTRANS" if row.get("Removed") else "TRANS",
        str(row["Account"]),
        tuple(objects),
        row_amount(row),
        text=str(row.get("TransactionInformation") or ""),
        quantity=quantity if quantity else None,
    )


def _live_rows(voucher: Record) -> Iterable[Record]:
    return (row for row in voucher.get("VoucherRows") or () if not row.get("Removed"))


def _decimal(value: object) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    return Decimal(str(value))


def _date(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value))
