"""Supplier invoice rules: the supplier must exist (its name is copied), projects, cost centres
and row accounts must exist, rows and totals agree, and the actions — bookkeep (the invoice
becomes immutable and gets a voucher in series D, referring to it: ``ReferenceType``
``SUPPLIERINVOICE``, ``ReferenceNumber`` its ``GivenNumber``), cancel, credit and the two approvals.

Rows: an invoice sent without rows gets the three Fortnox makes from the totals (the payable on
2440 as credit, code ``TOT``; the VAT on 2640 as debit, code ``VAT``; the rest as debit on the
supplier's predefined account or 4000). Each row's ``Total`` is its debit less its credit. An
invoice sent without ``Total`` (or ``VAT``) takes it from its ``TOT`` (``VAT``) rows. Booking
refuses rows whose debits and credits differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from fortnox_bridge.sandbox.messages import (
    ACCOUNT_MISSING,
    ACTION_REFUSED,
    DOCUMENT_LOCKED,
    UNKNOWN_REFERENCE,
    refuse,
)
from fortnox_bridge.sandbox.registers.ops import (
    answer,
    check_dated,
    financial_year,
    parse_date,
    store,
)
from fortnox_bridge.sandbox.registers.render import to_number
from fortnox_bridge.sandbox.registers.spec import Action, Ctx, Record, Rules
from fortnox_bridge.sandbox.rules.transactions import check_registers
from fortnox_bridge.sandbox.rules.voucher import voucher_key
from fortnox_bridge.sandbox.rules.voucher_documents import connect_supplier_invoice_files

SUPPLIERS, ACCOUNTS = "suppliers", "accounts"
VOUCHER_SERIES = "D"  # supplier invoices
#: The fields of a supplier invoice row its voucher row keeps.
VOUCHER_ROW_FIELDS = ("Account", "Debit", "Credit", "Project", "CostCenter")
PAYABLE_ACCOUNT, VAT_ACCOUNT, COST_ACCOUNT = 2440, 2640, 4000
DEFAULT_DAYS = 30
#: Where the sandbox keeps the payment approval (Fortnox shows it only as the list's
#: ``AuthorizerName``); not a field of the record.
PAYMENT_APPROVED = "_PaymentApproved"
#: Who the sandbox names as the approver.
APPROVER = "Sandbox"


class SupplierInvoiceRules(Rules):
    """Supplier invoices: dated by ``InvoiceDate``; booked and cancelled ones cannot change."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Supplier, registers, rows, totals and the due date."""
        supplier = _supplier(ctx, record)
        record["SupplierName"] = supplier.get("Name", "")
        check_registers(ctx, record)
        if old is None and not record.get("SupplierInvoiceRows"):
            record["SupplierInvoiceRows"] = _default_rows(record, supplier)
        rows = record.get("SupplierInvoiceRows") or []
        for row in rows:
            _check_row(ctx, row)
        if "Total" not in sent and (old is None or "SupplierInvoiceRows" in sent):
            record["Total"] = _text(_sum(rows, "Credit", code="TOT"))
        if "VAT" not in sent and (old is None or "SupplierInvoiceRows" in sent):
            record["VAT"] = _text(_sum(rows, "Debit", code="VAT"))
        record["Balance"] = record.get("Total") or "0"
        invoice_date = parse_date(record.get("InvoiceDate")) or ctx.today
        record.setdefault("DueDate", (invoice_date + timedelta(days=DEFAULT_DAYS)).isoformat())

    def dated(self, record: Record) -> date | None:
        """Checked against financial years and the locked period by invoice date."""
        return parse_date(record.get("InvoiceDate"))

    def check_change(self, ctx: Ctx, record: Record) -> None:
        """A booked or cancelled invoice is immutable."""
        if record.get("Cancelled"):
            raise refuse(DOCUMENT_LOCKED, state="makulerat")
        if record.get("Booked"):
            raise refuse(DOCUMENT_LOCKED, state="bokfört")

    def list_item(self, ctx: Ctx, record: Record, full: Record, item: Record) -> None:
        """The list names the payment approver; ``Cancel`` is the record's ``Cancelled``."""
        item["AuthorizerName"] = APPROVER if record.get(PAYMENT_APPROVED) else ""
        item["Cancel"] = bool(record.get("Cancelled"))

    def actions(self) -> Mapping[str, Action]:
        """The supplier invoice actions of the catalogue."""
        return {
            "bookkeep": Action("PUT", _bookkeep),
            "approvalbookkeep": Action("PUT", _bookkeep),
            "approvalpayment": Action("PUT", _approve_payment),
            "cancel": Action("PUT", _cancel),
            "credit": Action("PUT", _credit),
        }


def _supplier(ctx: Ctx, record: Record) -> Record:
    number = str(record.get("SupplierNumber", ""))
    supplier = ctx.record(SUPPLIERS, number)
    if supplier is None:
        raise refuse(UNKNOWN_REFERENCE, what="Leverantör", value=number)
    return supplier


