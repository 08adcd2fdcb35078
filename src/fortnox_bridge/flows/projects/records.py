"""Host records of the projects family, as a project application sends them to the bridge,
and the form the Fortnox registers it imports take in the bridge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator


class HostConstructionProject(BaseModel):
    """A project as the project application knows it (a construction project, say).

    Its status code decides whether and how it reaches Fortnox: below 40 it is not exported
    yet, 40–89 it is ongoing, 90 and above completed.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(
        min_length=1,
        max_length=50,
        description="The project number; it becomes Fortnox's ProjectNumber, which takes at most "
        "20 characters of letters A-Ö, digits and _ / + - (no dot). A project whose number "
        "Fortnox cannot take is not exported, and a problem names it.",
    )
    name: str = Field(
        min_length=1,
        max_length=200,
        description="The project name; Fortnox's Description gets its first 50 characters.",
    )
    status_code: int = Field(
        ge=0,
        le=999,
        description="The project's status code: below 40 the project is not exported, 40-89 it "
        "is ongoing in Fortnox, 90 and above completed.",
    )
    start_date: date | None = None
    end_date: date | None = Field(
        default=None,
        description="The project's end; Fortnox takes no bookkeeping on the project after it.",
    )
    leader: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="The project leader (a name or initials) as Fortnox's ProjectLeader.",
    )
    completed_on: date | None = Field(
        default=None,
        description="The day the status code reached 90; the tenant's completion delay counts "
        "from it (without it, a project of status 90 is completed in Fortnox at once).",
    )

    @model_validator(mode="after")
    def _end_not_before_start(self) -> HostConstructionProject:
        start, end = self.start_date, self.end_date
        if start and end and end < start:
            raise ValueError(
                f"end_date {end} is before start_date {start}; correct one of the dates"
            )
        return self


class HostCostCenter(BaseModel):
    """A Fortnox cost centre as the bridge keeps it: Fortnox owns the register, the bridge reads
    it into the store and hands it on to the project application."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=6, description="The cost centre's code.")
    name: str = Field(
        min_length=1, max_length=100, description="The cost centre's name (its Description)."
    )
    active: bool = Field(default=True, description="Whether Fortnox takes bookkeeping on it.")


# -- accounts ------------------------------------------------------------------------------------


class HostAccount(BaseModel):
    """An account of Fortnox's chart of accounts as the bridge keeps it: Fortnox owns the chart,
    the account import reads its new accounts (from 3000 up) into the store and hands them on
    to the project application."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: int = Field(ge=1000, le=9999, description="The account number (BAS), e.g. 4010.")
    name: str = Field(
        min_length=1,
        max_length=200,
        description="The account's name (its Description) as first imported; a later rename "
        "in Fortnox is not imported.",
    )


# -- Work orders and change orders ----------------------------------------------------------


class HostProjectOrder(BaseModel):
    """What a work order and a change order share: an order of work under one of the host's
    projects, which may become a Fortnox project of its own (``10000_1``, ``10000_Ä001``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    project: str = Field(
        min_length=1,
        max_length=100,
        description="The host id of the project the order belongs to (a construction project).",
    )
    number: str = Field(
        min_length=1,
        max_length=20,
        description="The order's number within its project; the Fortnox project number is the "
        "project's number, an underscore and this number.",
    )
    name: str = Field(
        min_length=1,
        max_length=200,
        description="The order's name; Fortnox's Description gets its first 50 characters.",
    )
    status_code: int = Field(
        ge=0,
        le=999,
        description="The order's status code, read as a project's: below 40 the order is not "
        "exported, 40-89 it is ongoing in Fortnox, 90 and above completed.",
    )
    created_on: date = Field(
        description="The day the order was made; its start date in Fortnox when its project "
        "has none."
    )
    leader: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="The order's leader as Fortnox's ProjectLeader; without one, the project's.",
    )
    completed_on: date | None = Field(
        default=None,
        description="The day the order's status code reached 90; the completion delay counts "
        "from it (without it, an order of status 90 is completed in Fortnox at once).",
    )


class HostWorkOrder(HostProjectOrder):
    """A work order under one of the host's projects (``number`` ``1`` → ``10000_1``)."""


class HostChangeOrder(HostProjectOrder):
    """A change order (extra or changed work) under one of the host's projects (``number``
    ``1`` or ``Ä001`` → ``10000_Ä001``)."""


# -- supplier invoices ---------------------------------------------------------------------------


class HostInvoiceSupplier(BaseModel):
    """The supplier a supplier invoice is from, as the project application knows it; the export
    creates it in Fortnox when Fortnox does not have its number (and, by setting, updates it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(
        min_length=1,
        max_length=50,
        description="The supplier number, the same in both systems (Fortnox's SupplierNumber).",
    )
    name: str = Field(min_length=1, max_length=1024, description="The supplier's name.")
    organisation_number: str | None = Field(default=None, min_length=1, max_length=30)
    address1: str | None = Field(default=None, min_length=1, max_length=1024)
    address2: str | None = Field(default=None, min_length=1, max_length=1024)
    zip_code: str | None = Field(default=None, min_length=1, max_length=10)
    city: str | None = Field(default=None, min_length=1, max_length=1024)
    country_code: str | None = Field(
        default=None, min_length=2, max_length=2, description="ISO country code, e.g. SE."
    )
    phone: str | None = Field(default=None, min_length=1, max_length=1024)
    email: str | None = Field(default=None, min_length=3, max_length=1024)
    bankgiro: str | None = Field(default=None, min_length=1, max_length=20)
    plusgiro: str | None = Field(default=None, min_length=1, max_length=20)
    vat_number: str | None = Field(default=None, min_length=1, max_length=20)


class HostSupplierInvoiceRow(BaseModel):
    """One cost row of a supplier invoice: an amount excluding VAT on an account."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    account: int = Field(ge=1000, le=9999, description="The cost account (BAS), e.g. 4000.")
    amount: Decimal = Field(
        max_digits=14,
        decimal_places=2,
        description="The amount excluding VAT; positive is a cost (debit), negative a credit.",
    )
    project: str | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="The Fortnox project number the cost is put on; the invoice's own project "
        "when left out.",
    )
    cost_center: str | None = Field(
        default=None,
        min_length=1,
        max_length=6,
        description="The cost centre's code; the invoice's own when left out. Sent only when "
        "the tenant's export includes cost centres.",
    )
    description: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="What the row is for (Fortnox's transaction information).",
    )


