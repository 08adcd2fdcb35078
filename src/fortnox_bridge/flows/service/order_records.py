"""Host records of the service family's work: service objects (the machines and installations
a customer has serviced) and service, work and sales orders with their rows, comments, facility
and delivery, plus the fields the bridge writes back once an order is in Fortnox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: A Fortnox customer number: letters, digits and ``+ / . - _``.
CUSTOMER_NUMBER = r"^[\w+/.\-]+$"
#: A Fortnox article number.
ARTICLE_NUMBER = r"^[\w+/.\-]+$"

_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _text(limit: int, description: str) -> Any:
    """An optional text field of at most ``limit`` characters."""
    return Field(default=None, min_length=1, max_length=limit, description=description)


# -- service objects ---------------------------------------------------------------------------


class HostServiceObject(BaseModel):
    """A service object: a machine or installation at a customer that orders are done on."""

    model_config = _CONFIG

    number: str = Field(min_length=1, max_length=50, description="The host's number of it.")
    name: str = Field(min_length=1, max_length=200, description="Its name (ATLAS COPCO GA 10).")
    serial_number: str | None = _text(100, "Its serial (machine) number.")
    customer_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        pattern=CUSTOMER_NUMBER,
        description="The customer it belongs to (Fortnox's CustomerNumber).",
    )
    facility: str | None = _text(200, "The name of the facility it stands at.")
    operating_hours: Decimal | None = Field(
        default=None,
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="Its operating hours as last read (shown on the document by setting).",
    )
    comment: str | None = _text(1000, "A comment on it (shown on the document by setting).")


# -- order rows ----------------------------------------------------------------------------------


class ArticleRow(BaseModel):
    """An article (material or a service article) used on the order."""

    model_config = _CONFIG

    type: Literal["article"] = "article"
    article_number: str = Field(min_length=1, max_length=50, pattern=ARTICLE_NUMBER)
    quantity: Decimal = Field(max_digits=14, decimal_places=4, description="How many.")
    price: Decimal | None = Field(
        default=None,
        max_digits=14,
        decimal_places=2,
        description="The host's price of one unit, VAT excluded (sent by setting; without it "
        "Fortnox takes the article's price).",
    )
    date: dt.date | None = Field(default=None, description="The day it was used.")
    technician: str | None = _text(100, "Who used it.")
    description: str | None = _text(1000, "The row's text; without it the article's own.")
    cost_center: str | None = Field(default=None, min_length=1, max_length=6)


class ActionRow(BaseModel):
    """Work done on a day by a technician; with a labour article it is charged, else a text."""

    model_config = _CONFIG

    type: Literal["action"] = "action"
    date: dt.date
    hours: Decimal = Field(gt=0, max_digits=8, decimal_places=2)
    technician: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=1000)
    article_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        pattern=ARTICLE_NUMBER,
        description="The labour article charged for the hours; without it the action is "
        "only a text row.",
    )
    price: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)


class ServiceObjectRow(BaseModel):
    """A service object the order was done on (its lines are set by the settings)."""

    model_config = _CONFIG

    type: Literal["service_object"] = "service_object"
    service_object: str = Field(min_length=1, max_length=50, description="Its number.")
    comment: str | None = _text(1000, "What was done on it in this order.")


class TextRow(BaseModel):
    """A free text row."""

    model_config = _CONFIG

    type: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=2000)


OrderRow = Annotated[
    ArticleRow | ActionRow | ServiceObjectRow | TextRow, Field(discriminator="type")
]


# -- the order -------------------------------------------------------------------------------


class Facility(BaseModel):
    """The facility the order was done at."""

    model_config = _CONFIG

    name: str = Field(min_length=1, max_length=200)
    your_reference: str | None = _text(50, 'The facility\'s "Er referens" custom field.')


class Delivery(BaseModel):
    """A sales order's delivery (terms and way are custom fields of sales orders)."""

    model_config = _CONFIG

    date: dt.date | None = None
    terms: str | None = _text(30, "Fortnox's terms of delivery code.")
    way: str | None = _text(30, "Fortnox's way of delivery code.")


class Comment(BaseModel):
    """A comment written on the order."""

    model_config = _CONFIG

    text: str = Field(min_length=1, max_length=10_000)
    author: str | None = _text(100, "Who wrote it.")


class HostServiceOrder(BaseModel):
    """A service, work or sales order; a ready one becomes a Fortnox order or invoice."""

    model_config = _CONFIG

    number: str = Field(min_length=1, max_length=50, description="The host's order number.")
    kind: Literal["service", "work", "sales"]
    customer_number: str = Field(
        min_length=1, max_length=20, pattern=CUSTOMER_NUMBER, description="Fortnox's customer."
    )
    order_date: dt.date
    ready: bool = Field(default=False, description="Ready for invoicing.")
    status: str | None = _text(100, "The sales order's status text.")
    facility: Facility | None = None
    assigned_to: str | None = _text(50, "The name of the person the order is assigned to.")
    signed_by: str | None = _text(50, "The name of the person who signed the order.")
    orderer: str | None = _text(50, "Who ordered the work (Beställare).")
    contact_name: str | None = _text(50, "The customer's contact person.")
    contact_phone: str | None = _text(30, "The contact person's phone number.")
    customer_order_number: str | None = _text(75, "The customer's own order number.")
    your_reference: str | None = _text(50, 'The order\'s "Er referens" custom field.')
    description: str | None = _text(10_000, "What was asked for.")
    fault_cause: str | None = _text(10_000, "The fault and its cause.")
    summary: str | None = _text(10_000, "A summary of the work.")
    cost_center: str | None = Field(
        default=None, min_length=1, max_length=6, description="The user's cost centre."
    )
    delivery: Delivery | None = None
    rows: list[OrderRow] = Field(default_factory=list, max_length=500)
    comments: list[Comment] = Field(default_factory=list, max_length=200)
    fortnox_reference: str | None = Field(
        default=None,
        description="Fortnox's DocumentNumber of the order or invoice (the integration "
        "reference), written back by the bridge.",
    )
    fortnox_document: Literal["order", "invoice"] | None = Field(
        default=None, description="What the reference numbers, written back by the bridge."
    )
    invoiced: bool = Field(default=False, description="Invoiced, written back by the bridge.")
    invoiced_on: dt.date | None = Field(
        default=None, description="The day it counted as invoiced, written back by the bridge."
    )
