"""The host entities of the ``projects`` family.

Cost centres are not a host entity: Fortnox owns them, the cost-centre import reads them into
the store and the host learns of them from the event feed. Nor are accounts: the account import
reads the new accounts of Fortnox's chart into the store the same way.
"""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.engine.flow.fortnox_fields import fortnox_fields
from fortnox_bridge.flows.projects.invoice_records import HostCustomerInvoice
from fortnox_bridge.flows.projects.records import (
    HostChangeOrder,
    HostConstructionProject,
    HostProjectCustomer,
    HostProjectSupplier,
    HostSupplierInvoice,
    HostWorkOrder,
)
from fortnox_bridge.flows.projects.voucher_records import HostVoucher

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
    # -- customers and suppliers ---------------------------------------------------------------
    # Named after the family, not plain "customer" and "supplier": the entity name is shared by
    # every family, and the service family's customers (an article and order register) are other
    # records with other fields and rules; a family that took the plain name first would force
    # the other to rename a collection hosts already use.
    HostEntity(
        entity="project_customer",
        collection="project-customers",
        model=HostProjectCustomer,
        family="projects",
        description="Customers of a project application, matched with Fortnox customers by "
        "customer number.",
        fortnox_fields=fortnox_fields(
            "customers",
            {
                "name": "name",
                "address1": "address1",
                "address2": "address2",
                "zip_code": "zip_code",
                "city": "city",
                "phone": "phone1",
                "mobile": "phone2",
                "organisation_number": "organisation_number",
                "country_code": "country_code",
            },
        ),
    ),
    HostEntity(
        entity="project_supplier",
        collection="project-suppliers",
        model=HostProjectSupplier,
        family="projects",
        description="Suppliers of a project application, matched with Fortnox suppliers by "
        "supplier number: exported to Fortnox or imported from it, as the tenant chose.",
        fortnox_fields=fortnox_fields(
            "suppliers",
            {"name": "name", "phone": "phone1", "country_code": "country_code"},
        ),
    ),
)

# Neither customer invoices nor vouchers declare reference fields: their flows' references
# ("H-9 to customer 1001", "voucher A 17 (2026)") say more than the fields joined by spaces.

# -- customer invoices -----------------------------------------------------------------------

ENTITIES += (
    HostEntity(
        entity="customer_invoice",
        collection="customer-invoices",
        model=HostCustomerInvoice,
        family="projects",
        description="Customer invoices of a project application, with their revenue rows and "
        "PDF; locked ones become Fortnox invoices, and their paid date comes back.",
    ),
)

# -- vouchers ---------------------------------------------------------------------------------
# Fortnox owns them: the voucher import stores them and the host reads them (GET), with the
# image of a voucher booked from a supplier invoice; host writes are refused.

ENTITIES += (
    HostEntity(
        entity="voucher",
        collection="vouchers",
        model=HostVoucher,
        family="projects",
        description="Fortnox vouchers with a row on a project, imported by the voucher import "
        "(read them; the bridge never sends vouchers to Fortnox).",
        fortnox_owned=True,
        documents=("image",),
    ),
)
