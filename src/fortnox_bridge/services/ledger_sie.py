"""A stored financial year written as a SIE 4 file (type 4E: balances and vouchers), with the
formats package's writer: what the bridge holds of the year, whether it came from Fortnox or an
uploaded file."""

from __future__ import annotations

import io
from collections.abc import Iterable

from sqlalchemy.orm import Session

from fortnox_bridge import __version__
from fortnox_bridge.clock import Clock
from fortnox_bridge.formats.sie import records as r
from fortnox_bridge.formats.sie.document import AccountInfo, DimensionInfo, Document
from fortnox_bridge.formats.sie.writer import write_document
from fortnox_bridge.store import ledger_read
from fortnox_bridge.store.models import LedgerRow, LedgerVoucher, LedgerYear

#: The dimensions the ledger keeps, as SIE numbers them.
COST_CENTER, PROJECT = 1, 6
DIMENSIONS = {COST_CENTER: "Kostnadsställe", PROJECT: "Projekt"}
#: Accounts of these classes (the first digit) are balance accounts (#IB/#UB); the others are
#: result accounts (#RES).
BALANCE_CLASSES = ("1", "2")


def sie_file(
    session: Session, tenant_id: int, company: str, year: LedgerYear, clock: Clock
) -> bytes:
    """The year as SIE 4 bytes (CP437, CRLF)."""
    document = Document(
        program=r.Program("fortnox-bridge", __version__),
        generated=r.Generated(clock.now().date()),
        sie_type=4,
        financial_years=[r.FinancialYear(0, year.from_date, year.to_date)],
        chart_type=year.account_chart,
    )
    document.company.name = company
    _chart(document, session, tenant_id, year)
    document.vouchers = list(_vouchers(session, tenant_id, year))
    out = io.BytesIO()
    write_document(document, out)
    return out.getvalue()


def _chart(document: Document, session: Session, tenant_id: int, year: LedgerYear) -> None:
    for account in ledger_read.accounts(session, tenant_id, year.id):
        info = AccountInfo(account.number, account.name or account.number)
        if account.sru:
            info.sru.append(account.sru)
        document.accounts[account.number] = info
        balance_account = account.number.startswith(BALANCE_CLASSES)
        if balance_account and account.opening_balance is not None:
            document.balances.append(r.Balance("IB", 0, account.number, account.opening_balance))
        if account.closing_balance is not None:
            kind = "UB" if balance_account else "RES"
            document.balances.append(r.Balance(kind, 0, account.number, account.closing_balance))
    found = ledger_read.objects(session, tenant_id, year.id)
    for dimension in sorted({o.dimension for o in found} | set(DIMENSIONS)):
        name = DIMENSIONS.get(dimension, f"Dimension {dimension}")
        document.dimensions[dimension] = DimensionInfo(dimension, name)
    for obj in found:
        document.objects[(obj.dimension, obj.code)] = obj.name


def _vouchers(session: Session, tenant_id: int, year: LedgerYear) -> Iterable[r.Voucher]:
    batch: list[LedgerVoucher] = []
    for voucher in ledger_read.year_vouchers(session, tenant_id, year.id):
        batch.append(voucher)
        if len(batch) == ledger_read.CHUNK:
            yield from _written(session, batch)
            batch = []
    yield from _written(session, batch)


def _written(session: Session, vouchers: list[LedgerVoucher]) -> Iterable[r.Voucher]:
    rows = ledger_read.rows_of(session, [voucher.id for voucher in vouchers])
    for voucher in vouchers:
        yield r.Voucher(
            series=voucher.series,
            number=str(voucher.number),
            date=voucher.date,
            text=voucher.text,
            registered=voucher.registered_on,
            rows=tuple(_row(row) for row in rows.get(voucher.id, [])),
        )


def _row(row: LedgerRow) -> r.VoucherRow:
    objects: list[tuple[int, str]] = []
    if row.cost_center:
        objects.append((COST_CENTER, row.cost_center))
    if row.project:
        objects.append((PROJECT, row.project))
    return r.VoucherRow(
        kind="TRANS",
        account=row.account,
        objects=tuple(objects),
        amount=row.amount,
        date=row.transaction_date,
        text=row.text or "",
        quantity=row.quantity,
    )
