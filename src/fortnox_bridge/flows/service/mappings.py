"""The service family's tenant mappings: the application's own names for cost centres and
technicians, translated to what Fortnox knows them by.

A field-service application often names a cost centre ("Syd") or a technician (a user id)
differently from Fortnox ("200", employee ``12``). A mapping of kind ``service_cost_center``
turns the application's cost centre into Fortnox's code on orders, their rows and time
reports; one of kind ``service_employee`` turns the employee a time report names into
Fortnox's employee id. A value without a mapping is sent as it is; a value mapped to nothing
(excluded) is left out: the document or row goes without a cost centre, the time report is
not sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fortnox_bridge.engine.flow.base import Excluded, MappingKind, Mappings

COST_CENTER_KIND = "service_cost_center"
EMPLOYEE_KIND = "service_employee"

COST_CENTER_MAPPING = MappingKind(
    COST_CENTER_KIND,
    local="a cost centre of the service application",
    fortnox="a Fortnox cost centre code",
)
EMPLOYEE_MAPPING = MappingKind(
    EMPLOYEE_KIND,
    local="a technician of the service application",
    fortnox="a Fortnox employee id",
)


def _mapped(mappings: Mappings, kind: str, value: Any) -> str | None:
    """``value`` as the tenant maps it (``None``: excluded); unmapped values stay as they are."""
    if value in (None, ""):
        return None
    table = mappings.get(kind) or {}
    text = str(value)
    return table.get(text, text)


def with_cost_centers(mappings: Mappings, record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` (an order or a time report) with its cost centre and its rows' cost centres
    as Fortnox knows them; an excluded one is removed."""
    out = dict(record)
    if "cost_center" in out:
        out["cost_center"] = _mapped(mappings, COST_CENTER_KIND, out["cost_center"])
    if isinstance(out.get("rows"), list):
        rows = []
        for row in out["rows"]:
            row = dict(row)
            if "cost_center" in row:
                row["cost_center"] = _mapped(mappings, COST_CENTER_KIND, row["cost_center"])
            rows.append(row)
        out["rows"] = rows
    return out


def employee_id(mappings: Mappings, number: Any) -> str:
    """The Fortnox employee id of the employee a time report names; raises :class:`Excluded`
    when the tenant excluded that employee."""
    mapped = _mapped(mappings, EMPLOYEE_KIND, number)
    if mapped is None:
        raise Excluded(f"employee {number} is excluded by the tenant's employee mapping")
    return mapped
