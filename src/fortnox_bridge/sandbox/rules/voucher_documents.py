"""The documents of invoice vouchers, as voucher file connections (a sandbox guess).

When Fortnox books an invoice it keeps the invoice's document with the voucher. The sandbox plays
that so one ``GET /3/voucherfileconnections?voucheryear=<Id>`` lists the documents of a year's
vouchers of all kinds:

- a supplier invoice's files (its supplier invoice file connections) are connected to its
  voucher when it is booked, and a file connected to an already booked supplier invoice is
  connected to the voucher at once;
- a customer invoice, when booked, gets a voucher of its own in ``/3/vouchers`` (series B:
  receivable, sales per account, VAT, rounding) and its PDF is stored in the archive and
  connected to that voucher.

None of this is recorded: how Fortnox lists the documents of invoice vouchers is the sandbox's
reading.
"""

from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from decimal import Decimal

from fortnox_bridge.sandbox.registers.ops import store
from fortnox_bridge.sandbox.registers.render import to_number
from fortnox_bridge.sandbox.registers.spec import Ctx, Record

FILES = "inbox"  # the archive's and the inbox's files share one register
CONNECTIONS = "voucherfileconnections"
SUPPLIER_FILES = "supplierinvoicefileconnections"
VOUCHERS = "vouchers"
#: The accounts of a booked customer invoice (BAS): receivable, output VAT per rate, rounding.
RECEIVABLE, ROUNDING = 1510, 3740
OUTPUT_VAT = {25: 2610, 12: 2620, 6: 2630}
#: Freight and administration fee are credited to the 25 % sales account (a simplification).
FEES_ACCOUNT = 3001
CENT = Decimal("0.01")


def connect_to_voucher(
    ctx: Ctx, file: Record, year_id: object, series: str, number: object
) -> None:
    """Connect the archive ``file`` to voucher ``series`` ``number`` of year ``year_id``, unless
    the file is connected to a voucher already."""
    file_id = str(file["Id"])
    register = ctx.register(CONNECTIONS)
    if file_id in register.records:
        return
    voucher = ctx.record(VOUCHERS, f"{year_id}/{series}/{number}") or {}
    connection = {
        "FileId": file_id, "VoucherSeries": series, "VoucherNumber": str(number),
        "VoucherYear": int(str(year_id)), "VoucherDescription": voucher.get("Description"),
        "Name": file.get("Name"),
    }  # fmt: skip
    store(ctx, file_id, connection, register=CONNECTIONS)


def supplier_invoice_files(ctx: Ctx, invoice_number: str) -> list[Record]:
    """The archive files connected to the supplier invoice ``invoice_number``."""
    files = []
    for connection in ctx.register(SUPPLIER_FILES).records.values():
        if str(connection.get("SupplierInvoiceNumber")) == invoice_number:
            found = ctx.record(FILES, str(connection.get("FileId")))
            if found is not None:
                files.append(found)
    return files


def connect_supplier_invoice_files(ctx: Ctx, invoice_number: str, invoice: Record) -> None:
    """A booked supplier invoice's files, connected to its voucher."""
    if not invoice.get("Booked"):
        return
    for file in supplier_invoice_files(ctx, invoice_number):
        connect_to_voucher(ctx, file, invoice["VoucherYear"], str(invoice["VoucherSeries"]),
                           invoice["VoucherNumber"])  # fmt: skip


def book_customer_invoice(ctx: Ctx, number: str, invoice: Record, pdf: bytes) -> None:
    """The booked customer invoice's voucher in ``/3/vouchers`` and its PDF connected to it."""
    year, series, voucher_number = invoice["VoucherYear"], invoice["VoucherSeries"], invoice[
        "VoucherNumber"]  # fmt: skip
    voucher = {
        "VoucherSeries": series, "VoucherNumber": voucher_number, "Year": year,
        "TransactionDate": invoice.get("InvoiceDate"), "Description": f"Kundfaktura {number}",
        "ReferenceType": "INVOICE", "ReferenceNumber": number, "ApprovalState": 0,
        "Comments": "", "VoucherRows": _invoice_rows(ctx, invoice),
    }  # fmt: skip
    store(ctx, f"{year}/{series}/{voucher_number}", voucher, register=VOUCHERS)
    file_id = str(uuid.uuid4())
    file = {
        "Id": file_id, "ArchiveFileId": str(uuid.uuid4()), "Name": f"Faktura {number}.pdf",
        "Path": "", "Size": len(pdf), "Comments": None, "Folder": "archive",
        "Content": base64.b64encode(pdf).decode("ascii"),
    }  # fmt: skip
    store(ctx, file_id, file, register=FILES)
    connect_to_voucher(ctx, file, year, str(series), voucher_number)


def _invoice_rows(ctx: Ctx, invoice: Record) -> list[Record]:
    """Receivable (the total to pay) against sales per account and object, VAT per rate and the
    rounding that makes them balance."""
    sales: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    vat: dict[int, Decimal] = defaultdict(Decimal)
    for row in invoice.get("InvoiceRows") or []:
        net = _money(row.get("TotalExcludingVAT"))
        account = to_number(row.get("AccountNumber"))
        if not net or not isinstance(account, int):
            continue
        centre = str(row.get("CostCenter") or invoice.get("CostCenter") or "")
        project = str(row.get("Project") or invoice.get("Project") or "")
        sales[account, centre, project] += net
        rate = int(to_number(row.get("VAT")) or 0)
        vat[rate] += net * rate / 100
    fees = _money(invoice.get("Freight")) + _money(invoice.get("AdministrationFee"))
    if fees:
        sales[FEES_ACCOUNT, "", ""] += fees
        vat[25] += fees * Decimal("0.25")
    total = _money(invoice.get("Total"))
    rows = [_row(ctx, RECEIVABLE, total)]
    for (account, centre, project), amount in sales.items():
        rows.append(_row(ctx, account, -amount, centre, project))
    for rate, amount in sorted(vat.items()):
        if rate in OUTPUT_VAT and amount.quantize(CENT):
            rows.append(_row(ctx, OUTPUT_VAT[rate], -amount.quantize(CENT)))
    rest = -sum((_signed(row) for row in rows), Decimal(0))
    if rest:
        rows.append(_row(ctx, ROUNDING, rest))
    return rows


def _row(ctx: Ctx, account: int, amount: Decimal, centre: str = "", project: str = "") -> Record:
    amount = amount.quantize(CENT)
    found = ctx.record("accounts", str(account)) or {}
    row: Record = {
        "Account": account, "Debit": float(max(amount, Decimal(0))),
        "Credit": float(max(-amount, Decimal(0))), "Description": found.get("Description"),
        "Removed": False,
    }  # fmt: skip
    if centre:
        row["CostCenter"] = centre
    if project:
        row["Project"] = project
    return row


def _signed(row: Record) -> Decimal:
    return _money(row["Debit"]) - _money(row["Credit"])


def _money(value: object) -> Decimal:
    number = to_number(value)
    return Decimal(str(number or 0)).quantize(CENT)
