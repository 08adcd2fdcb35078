"""A small order and a builder call for the tests of one setting each: every test starts from
:func:`order` (changed where it needs) and compares exact Fortnox fields."""

from __future__ import annotations

from typing import Any

from fortnox_bridge.flows.service.document import BuiltDocument, DocumentInputs, build_document
from fortnox_bridge.flows.service.settings import ServiceSettings

CUSTOMER: dict[str, Any] = {
    "number": "1001",
    "name": "Verkstad AB",
    "address1": "Storgatan 1",
    "address2": "Box 7",
    "zip_code": "111 22",
    "city": "Stockholm",
    "delivery_address1": "Lagervägen 3",
    "your_reference": "Kund-ref",
}
ARTICLES: dict[str, dict[str, Any]] = {
    "F1": {"number": "F1", "description": "Oljefilter", "hidden": False},
    "ARB": {"number": "ARB", "description": "Arbete", "hidden": False},
    "FRAKT": {"number": "FRAKT", "description": "Frakt", "hidden": True},
}
OBJECTS: dict[str, dict[str, Any]] = {
    "K1": {
        "number": "K1",
        "name": "ATLAS COPCO GA 10",
        "serial_number": "API123456789",
        "operating_hours": "1250.5",
        "comment": "Står i källaren",
    }
}


def order(**changes: Any) -> dict[str, Any]:
    """A service order with no optional text, one article row unless ``rows`` says more."""
    base: dict[str, Any] = {
        "number": "1234",
        "kind": "service",
        "customer_number": "1001",
        "order_date": "2026-03-02",
        "rows": [{"type": "article", "article_number": "F1", "quantity": "1"}],
    }
    return {**base, **changes}


def build(
    settings: dict[str, Any] | None = None,
    *,
    customer: dict[str, Any] | None = CUSTOMER,
    **changes: Any,
) -> BuiltDocument:
    """The document of :func:`order` with ``changes`` under ``settings``."""
    inputs = DocumentInputs(order(**changes), customer, ARTICLES, OBJECTS)
    return build_document(inputs, ServiceSettings.model_validate(settings or {}))


def rows(document: BuiltDocument) -> list[dict[str, Any]]:
    """The document's rows, whichever kind it is."""
    key = "InvoiceRows" if document.kind == "invoice" else "OrderRows"
    rows: list[dict[str, Any]] = document.fields[key]
    return rows


def article(number: str, qty: str, description: str, **more: Any) -> dict[str, Any]:
    """An order's article row as Fortnox gets it."""
    return {
        "ArticleNumber": number,
        "Description": description,
        "OrderedQuantity": qty,
        "DeliveredQuantity": qty,
        **more,
    }


def text(description: str) -> dict[str, Any]:
    """A text row."""
    return {"Description": description}
