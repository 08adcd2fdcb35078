"""``projects.cost_center.pull``: Fortnox cost centres → the bridge (``/3/costcenters``).

Fortnox owns the cost-centre register. Once a tenant turns the flow on, every sweep reads it
(one request per 500 cost centres): a new cost centre is stored, a renamed (or deactivated) one
is updated, one deleted in Fortnox is deleted; each change is announced on the event feed
(``record.created``, ``record.changed``, ``record.deleted`` of entity ``cost_center``, keyed by
the code).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.flows.projects.records import HostCostCenter

#: Fortnox cost-centre field → the bridge's field.
FIELDS = {"code": "code", "description": "name", "active": "active"}


class CostCenterImport(Flow):
    """Imports Fortnox's cost centres, keyed by their code."""

    name: ClassVar[str] = "projects.cost_center.pull"
    entity: ClassVar[str] = "cost_center"
    resource: ClassVar[str] = "cost_centers"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "code"
    record_model: ClassVar[type[BaseModel]] = HostCostCenter
    # A register Fortnox owns: read before the exports of the sweep.
    order: ClassVar[int] = 110
    # Off until a tenant turns it on: a read costs a request every sweep, and tenants of other
    # families neither need cost centres nor grant the costcenter scope.
    #: A base flow: runs for every tenant of the projects family.
    base: ClassVar[bool] = True
    pull_fields: ClassVar[frozenset[str]] = frozenset(FIELDS)
    #: A cost centre created, changed or deleted in Fortnox is read at once (its code).
    topics: ClassVar[tuple[str, ...]] = ("cost-centers",)

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox cost-centre fields → the bridge's cost-centre fields."""
        return {FIELDS[name]: value for name, value in fields.items() if name in FIELDS}

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``cost centre 100 (Bygg)``."""
        name = (record or {}).get("name")
        return f"cost centre {external_id} ({name})" if name else f"cost centre {external_id}"