def _default_rows(record: Record, supplier: Record) -> list[Record]:
    total = to_decimal(record.get("Total"))
    if not total:
        return []
    vat = to_decimal(record.get("VAT"))
    cost = int(str(supplier.get("PreDefinedAccount") or COST_ACCOUNT))
    rows: list[Record] = [{"Account": PAYABLE_ACCOUNT, "Code": "TOT", "Credit": total}]
    if vat:
        rows.append({"Account": VAT_ACCOUNT, "Code": "VAT", "Debit": vat})
    rows.append({"Account": cost, "Debit": total - vat})
    return [{k: _number(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in rows]


def _check_row(ctx: Ctx, row: Record) -> None:
    account = str(row.get("Account", ""))
    chart = ctx.record(ACCOUNTS, account)
    if chart is None:
        raise refuse(ACCOUNT_MISSING, value=account)
    check_registers(ctx, row)
    debit, credit = to_decimal(row.get("Debit")), to_decimal(row.get("Credit"))
    row["Debit"], row["Credit"] = _number(debit), _number(credit)
    row["Total"] = _number(debit - credit)
    row.setdefault("AccountDescription", chart.get("Description", ""))


def to_decimal(value: Any) -> Decimal:
    """A stored amount (number or text) as a decimal; unset is zero."""
    number = to_number(value)
    return Decimal(str(number)) if number is not None else Decimal(0)


def _sum(rows: list[Record], side: str, *, code: str | None = None) -> Decimal:
    return sum(
        (to_decimal(row.get(side)) for row in rows if code is None or row.get("Code") == code),
        Decimal(0),
    )


def _number(value: Decimal) -> Any:
    return to_number(str(value.quantize(Decimal("0.01"))))


def _text(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")).normalize()) if value else "0"


def _refuse_if(condition: object, reason: str) -> None:
    if condition:
        raise refuse(ACTION_REFUSED, reason=reason)


def _bookkeep(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(record.get("Cancelled"), "fakturan är makulerad")
    _refuse_if(record.get("Booked"), "fakturan är redan bokförd")
    rows = record.get("SupplierInvoiceRows") or []
    _refuse_if(not rows, "fakturan har inga rader")
    debit, credit = _sum(rows, "Debit"), _sum(rows, "Credit")
    _refuse_if(debit != credit, f"raderna är inte i balans (debet {debit}, kredit {credit})")
    invoice_date = parse_date(record.get("InvoiceDate")) or ctx.today
    check_dated(ctx, invoice_date)
    year = financial_year(ctx, invoice_date)
    assert year is not None
    series = ctx.register(f"vouchers-{VOUCHER_SERIES}-{year['Id']}")
    voucher = {"Number": int(series.take_number()), "Series": VOUCHER_SERIES,
               "Year": int(year["Id"]), "ReferenceType": "SUPPLIERINVOICE"}  # fmt: skip
    booked = {
        **record,
        "Booked": True,
        "VoucherSeries": VOUCHER_SERIES,
        "VoucherNumber": voucher["Number"],
        "VoucherYear": voucher["Year"],
        "Vouchers": [*record.get("Vouchers", []), voucher],
    }
    store(ctx, number, booked)
    _book_voucher(ctx, number, booked, voucher)
    connect_supplier_invoice_files(ctx, number, booked)
    return answer(ctx, booked)


def _book_voucher(ctx: Ctx, number: str, invoice: Record, voucher: Record) -> None:
    """The invoice's voucher in the voucher register: its rows, referring to the invoice."""
    rows = []
    for row in invoice.get("SupplierInvoiceRows") or []:
        account = ctx.record(ACCOUNTS, str(to_number(row.get("Account")))) or {}
        kept = {k: row[k] for k in VOUCHER_ROW_FIELDS if row.get(k) not in (None, "")}
        rows.append({"Debit": 0, "Credit": 0, **kept,
                     "Description": account.get("Description"), "Removed": False})  # fmt: skip
    record = {
        "VoucherSeries": voucher["Series"], "VoucherNumber": voucher["Number"],
        "Year": voucher["Year"], "TransactionDate": invoice.get("InvoiceDate"),
        "Description": f"Leverantörsfaktura {number}", "ReferenceType": "SUPPLIERINVOICE",
        "ReferenceNumber": number, "ApprovalState": 0, "Comments": "", "VoucherRows": rows,
    }  # fmt: skip
    key = voucher_key(voucher["Year"], voucher["Series"], voucher["Number"])
    store(ctx, key, record, register="vouchers")


def _approve_payment(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(record.get("Cancelled"), "fakturan är makulerad")
    approved = {**record, PAYMENT_APPROVED: True}
    store(ctx, number, approved)
    return answer(ctx, approved)


def _cancel(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(record.get("Booked"), "en bokförd faktura krediteras i stället")
    _refuse_if(record.get("Cancelled"), "fakturan är redan makulerad")
    cancelled = {**record, "Cancelled": True, "Balance": "0"}
    store(ctx, number, cancelled)
    return answer(ctx, cancelled)


def _credit(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(record.get("Cancelled"), "fakturan är makulerad")
    _refuse_if(not record.get("Booked"), "en obokförd faktura makuleras i stället")
    _refuse_if(record.get("Credit"), "en kreditfaktura kan inte krediteras")
    _refuse_if(record.get("CreditReference"), "fakturan är redan krediterad")
    check_dated(ctx, ctx.today)
    credit_number = ctx.register(ctx.resource.name).take_number()
    rows = [
        {**row, "Debit": row.get("Credit", 0), "Credit": row.get("Debit", 0),
         "Total": _number(-to_decimal(row.get("Total")))}
        for row in record.get("SupplierInvoiceRows", [])
    ]  # fmt: skip
    kept = {k: v for k, v in record.items() if not k.startswith(("Voucher", "Booked", "_"))}
    negated = {name: _text(-to_decimal(record.get(name))) for name in ("Total", "VAT")}
    credit = {**kept, **negated, "GivenNumber": int(credit_number), "Credit": True,
              "CreditReference": int(number), "InvoiceDate": ctx.today.isoformat(),
              "SupplierInvoiceRows": rows, "Balance": negated["Total"]}  # fmt: skip
    store(ctx, credit_number, credit)
    updated = {**record, "CreditReference": int(credit_number)}
    store(ctx, number, updated)
    return answer(ctx, updated)
