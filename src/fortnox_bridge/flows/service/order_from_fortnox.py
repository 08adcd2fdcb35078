"""A host service order made from a Fortnox order (the setting
``create_order_from_reference``): the customer, the dates, the references and the rows, linked
to the Fortnox order by its number. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


def _quantity(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "1"
    return str(number.normalize()) if number > 0 else "1"


def _row(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """An order row: an article row when it names an article, else a text row."""
    description = str(row.get("Description") or "").strip()
    article = str(row.get("ArticleNumber") or "").strip()
    if not article:
        return {"type": "text", "text": description} if description else None
    out: dict[str, Any] = {
        "type": "article",
        "article_number": article,
        "quantity": _quantity(row.get("OrderedQuantity") or row.get("DeliveredQuantity") or 1),
    }
    if row.get("Price") not in (None, ""):
        out["price"] = str(row["Price"])
    if description:
        out["description"] = description
    if row.get("CostCenter"):
        out["cost_center"] = str(row["CostCenter"])
    return out


def host_order_from(order: Mapping[str, Any], number: str | None = None) -> dict[str, Any]:
    """The host payload of Fortnox order ``order`` (wire fields, as Fortnox answers it)."""
    document = str(order["DocumentNumber"])
    rows = [made for made in (_row(row) for row in order.get("OrderRows") or ()) if made]
    payload: dict[str, Any] = {
        "number": number or str(order.get("ExternalInvoiceReference1") or "") or document,
        "kind": "sales",
        "customer_number": str(order["CustomerNumber"]),
        "order_date": order.get("OrderDate") or None,
        "ready": False,
        "your_reference": order.get("YourReference") or None,
        "customer_order_number": order.get("YourOrderNumber") or None,
        "cost_center": order.get("CostCenter") or None,
        "rows": rows,
        "fortnox_reference": document,
        "fortnox_document": "order",
    }
    return {key: value for key, value in payload.items() if value is not None}
