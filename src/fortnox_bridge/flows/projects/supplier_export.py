"""``projects.project_supplier.push``: host suppliers → Fortnox suppliers (``/3/suppliers``).

One of the two directions of the supplier register: a tenant whose suppliers are kept in the
project application exports them (this flow); a tenant whose suppliers are kept in Fortnox
imports them (``projects.project_supplier.pull``). The tenant turns on the one it chose.

Suppliers are matched by supplier number: a Fortnox supplier with the host supplier's number is
taken over (only the fields that differ are sent), never created a second time. The number and
the organisation number are sent only when the supplier is created. Fortnox cannot delete a
supplier: a deleted host supplier is made inactive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import ExistingPolicy, Flow
from fortnox_bridge.flows.projects.parties import party_reference
from fortnox_bridge.flows.projects.records import HostProjectSupplier

#: Host supplier field → Fortnox supplier field, sent at every change.
FIELDS = {
    "name": "name",
    "address1": "address1",
    "address2": "address2",
    "zip_code": "zip_code",
    "city": "city",
    "country_code": "country_code",
    "phone": "phone1",
    "email": "email",
    "bankgiro": "bg",
    "plusgiro": "pg",
    "vat_number": "vat_number",
    "active": "active",
}
#: Host supplier field → Fortnox supplier field, sent only when the supplier is created.
ON_CREATE = {"number": "supplier_number", "organisation_number": "organisation_number"}


class SupplierExport(Flow):
    """Creates, updates and deactivates Fortnox suppliers from the host's suppliers."""

    name: ClassVar[str] = "projects.project_supplier.push"
    entity: ClassVar[str] = "project_supplier"
    resource: ClassVar[str] = "suppliers"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "supplier_number"
    record_model: ClassVar[type[BaseModel]] = HostProjectSupplier
    order: ClassVar[int] = 206
    # Off until a tenant chooses to export its suppliers (or to import them: the other flow).
    default_enabled: ClassVar[bool] = False
    #: Suppliers are either exported to Fortnox or imported from it, never both.
    excludes: ClassVar[tuple[str, ...]] = ("projects.project_supplier.pull",)
    natural_key: ClassVar[tuple[str, ...]] = ("supplier_number",)
    natural_key_search: ClassVar[Mapping[str, str]] = {"supplier_number": "suppliernumber"}
    match_existing: ClassVar[bool] = True
    create_only: ClassVar[frozenset[str]] = frozenset(ON_CREATE.values())
    # Fortnox has no DELETE for suppliers.
    delete_by: ClassVar[Mapping[str, Any] | None] = {"active": False}
    undelete_by: ClassVar[Mapping[str, Any]] = {"active": True}

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host supplier payload → Fortnox supplier fields; empty values are left out."""
        fields = {target: record.get(source) for source, target in {**FIELDS, **ON_CREATE}.items()}
        return {key: value for key, value in fields.items() if value not in (None, "")}

    def existing_policy(self) -> ExistingPolicy:
        """A Fortnox supplier with the host supplier's number is that supplier: adopt it."""
        return "adopt"

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``supplier s-7 (2001 Bygglager AB)``."""
        return party_reference("supplier", external_id, record)
