"""Host records of the service family's registers, as a field-service application sends them:
customers, articles, their prices, and the technicians' time reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from fortnox_bridge.flows.common.paxml_codes import check_paxml_code
from fortnox_bridge.formats.paxml.codes import ATTENDANCE, to_fortnox

_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _text(max_length: int, description: str) -> Any:
    return Field(default=None, min_length=1, max_length=max_length, description=description)


class HostServiceCustomer(BaseModel):
    """A customer of the field-service application; matched with a Fortnox customer by number."""

    model_config = _CONFIG

    number: str = Field(
        min_length=1,
        max_length=20,
        description="The customer number, the same in both systems (Fortnox's CustomerNumber).",
    )
    name: str = Field(min_length=1, max_length=200, description="The customer's name.")
    organisation_number: str | None = _text(
        30, "Organisation or personal identity number; sent only when Fortnox creates the customer."
    )
    type: Literal["company", "private"] | None = Field(
        default=None, description="A company or a private person (Fortnox's Type)."
    )
    address1: str | None = _text(1024, "Postal address, first line.")
    address2: str | None = _text(1024, "Postal address, second line.")
    zip_code: str | None = _text(10, "Postal code.")
    city: str | None = _text(1024, "City.")
    country_code: str | None = Field(
        default=None, min_length=2, max_length=2, description="ISO country code (SE)."
    )
    phone: str | None = _text(1024, "Phone number (Fortnox's Phone1).")
    email: EmailStr | None = Field(default=None, description="E-mail address.")
    delivery_name: str | None = _text(1024, "Name on deliveries.")
    delivery_address1: str | None = _text(1024, "Delivery address.")
    delivery_zip_code: str | None = _text(10, "Delivery postal code.")
    delivery_city: str | None = _text(1024, "Delivery city.")
    your_reference: str | None = _text(
        50, "The customer's own reference (the host's custom field; Fortnox's YourReference)."
    )
    sub_group: str | None = _text(
        100,
        "The host's sub-group of the customer; the setting sub_group_on_sync gives customers "
        "that come from Fortnox this value.",
    )
    active: bool = Field(default=True, description="Inactive customers are inactive in Fortnox.")


class HostServiceArticle(BaseModel):
    """An article (a part or a service) of the field-service application."""

    model_config = _CONFIG

    number: str = Field(
        min_length=1, max_length=50, description="The article number (Fortnox's ArticleNumber)."
    )
    description: str = Field(min_length=1, max_length=200, description="The article's name.")
    unit: str | None = _text(20, "Unit code (st, tim); Fortnox must know it.")
    type: Literal["stock", "service"] | None = Field(
        default=None, description="A stock article or a service (Fortnox's Type)."
    )
    vat: Decimal | None = Field(default=None, ge=0, le=100, description="VAT in percent (25).")
    active: bool = Field(
        default=True,
        description="Inactive articles are not synchronised: neither sent to Fortnox nor read "
        "back from it.",
    )
    hidden: bool = Field(
        default=False,
        description="Hidden for logged-in customers and on print; such articles can be left "
        "out of orders by setting. Not sent to Fortnox.",
    )


class HostServicePrice(BaseModel):
    """An article's price in a Fortnox price list (from quantity 0)."""

    model_config = _CONFIG

    article_number: str = Field(
        min_length=1, max_length=50, description="The article's number (HostServiceArticle)."
    )
    price_list: str = Field(
        default="A",
        min_length=1,
        max_length=100,
        description="The Fortnox price list; only prices in the tenant's price_list are synced.",
    )
    price: Decimal | None = Field(
        default=None,
        ge=0,
        description="The price without VAT; none means the article has no price (never sent).",
    )


class HostTimeReport(BaseModel):
    """Hours a technician reported on one day, sent as a Fortnox attendance transaction."""

    model_config = _CONFIG

    employee_number: str = Field(
        min_length=1, max_length=15, description="The employee's number (Fortnox's EmployeeId)."
    )
    date: date
    hours: Decimal = Field(gt=0, le=24, description="Hours worked that day under the code.")
    code: str = Field(
        min_length=1,
        max_length=10,
        description="The attendance code (a PAXml time code such as TID, ARB or ÖT1); Fortnox "
        "gets its cause code.",
    )
    order_number: str | None = _text(50, "The order the time was reported on.")
    project: str | None = _text(20, "Fortnox project number.")
    cost_center: str | None = _text(6, "Fortnox cost centre code.")

    @field_validator("code")
    @classmethod
    def _attendance_code(cls, value: str) -> str:
        code = check_paxml_code(value)
        if to_fortnox(code).kind != ATTENDANCE:
            raise ValueError(
                f"code {value!r} is an absence code; a time report takes an attendance code "
                "(TID, ARB, MER, ÖT1 ...); send absence as absence"
            )
        return code
