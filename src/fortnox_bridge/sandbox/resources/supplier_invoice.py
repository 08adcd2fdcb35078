"""``/3/supplierinvoices``: numbered by Fortnox (``GivenNumber``, never sent by the client); no
DELETE (the catalogue offers none); the supplier, rows, totals and actions in
:mod:`~fortnox_bridge.sandbox.rules.supplier_invoice`."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import Ctx, IdRule, Record, ResourceSpec
from fortnox_bridge.sandbox.rules.supplier_invoice import SupplierInvoiceRules, to_decimal


def _today(ctx: Ctx) -> str:
    return ctx.today.isoformat()


def _open(ctx: Ctx, record: Record) -> bool:
    return not record.get("Cancelled") and to_decimal(record.get("Balance")) != 0


READ_ONLY = (
    "AccountingMethod", "Balance", "Booked", "Cancelled", "Credit", "CreditReference",
    "FinalPayDate", "GivenNumber", "SupplierName", "VoucherNumber", "VoucherSeries",
    "VoucherYear", "Vouchers",
)  # fmt: skip

RESOURCE = ResourceSpec(
    module="supplier_invoice",
    scope="supplierinvoice",
    # No recorded not-found answer for supplier invoices: the sandbox's own code.
    not_found=(2990112, "Kan inte hitta leverantörsfakturan."),
    location="supplierinvoices",
    id=IdRule("GivenNumber", kind="serial"),
    read_only=frozenset(READ_ONLY),
    defaults={
        "InvoiceDate": _today,
        "AccountingMethod": "ACCRUAL",
        "Booked": False,
        "Cancelled": False,
        "Credit": False,
        "Currency": "SEK",
        "CurrencyRate": "1",
        "CurrencyUnit": 1,
        "VATType": "NORMAL",
        "SalesType": "STOCK",
    },
    number_blank=0,
    blanks=dict.fromkeys(("FinalPayDate", "VoucherNumber", "VoucherSeries", "VoucherYear")),
    filters={
        "cancelled": lambda ctx, r: bool(r.get("Cancelled")),
        "fullypaid": lambda ctx, r: not r.get("Cancelled") and not _open(ctx, r),
        "unpaid": _open,
        "unpaidoverdue": lambda ctx, r: _open(ctx, r) and str(r.get("DueDate")) < _today(ctx),
        "unbooked": lambda ctx, r: not r.get("Booked") and not r.get("Cancelled"),
        "pendingpayment": lambda ctx, r: bool(r.get("PaymentPending")),
        "authorizepending": lambda ctx, r: not r.get("Cancelled") and not r.get("_PaymentApproved"),
    },
    search={
        "suppliernumber": "SupplierNumber",
        "ocr": "OCR",
        "project": "Project",
        "costcenter": "CostCenter",
    },
    sort={"givennumber": "GivenNumber", "invoicedate": "InvoiceDate"},
    date_field="InvoiceDate",
    lastmodified=True,
    rules=SupplierInvoiceRules(),
)
