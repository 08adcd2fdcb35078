"""``/3/invoicepayments``: payments of customer invoices (numbered by Fortnox), their effect on
the invoice's balance and final pay date, and bookkeep (:mod:`~..rules.payments`)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import Ctx, IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.payments import PaymentRules


def _today(ctx: Ctx) -> str:
    return ctx.today.isoformat()


READ_ONLY = (
    "Booked", "Currency", "CurrencyUnit", "ExternalInvoiceReference1", "ExternalInvoiceReference2",
    "InvoiceCustomerName", "InvoiceCustomerNumber", "InvoiceDueDate", "InvoiceOCR",
    "InvoiceTotal", "Number", "Source", "VoucherNumber", "VoucherSeries", "VoucherYear",
)  # fmt: skip

#: Payment field → the invoice field it is copied from.
CUSTOMER_COPIED = {
            "InvoiceCustomerName": "CustomerName",
            "InvoiceCustomerNumber": "CustomerNumber",
            "InvoiceDueDate": "DueDate",
            "InvoiceOCR": "OCR",
            "InvoiceTotal": "Total",
            "ExternalInvoiceReference1": "ExternalInvoiceReference1",
            "ExternalInvoiceReference2": "ExternalInvoiceReference2",
        }  # fmt: skip

RESOURCE = ResourceSpec(
    module="invoice_payment",
    scope="payment",
    # No recorded not-found answer: the sandbox's own code.
    not_found=(2990144, "Kan inte hitta inbetalningen."),
    location="invoicepayments",
    id=IdRule("Number", kind="serial"),
    read_only=frozenset(READ_ONLY),
    required=("InvoiceNumber",),
    defaults={"PaymentDate": _today, "CurrencyRate": 1, "CurrencyUnit": 1, "Source": "manual"},
    blanks=dict.fromkeys(("VoucherNumber", "VoucherSeries", "VoucherYear")),
    search={"invoicenumber": "InvoiceNumber"},
    sort={"paymentdate": "PaymentDate"},
    lastmodified=True,
    rules=PaymentRules(
        invoices="invoices",
        copied=CUSTOMER_COPIED,
    ),
)