class HostSupplierInvoice(BaseModel):
    """A supplier invoice as the project application holds it (an e-invoice, say). Only an
    approved invoice is exported; its total is its rows plus VAT."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    supplier: HostInvoiceSupplier
    invoice_number: str = Field(
        min_length=1, max_length=64, description="The supplier's own invoice number."
    )
    invoice_date: date
    due_date: date
    total: Decimal = Field(
        max_digits=14,
        decimal_places=2,
        description="The amount to pay, VAT included; negative for a credit invoice.",
    )
    vat: Decimal = Field(default=Decimal(0), max_digits=14, decimal_places=2)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    ocr: str | None = Field(default=None, min_length=2, max_length=25)
    project: str | None = Field(default=None, min_length=1, max_length=20)
    cost_center: str | None = Field(default=None, min_length=1, max_length=6)
    comments: str | None = Field(default=None, min_length=1, max_length=1000)
    approved: bool = Field(
        default=False, description="Whether the invoice is approved; only approved ones go."
    )
    rows: list[HostSupplierInvoiceRow] = Field(min_length=1, max_length=500)
    fortnox_given_number: str | None = Field(
        default=None,
        description="Fortnox's number of the exported invoice (its GivenNumber), written back "
        "by the bridge.",
    )
    paid_on: date | None = Field(
        default=None,
        description="The day the invoice was fully paid (Fortnox's FinalPayDate), written back "
        "by the bridge for invoices paid within the last six months.",
    )

    @model_validator(mode="after")
    def _rows_and_vat_make_the_total(self) -> HostSupplierInvoice:
        rows = sum((row.amount for row in self.rows), Decimal(0))
        if rows + self.vat != self.total:
            raise ValueError(
                f"the rows ({rows}) and the VAT ({self.vat}) make {rows + self.vat}, not the "
                f"total {self.total}; correct the rows, the VAT or the total"
            )
        if self.due_date < self.invoice_date:
            raise ValueError(f"due_date {self.due_date} is before invoice_date {self.invoice_date}")
        return self


# -- customers and suppliers -------------------------------------------------------------------

#: The characters Fortnox takes in a customer or supplier number: letters, digits, ``_ + / . -``
#: and the en dash.
PARTY_NUMBER = r"^[\w+/.\-–]+$"
#: Fortnox's VAT types of a customer.
CustomerVatType = Literal["SEVAT", "SEREVERSEDVAT", "EUREVERSEDVAT", "EUVAT", "EXPORT"]


class _Party(BaseModel):
    """What a customer and a supplier of the project application have in common."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(
        min_length=1,
        max_length=50,
        pattern=PARTY_NUMBER,
        description="The number both systems know the party by: letters, digits and _ + / . - "
        "only. A Fortnox record with the same number is taken over, never created twice.",
    )
    name: str = Field(min_length=1, max_length=1024)
    address1: str | None = Field(default=None, min_length=1, max_length=1024)
    address2: str | None = Field(default=None, min_length=1, max_length=1024)
    zip_code: str | None = Field(default=None, min_length=1, max_length=10)
    city: str | None = Field(default=None, min_length=1, max_length=1024)
    phone: str | None = Field(
        default=None, min_length=1, max_length=1024, description="Fortnox's Phone1."
    )
    email: EmailStr | None = None
    organisation_number: str | None = Field(default=None, min_length=1, max_length=30)
    country_code: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166 country code in capitals, SE for Sweden.",
    )


class HostProjectCustomer(_Party):
    """A customer of the project application, exported to Fortnox's customer register."""

    mobile: str | None = Field(
        default=None, min_length=1, max_length=1024, description="Fortnox's Phone2."
    )
    terms_of_payment: str | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="The code of a Fortnox terms of payment (30, say).",
    )
    vat_number: str | None = Field(
        default=None, min_length=1, max_length=30, description="The VAT registration number."
    )
    type: Literal["company", "private"] | None = Field(
        default=None, description="A company or a private person (Fortnox: COMPANY, PRIVATE)."
    )
    vat_type: CustomerVatType | None = Field(
        default=None,
        description="Fortnox's VAT type, sent when the customer is created (Fortnox: SEVAT).",
    )


class HostProjectSupplier(_Party):
    """A supplier of the project application: exported to Fortnox's supplier register, or
    imported from it, as the tenant chose."""

    bankgiro: str | None = Field(default=None, min_length=1, max_length=20)
    plusgiro: str | None = Field(default=None, min_length=1, max_length=20)
    vat_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=30,
        description="The VAT registration number (exported only: Fortnox's supplier list does "
        "not show it).",
    )
    active: bool = Field(default=True, description="Whether Fortnox takes new invoices from it.")
