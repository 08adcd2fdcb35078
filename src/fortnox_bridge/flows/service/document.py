"""The Fortnox order or invoice a service order becomes: a pure function of the order, its
customer, articles and service objects, and the family's settings.

Every rule is written down in ``docs/flows/service.md`` ("Settings"); the rows are made in
:mod:`.document_rows`, the texts and limits are in :mod:`.document_text`. Fields without a
value are left out (Fortnox keeps its default), never sent empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fortnox_bridge.flows.service.document_rows import (
    RowInputs,
    lines_of,
    ordered,
    text_rows,
    written,
)
from fortnox_bridge.flows.service.document_text import (
    COMMENTS_LIMIT,
    REFERENCE_LIMIT,
    REMARKS_LIMIT,
    YOUR_ORDER_NUMBER_LIMIT,
    cut,
    day,
    hours_text,
    order_label,
)
from fortnox_bridge.flows.service.order_records import (
    HostServiceObject,
    HostServiceOrder,
    ServiceObjectRow,
)
from fortnox_bridge.flows.service.settings import ServiceSettings

__all__ = ["BuiltDocument", "DocumentInputs", "build_document"]


@dataclass(frozen=True)
class DocumentInputs:
    """What a document is made of: host payloads as the API stores them (JSON values)."""

    #: A ``HostServiceOrder`` payload.
    order: Mapping[str, Any]
    #: Its customer's ``HostServiceCustomer`` payload (``None``: not known to the bridge).
    customer: Mapping[str, Any] | None
    #: Article number → ``HostServiceArticle`` payload (those the order names, or more).
    articles: Mapping[str, Mapping[str, Any]]
    #: Service-object number → ``HostServiceObject`` payload.
    service_objects: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class BuiltDocument:
    """The document to create in Fortnox."""

    #: ``invoice`` with the setting ``create_invoice``, else ``order``.
    kind: Literal["order", "invoice"]
    #: Fortnox's fields, PascalCase, as POSTed (inside ``{"Order": ...}``/``{"Invoice": ...}``).
    fields: dict[str, Any]
    #: Every cost centre the document names (each must exist in Fortnox).
    cost_centers: frozenset[str]
    #: What was changed to fit Fortnox (a text cut to its limit, a service object not known).
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Context:
    order: HostServiceOrder
    customer: Mapping[str, Any]
    objects: Mapping[str, HostServiceObject]
    settings: ServiceSettings
    label: str


def build_document(inputs: DocumentInputs, settings: ServiceSettings) -> BuiltDocument:
    """The Fortnox order or invoice of ``inputs.order`` by ``settings``."""
    order = HostServiceOrder.model_validate(inputs.order)
    objects = {
        number: HostServiceObject.model_validate(payload)
        for number, payload in inputs.service_objects.items()
    }
    context = _Context(
        order, inputs.customer or {}, objects, settings, order_label(order.kind, order.number)
    )
    kind: Literal["order", "invoice"] = "invoice" if settings.create_invoice else "order"
    warnings: list[str] = []
    fields: dict[str, Any] = {"CustomerNumber": settings.internal_customer or order.customer_number}
    fields.update(_references(context, warnings))
    fields.update(_delivery(context, warnings))
    remarks = "\n".join(_remarks(context))
    if remarks:
        fields["Remarks"] = cut(remarks, REMARKS_LIMIT, "Remarks", warnings)
    comments = "\n".join(f"{c.author}: {c.text}" if c.author else c.text for c in order.comments)
    if settings.comments and comments:
        fields["Comments"] = cut(comments, COMMENTS_LIMIT, "Comments", warnings)
    rows = _rows(context, inputs.articles, kind, warnings)
    fields["InvoiceRows" if kind == "invoice" else "OrderRows"] = rows
    centres = frozenset(row["CostCenter"] for row in rows if "CostCenter" in row)
    return BuiltDocument(kind, fields, centres, tuple(warnings))


# -- references --------------------------------------------------------------------------------


def _references(context: _Context, warnings: list[str]) -> dict[str, Any]:
    """OurReference, YourReference and YourOrderNumber."""
    order, settings = context.order, context.settings
    fields: dict[str, Any] = {}
    number_placed = not settings.omit_order_number
    our = []
    if number_placed and not (
        settings.order_number_as_your_order_number or settings.order_number_in_comment
    ):
        our.append(context.label)
    person = _our_person(order, settings)
    if person:
        our.append(person)
    if our:
        fields["OurReference"] = cut(" / ".join(our), REFERENCE_LIMIT, "OurReference", warnings)
    yours = _your_reference(context)
    if yours:
        fields["YourReference"] = cut(yours, REFERENCE_LIMIT, "YourReference", warnings)
    if number_placed and settings.order_number_as_your_order_number:
        fields["YourOrderNumber"] = context.label
    elif order.customer_order_number:
        fields["YourOrderNumber"] = cut(
            order.customer_order_number, YOUR_ORDER_NUMBER_LIMIT, "YourOrderNumber", warnings
        )
    return fields


def _our_person(order: HostServiceOrder, settings: ServiceSettings) -> str | None:
    """Who signed the order (with the setting), else who it is assigned to (with that one)."""
    if settings.signed_as_our_reference and order.signed_by:
        return order.signed_by
    if settings.assigned_as_our_reference and order.assigned_to:
        return order.assigned_to
    return None


def _your_reference(context: _Context) -> str | None:
    """The "Er referens" field of the order, else of its facility, else of its customer; with
    none of them, the orderer (with the setting) or the contact person. The contact's phone
    number follows, after a comma, with its setting."""
    order, settings = context.order, context.settings
    facility = order.facility.your_reference if order.facility else None
    named = order.your_reference or facility or context.customer.get("your_reference")
    if not named:
        orderer = order.orderer if settings.orderer_as_your_reference else None
        named = orderer or order.contact_name
    parts = [str(named)] if named else []
    if settings.contact_phone_in_your_reference and order.contact_phone:
        parts.append(order.contact_phone)
    return ", ".join(parts) or None


# -- delivery ----------------------------------------------------------------------------------


def _delivery(context: _Context, warnings: list[str]) -> dict[str, Any]:
    """The delivery name and address from the customer by setting; the order's delivery date,
    terms and way whenever it has them."""
    settings, customer = context.settings, context.customer
    fields: dict[str, Any] = {}
    wanted = (
        settings.customer_name_as_delivery_name or settings.customer_address_as_delivery_address
    )
    if wanted and not customer:
        warnings.append(
            f"customer {context.order.customer_number} is unknown to the bridge: the delivery "
            "name and address are not filled in from it"
        )
    if settings.customer_name_as_delivery_name and customer.get("name"):
        fields["DeliveryName"] = customer["name"]
    if settings.customer_address_as_delivery_address:
        for source, target in (
            ("address1", "DeliveryAddress1"),
            ("address2", "DeliveryAddress2"),
            ("zip_code", "DeliveryZipCode"),
            ("city", "DeliveryCity"),
        ):
            if customer.get(source):
                fields[target] = customer[source]
    delivery = context.order.delivery
    if delivery is not None:
        if delivery.date is not None:
            fields["DeliveryDate"] = day(delivery.date)
        if delivery.terms:
            fields["TermsOfDelivery"] = delivery.terms
        if delivery.way:
            fields["WayOfDelivery"] = delivery.way
    return fields


# -- remarks -----------------------------------------------------------------------------------


def _remarks(context: _Context) -> list[str]:
    """The lines of Remarks, in this order: the order text, the internally invoiced order's
    customer, the facility, the sales order's status, the order number, the customer's order
    number when the order number took its field, the summary, the description and fault/cause,
    and the service objects' operating hours."""
    order, settings = context.order, context.settings
    lines: list[str] = []
    if settings.order_text and not settings.order_text_on_top:
        lines.append(settings.order_text)
    if settings.internal_customer:
        name = context.customer.get("name")
        lines.append(f"Kund: {order.customer_number}" + (f" {name}" if name else ""))
    if settings.facility_name and order.facility:
        lines.append(f"Anläggning: {order.facility.name}")
    if settings.sales_order_status and order.kind == "sales" and order.status:
        lines.append(f"Status: {order.status}")
    placed = not settings.omit_order_number
    if placed and settings.order_number_in_comment:
        lines.append(f"Ordernummer: {context.label}")
    if placed and settings.order_number_as_your_order_number and order.customer_order_number:
        lines.append(f"Ert ordernummer: {order.customer_order_number}")
    if settings.summary_in_text and order.summary:
        lines.append(
            f"Sammanfattning {context.label}: {order.summary}"
            if placed
            else f"Sammanfattning: {order.summary}"
        )
    if settings.description_in_text:
        lines.extend(_description(order))
    if settings.operating_hours_in_text:
        lines.extend(_operating_hours(context))
    return lines


