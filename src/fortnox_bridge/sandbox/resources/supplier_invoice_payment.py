"""``/3/supplierinvoicepayments``: payments of supplier invoices (numbered by Fortnox), their
effect on the invoice's balance and final pay date, and bookkeep (:mod:`~..rules.payments`)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import Ctx, IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.payments import PaymentRules


def _today(ctx: Ctx) -> str:
    return ctx.today.isoformat()


READ_ONLY = (
    "Booked", "Currency", "CurrencyUnit", "InvoiceDueDate", "InvoiceOCR", "InvoiceSupplierName",
    "InvoiceSupplierNumber", "InvoiceTotal", "Number", "Source", "VoucherNumber",
    "VoucherSeries", "VoucherYear",
)  # fmt: skip

#: Payment field → the invoice field it is copied from.
SUPPLIER_COPIED = {
            "InvoiceSupplierName": "SupplierName",
            "InvoiceSupplierNumber": "SupplierNumber",
            "InvoiceDueDate": "DueDate",
            "InvoiceOCR": "OCR",
            "InvoiceTotal": "Total",
        }  # fmt: skip

RESOURCE = ResourceSpec(
    module="supplier_invoice_payment",
    scope="payment",
    # No recorded not-found answer: the sandbox's own code.
    not_found=(2990145, "Kan inte hitta utbetalningen."),
    location="supplierinvoicepayments",
    id=IdRule("Number", kind="serial"),
    read_only=frozenset(READ_ONLY),
    required=("InvoiceNumber",),
    defaults={"PaymentDate": _today, "CurrencyRate": 1, "CurrencyUnit": 1, "Source": "manual"},
    blanks=dict.fromkeys(("VoucherNumber", "VoucherSeries", "VoucherYear")),
    lastmodified=True,
    rules=PaymentRules(
        invoices="supplierinvoices",
        copied=SUPPLIER_COPIED,
    ),
)
