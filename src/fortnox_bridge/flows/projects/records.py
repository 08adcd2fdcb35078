"""Host records of the projects family, as a project application sends them to the bridge,
and the form the Fortnox registers it imports take in the bridge."""

from __future__ import annotations

from datetime import date
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
