"""The host entities of the ``projects`` family.

Cost centres are not a host entity: Fortnox owns them, the cost-centre import reads them into
the store and the host learns of them from the event feed.
"""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.flows.projects.records import (
    HostChangeOrder,
    HostConstructionProject,
    HostSupplierInvoice,
    HostWorkOrder,
)

ENTITIES: tuple[HostEntity, ...] = (
    HostEntity(
        entity="construction_project",
        collection="construction-projects",
        model=HostConstructionProject,
        family="projects",
        description="Projects of a project application, with their status code; those with "
        "status 40 and above become Fortnox projects.",
        reference_fields=("number", "name"),
    ),
)

# -- Work orders and change orders ----------------------------------------------------------

ENTITIES += (
    HostEntity(
        entity="work_order",
        collection="work-orders",
        model=HostWorkOrder,
        family="projects",
        description="Work orders under a construction project; with the work-order export on, "
        "each becomes a Fortnox project of its own numbered after its project (10000_1).",
        references={"project": "construction_project"},
    ),
    HostEntity(
        entity="change_order",
        collection="change-orders",
        model=HostChangeOrder,
        family="projects",
        description="Change orders (extra or changed work) under a construction project; with "
        "the change-order export on, each becomes a Fortnox project of its own (10000_Ä001).",
        references={"project": "construction_project"},
    ),
)

# -- supplier invoices ---------------------------------------------------------------------------

ENTITIES += (
    HostEntity(
        entity="supplier_invoice",
        collection="supplier-invoices",
        model=HostSupplierInvoice,
        family="projects",
        description="Supplier invoices of a project application, with their supplier and cost "
        "rows; approved ones become Fortnox supplier invoices.",
    ),
)
