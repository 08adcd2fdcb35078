"""The host entities of the ``projects`` family.

Cost centres are not a host entity: Fortnox owns them, the cost-centre import reads them into
the store and the host learns of them from the event feed.
"""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.flows.projects.records import HostConstructionProject, HostSupplierInvoice

ENTITIES: tuple[HostEntity, ...] = (
    HostEntity(
        entity="construction_project",
        collection="construction-projects",
        model=HostConstructionProject,
        family="projects",
        description="Projects of a project application, with their status code; those with "
        "status 40 and above become Fortnox projects.",
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