def _description(order: HostServiceOrder) -> list[str]:
    texts = [("Beskrivning", order.description), ("Fel/orsak", order.fault_cause)]
    return [f"{label}: {text}" for label, text in texts if text]


def _operating_hours(context: _Context) -> list[str]:
    """``Drifttid ATLAS COPCO GA 10: 1250,5 h`` per service object of the order that has them
    (once, however many of its rows name it)."""
    lines: list[str] = []
    for row in context.order.rows:
        found = (
            context.objects.get(row.service_object) if isinstance(row, ServiceObjectRow) else None
        )
        if found is not None and found.operating_hours is not None:
            lines.append(f"Drifttid {found.name}: {hours_text(found.operating_hours)} h")
    return list(dict.fromkeys(lines))


# -- rows ----------------------------------------------------------------------------------------


def _rows(
    context: _Context,
    articles: Mapping[str, Mapping[str, Any]],
    kind: str,
    warnings: list[str],
) -> list[dict[str, Any]]:
    """The text rows on top (the order text, the description and fault/cause), then the
    order's rows, each article row with its cost centre."""
    order, settings = context.order, context.settings
    rows: list[dict[str, Any]] = []
    if settings.order_text_on_top and settings.order_text:
        rows.extend(text_rows(settings.order_text))
    if settings.description_and_cause:
        for text in _description(order):
            rows.extend(text_rows(text))
    inputs = RowInputs(order, articles, context.objects, settings)
    for line in ordered(lines_of(inputs, warnings), settings):
        rows.extend(written(line, kind, _cost_center(line.cost_center, context), settings))
    return rows


def _cost_center(own: str | None, context: _Context) -> str | None:
    """A row's own cost centre; else the user's (with the setting), else the added one —
    never one of ``ignore_cost_centers`` filled in this way."""
    if own:
        return own
    settings = context.settings
    user = context.order.cost_center
    if settings.user_cost_center_on_rows and user and user not in settings.ignore_cost_centers:
        return user
    return settings.cost_center
