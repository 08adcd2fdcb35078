"""``projects.project_supplier.pull``: Fortnox suppliers → the bridge (``/3/suppliers``).

The other direction of the supplier register (see ``supplier_export.py``): for a tenant whose
suppliers are kept in Fortnox. Every sweep reads the supplier list (one request per 500
suppliers): a new supplier is stored, a changed (or deactivated) one is updated; each change is
announced on the event feed (``record.created``, ``record.changed`` of entity
``project_supplier``, keyed by the supplier number). Fortnox cannot delete a supplier, so a
supplier leaves the register only as inactive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.flows.projects.parties import party_reference
from fortnox_bridge.flows.projects.records import HostProjectSupplier

#: Fortnox supplier field (as the supplier list shows it) → the bridge's field.
FIELDS = {
    "supplier_number": "number",
    "name": "name",
    "address1": "address1",
    "address2": "address2",
    "zip_code": "zip_code",
    "city": "city",
    "country_code": "country_code",
    "phone": "phone",
    "email": "email",
    "organisation_number": "organisation_number",
    "bg": "bankgiro",
    "pg": "plusgiro",
    "active": "active",
}


class SupplierImport(Flow):
    """Imports Fortnox's suppliers, keyed by their supplier number."""

    name: ClassVar[str] = "projects.project_supplier.pull"
    entity: ClassVar[str] = "project_supplier"
    resource: ClassVar[str] = "suppliers"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "supplier_number"
    record_model: ClassVar[type[BaseModel]] = HostProjectSupplier
    # A register Fortnox owns (for this tenant): read before the exports of the sweep.
    order: ClassVar[int] = 120
    # Off until a tenant chooses to import its suppliers (or to export them: the other flow).
    default_enabled: ClassVar[bool] = False
    #: Suppliers are either imported from Fortnox or exported to it, never both.
    excludes: ClassVar[tuple[str, ...]] = ("projects.project_supplier.push",)
    pull_fields: ClassVar[frozenset[str]] = frozenset(FIELDS)

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox supplier fields → the bridge's supplier fields."""
        return {FIELDS[name]: value for name, value in fields.items() if name in FIELDS}

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``supplier 2001 (2001 Bygglager AB)``."""
        return party_reference("supplier", external_id, record)
