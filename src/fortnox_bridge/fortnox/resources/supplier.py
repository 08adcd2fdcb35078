"""``/3/suppliers``: suppliers (no DELETE)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.supplier import Supplier, SupplierListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class SupplierResource(Resource[Supplier, SupplierListItem]):
    """Supplier operations."""

    description = describe("supplier")
    model = Supplier
    list_model = SupplierListItem
