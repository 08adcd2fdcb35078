"""``/3/units``: units."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.unit import Unit
from fortnox_bridge.fortnox.resources.base import Resource, describe


class UnitResource(Resource[Unit, Unit]):
    """Unit operations."""

    description = describe("unit")
    model = Unit
    list_model = Unit
