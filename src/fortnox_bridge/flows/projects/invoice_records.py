"""Host customer invoices of the projects family: the invoice a project application made, its
rows as its revenue accounting set them, and its PDF."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fortnox_bridge.flows.projects.records import PARTY_NUMBER

#: The largest PDF a record carries, base64-encoded (about 30 MB of PDF). Fortnox takes 5 MB; a
#: bigger one is replaced in Fortnox by a notice that the original is in the host.
MAX_PDF_BASE64 = 40_000_000


class HostCustomerInvoiceRow(BaseModel):
    """One row of a customer invoice: what was sold, on which revenue account."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str | None = Field(default=None, min_length=1, max_length=255)
    quantity: Decimal = Field(default=Decimal(1), max_digits=14, decimal_places=4)
    price: Decimal | None = Field(
        default=None,
        max_digits=14,
        decimal_places=2,
        description="The price of one unit, VAT excluded; give it or the row's amount.",
    )
    amount: Decimal | None = Field(
        default=None,
        max_digits=14,
        decimal_places=2,
        description="The row's amount, VAT excluded (Fortnox gets amount / quantity as the "
        "price); give it or the price.",
    )
    account: int = Field(ge=1000, le=9999, description="The revenue account (Fortnox's account).")
    vat: int | None = Field(
        default=None, ge=0, le=100, description="The VAT rate in percent (25, 12, 6 or 0)."
    )
    cost_center: str | None = Field(default=None, min_length=1, max_length=6)
    project: str | None = Field(default=None, min_length=1, max_length=20)

    @model_validator(mode="after")
    def _price_or_amount(self) -> HostCustomerInvoiceRow:
        if (self.price is None) == (self.amount is None):
            raise ValueError("give either the row's price or its amount")
        if self.amount is not None and not self.quantity:
            raise ValueError("a row with an amount needs a quantity other than 0")
        return self


class HostCustomerInvoice(BaseModel):
    """A customer invoice of the project application; a locked one becomes a Fortnox invoice."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    invoice_number: str = Field(
        min_length=1,
        max_length=80,
        description="The host's invoice number; Fortnox keeps it as ExternalInvoiceReference1 "
        "and an invoice Fortnox has with it is this one (never created twice).",
    )
    customer_number: str = Field(
        min_length=1, max_length=50, pattern=PARTY_NUMBER, description="Fortnox's customer."
    )
    invoice_date: date
    due_date: date | None = Field(
        default=None, description="Without it Fortnox counts from the terms of payment."
    )
    locked: bool = Field(
        default=False, description="Whether the invoice is locked (final); only locked ones go."
    )
    rows: list[HostCustomerInvoiceRow] = Field(min_length=1, max_length=500)
    project: str | None = Field(default=None, min_length=1, max_length=20)
    cost_center: str | None = Field(default=None, min_length=1, max_length=6)
    our_reference: str | None = Field(default=None, min_length=1, max_length=50)
    your_reference: str | None = Field(default=None, min_length=1, max_length=50)
    pdf: str | None = Field(
        default=None,
        max_length=MAX_PDF_BASE64,
        description="The invoice as a PDF, base64-encoded. It is attached to the Fortnox "
        "invoice; one above Fortnox's 5 MB is replaced there by a notice that the original is "
        "kept in the project application.",
    )
    fortnox_document_number: str | None = Field(
        default=None,
        description="Fortnox's number of the exported invoice (its DocumentNumber), written "
        "back by the bridge.",
    )
    paid_on: date | None = Field(
        default=None,
        description="The day the invoice was fully paid (Fortnox's FinalPayDate), written back "
        "by the bridge for invoices paid within the last six months.",
    )

    @field_validator("pdf")
    @classmethod
    def _a_pdf(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            head = base64.b64decode(value[:64] + "=" * (-len(value[:64]) % 4), validate=True)
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("pdf is not base64") from None
        if not head.startswith(b"%PDF"):
            raise ValueError("pdf is not a PDF (it does not start with %PDF)")
        return value

    @model_validator(mode="after")
    def _due_after_invoice(self) -> HostCustomerInvoice:
        if self.due_date is not None and self.due_date < self.invoice_date:
            raise ValueError(f"due_date {self.due_date} is before invoice_date {self.invoice_date}")
        return self
