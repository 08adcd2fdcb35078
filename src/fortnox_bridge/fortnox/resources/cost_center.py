"""``/3/costcenters``: cost centres (code ≤ 6)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.cost_center import CostCenter
from fortnox_bridge.fortnox.resources.base import Resource, describe


class CostCenterResource(Resource[CostCenter, CostCenter]):
    """CostCenter operations."""

    description = describe("cost_center")
    model = CostCenter
    list_model = CostCenter
