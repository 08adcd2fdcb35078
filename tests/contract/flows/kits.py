"""Test data for the flow contract suite: one kit per flow.

Adding a flow means adding its kit here; ``test_every_flow_has_a_kit`` fails until then.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.flows.ledger.year_pull import LedgerYearPull
from fortnox_bridge.flows.payroll.transactions_push import AbsencePush as PayrollAbsencePush
from fortnox_bridge.flows.payroll.transactions_push import AttendancePush
from fortnox_bridge.flows.projects.account_import import AccountImport
from fortnox_bridge.flows.projects.change_order_export import ChangeOrderExport
from fortnox_bridge.flows.projects.cost_center_import import CostCenterImport
from fortnox_bridge.flows.projects.customer_export import CustomerExport
from fortnox_bridge.flows.projects.customer_invoice_export import CustomerInvoiceExport
from fortnox_bridge.flows.projects.invoice_payments import (
    CustomerInvoicePaidDates,
    SupplierInvoicePaidDates,
)
from fortnox_bridge.flows.projects.project_export import ProjectExport
from fortnox_bridge.flows.projects.supplier_export import SupplierExport
from fortnox_bridge.flows.projects.supplier_import import SupplierImport
from fortnox_bridge.flows.projects.supplier_invoice_export import SupplierInvoiceExport
from fortnox_bridge.flows.projects.voucher_import import VoucherImport
from fortnox_bridge.flows.projects.work_order_export import WorkOrderExport
from fortnox_bridge.flows.service.article_sync import ArticlePull, ArticlePush
from fortnox_bridge.flows.service.customer_sync import CustomerPull, CustomerPush
from fortnox_bridge.flows.service.order_invoiced import ServiceOrderInvoiced
from fortnox_bridge.flows.service.order_push import ServiceOrderPush
from fortnox_bridge.flows.service.price_sync import PricePull, PricePush
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW
from fortnox_bridge.flows.service.time_report_push import TimeReportPush
from fortnox_bridge.formats.pdf import text_pdf
from fortnox_bridge.fortnox import FortnoxClient

Records = dict[str, dict[str, Any]]


def employee(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host employee."""
    return {
        "email": f"kontrakt{number}@example.se",
        "given_name": f"Kontrakt{number}",
        "family_name": "Andersson",
        "phone": f"070-100 00 {number:02d}",
        **extra,
    }


@dataclass
class Kit:
    """How the contract suite exercises one flow."""

    #: The flows to run, the flow under test among them (its dependencies first).
    flows: list[type[Flow]]
    #: Host records by entity that must exist first (e.g. employees for time entries).
    prerequisites: dict[str, Records] = field(default_factory=dict)
    #: Push: host records of the flow's entity, by host id.
    records: Records = field(default_factory=dict)
    #: Push: a host record changed in one mapped field, and that field in Fortnox's terms.
    change: tuple[str, dict[str, Any], str, Any] | None = None
    #: Push: a field Fortnox edits on the changed record that the host leaves alone.
    fortnox_edit: tuple[str, Any] | None = None
    #: Push: a host record Fortnox refuses (stored as an older host version could have).
    bad: tuple[str, dict[str, Any]] | None = None
    #: Push: whether a deleted record is gone from Fortnox (else: deactivated).
    deletes: bool = True
    #: Push, a deleted record that stays in Fortnox: the field and value that say so.
    deleted_as: tuple[str, Any] = ("inactive", True)
    #: Push: Fortnox reads a create costs besides its write (a supplier invoice's supplier).
    create_reads: int = 0
    #: Pull: Fortnox records to create before the first run (snake_case fields).
    remote: list[dict[str, Any]] = field(default_factory=list)
    #: Pull: a Fortnox-side change (field, value) and the host field it lands in.
    remote_change: tuple[str, Any, str] | None = None
    #: Pull: Fortnox values the host record model refuses.
    remote_bad: dict[str, Any] | None = None
    #: Pull: how to delete a Fortnox record, if Fortnox can.
    remote_delete: Callable[[FortnoxClient, str], Awaitable[None]] | None = None
    #: Pull: Fortnox's list leaves compared fields out, so a record is also read in full (one
    #: request) when it meets a host record and after Fortnox changed it.
    partial_list: bool = False
    #: Flow settings by flow name (default: none).
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Fortnox registers the records name, by sandbox register and code, there before the
    #: first run (the projects and cost centres of time entries).
    registers: dict[str, Records] = field(default_factory=dict)
    #: Where the flow's scenarios are when the generic ones do not fit it (a pull that
    #: compares one read-only field Fortnox's payments set); the kit then only registers it.
    own_scenarios: str | None = None
    #: Built flows: the host entity of ``records`` (time entries for salary days) ...
    source: str | None = None
    #: ... and the id of the built record each becomes.
    built: dict[str, str] = field(default_factory=dict)


def project(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host project, ongoing."""
    return {
        "number": f"{10000 + number}",
        "name": f"Kontraktsprojekt {number}",
        "status_code": 50,
        "start_date": "2026-01-05",
        **extra,
    }


def project_order(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host work or change order, ongoing, of project ``p0`` (``10000``)."""
    return {
        "project": "p0",
        "number": str(number),
        "name": f"Kontraktsorder {number}",
        "status_code": 50,
        "created_on": "2026-02-02",
        **extra,
    }


def party(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host customer or supplier of a project application."""
    return {
        "number": f"{2000 + number}",
        "name": f"Kontraktspart {number} AB",
        "address1": f"Byggvägen {number}",
        "zip_code": "75320",
        "city": "Uppsala",
        **extra,
    }


def supplier_invoice(number: int, **extra: Any) -> dict[str, Any]:
    """A valid approved host supplier invoice of 125 kr (100 + 25 VAT); two suppliers."""
    return {
        "supplier": {"number": f"L{number % 2 + 1}", "name": f"Leverantör {number % 2 + 1}"},
        "invoice_number": f"F-{number}",
        "invoice_date": "2026-01-05",
        "due_date": "2026-02-04",
        "total": "125",
        "vat": "25",
        "approved": True,
        "rows": [{"account": 4000, "amount": "100", "description": f"Rad {number}"}],
        **extra,
    }


def customer_invoice(number: int, **extra: Any) -> dict[str, Any]:
    """A valid locked host customer invoice of customer ``k1`` (2001), with its PDF."""
    pdf = text_pdf([f"Faktura H-{number}"])
    return {
        "invoice_number": f"H-{number}",
        "customer_number": "2001",
        "invoice_date": "2026-01-05",
        "locked": True,
        "rows": [{"description": f"Rad {number}", "quantity": "2", "price": "50", "account": 3001,
                  "vat": 25}],
        "pdf": base64.b64encode(pdf).decode(),
        **extra,
    }  # fmt: skip


#: The project the orders of the order kits belong to.
ORDER_PROJECTS = {"construction_project": {"p0": project(0)}}


async def delete_account(client: FortnoxClient, number: str) -> None:
    """Delete a Fortnox account (one no voucher uses)."""
    await client.accounts.delete(number)


async def delete_cost_center(client: FortnoxClient, code: str) -> None:
    """Delete a Fortnox cost centre."""
    await client.cost_centers.delete(code)


def absence(employee: str, day: str, **extra: Any) -> dict[str, Any]:
    """An approved one-day host absence (sick leave)."""
    return {
        "employee": employee,
        "absence_type": "sick",
        "start": day,
        "end": day,
        "status": "approved",
        **extra,
    }


def service_customer(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host customer of a field-service application."""
    return {"number": f"{3000 + number}", "name": f"Servicekund {number} AB",
            "city": "Uppsala", "type": "company", **extra}  # fmt: skip


def service_article(number: int, **extra: Any) -> dict[str, Any]:
    """A valid active host article (a service, in hours)."""
    return {"number": f"S-{number}", "description": f"Servicetjänst {number}", "unit": "st",
            "type": "service", "vat": "25", **extra}  # fmt: skip


def service_price(number: int, **extra: Any) -> dict[str, Any]:
    """A host price of article ``S-<number>`` in the default list."""
    return {"article_number": f"S-{number}", "price_list": "A", "price": f"{100 * number}",
            **extra}  # fmt: skip


def time_report(number: int, **extra: Any) -> dict[str, Any]:
    """Eight hours of employee 7 or 8 on a January day."""
    return {"employee_number": str(7 + number % 2), "date": f"2026-01-{5 + number:02d}",
            "hours": "8", "code": "TID", **extra}  # fmt: skip


#: What the service kits' tenants use Fortnox for.
SERVICE_ARTICLES = {"service_article": {f"a{n}": service_article(n) for n in range(1, 5)}}
SERVICE_SCENARIOS = "tests/integration/test_service_registers.py"
TECHNICIANS = {
    "employees": {
        str(n): {"EmployeeId": str(n), "FirstName": f"Tekniker{n}", "LastName": "Svensson",
                 "Active": True}
        for n in (7, 8)
    },
    "costcenters": {"SERV": {"Code": "SERV", "Description": "Service", "Active": True}},
}  # fmt: skip


KITS: dict[str, Kit] = {
    "hr.employee.push": Kit(
        flows=[EmployeePush],
        records={f"e{n}": employee(n) for n in range(1, 5)},
        change=("e2", employee(2, city="Kiruna"), "city", "Kiruna"),
        fortnox_edit=("job_title", "Montör"),
        bad=("e-bad", {"email": "utan@example.se", "given_name": "Utan"}),
        deletes=False,  # Fortnox has no DELETE for employees: they are deactivated
    ),
    "payroll.attendance.push": Kit(
        flows=[EmployeePush, AttendancePush],
        prerequisites={
            "employee": {"e1": employee(1), "e2": employee(2)},
            "project": {"p1": {"number": "P1", "name": "Projekt 1"}},
        },
        registers={
            "projects": {"P1": {"ProjectNumber": "P1", "Description": "Projekt 1"}},
            "costcenters": {"CC1": {"Code": "CC1", "Description": "Bygg", "Active": True}},
        },
        source="time_entry",
        # One entry per employee and day: one attendance transaction per salary day.
        records={
            "t1": {"employee": "e1", "date": "2026-01-05", "hours": "8", "project": "p1"},
            "t2": {"employee": "e1", "date": "2026-01-06", "hours": "7.5"},
            "t3": {"employee": "e2", "date": "2026-01-05", "hours": "4", "cost_center": "CC1"},
            "t4": {"employee": "e2", "date": "2026-01-07", "hours": "6", "paxml_code": "ÖT1"},
        },
        built={
            "t1": "e1/2026-01-05",
            "t2": "e1/2026-01-06",
            "t3": "e2/2026-01-05",
            "t4": "e2/2026-01-07",
            "t-bad": "e1/2026-01-09",
        },
        change=("t2", {"employee": "e1", "date": "2026-01-06", "hours": "6"}, "hours", "6"),
        # Fortnox refuses more than 24 hours a day (an older host version could have stored it).
        bad=("t-bad", {"employee": "e1", "date": "2026-01-09", "hours": "30"}),
    ),
    "payroll.absence.push": Kit(
        flows=[EmployeePush, PayrollAbsencePush],
        prerequisites={
            "employee": {"e1": employee(1), "e2": employee(2)},
            "absence_type": {
                "sick": {"code": "sick", "name": "Sjuk", "paxml_code": "SJK"},
                "vab": {"code": "vab", "name": "Vård av barn", "paxml_code": "VAB"},
            },
        },
        source="time_entry",
        records={
            "a1": {"employee": "e1", "date": "2026-01-05", "hours": "8", "absence_type": "sick"},
            "a2": {"employee": "e1", "date": "2026-01-06", "hours": "4", "absence_type": "vab"},
            "a3": {"employee": "e2", "date": "2026-01-05", "hours": "8", "absence_type": "sick"},
            "a4": {"employee": "e2", "date": "2026-01-07", "hours": "2", "absence_type": "vab"},
        },
        built={
            "a1": "e1/2026-01-05",
            "a2": "e1/2026-01-06",
            "a3": "e2/2026-01-05",
            "a4": "e2/2026-01-07",
            "a-bad": "e1/2026-01-09",
        },
        change=(
            "a2",
            {"employee": "e1", "date": "2026-01-06", "hours": "3", "absence_type": "vab"},
            "hours",
            "3",
        ),
        bad=(
            "a-bad",
            {"employee": "e1", "date": "2026-01-09", "hours": "30", "absence_type": "sick"},
        ),
    ),
    "hr.absence.push": Kit(
        flows=[EmployeePush, AbsencePush],
        prerequisites={
            "employee": {"e1": employee(1), "e2": employee(2)},
            "absence_type": {"sick": {"code": "sick", "name": "Sick leave"}},
        },
        # One working day each (2026-01-05 is a Monday): one absence transaction per record.
        records={
            "a1": absence("e1", "2026-01-05"),
            "a2": absence("e1", "2026-01-06"),
            "a3": absence("e2", "2026-01-05"),
            "a4": absence("e2", "2026-01-07", extent=50),
        },
        change=("a2", absence("e1", "2026-01-06", extent=25), "hours", "2"),
        # Fortnox refuses an extent above 100 (an older host version could have stored one).
        bad=("a-bad", absence("e1", "2026-01-08", extent=150)),
        settings={"hr.employee.push": {"default_schedule": "HEL"}},
    ),
    "hr.employee.pull": Kit(
        flows=[EmployeePull, EmployeePush],
        records={f"e{n}": employee(n) for n in (1, 2)},
        remote=[
            {"email": "kontrakt1@example.se", "first_name": "Kontrakt1", "last_name": "Andersson"},
            {"email": "kontrakt2@example.se", "first_name": "Kontrakt2", "last_name": "Andersson"},
            {"email": "bara.fortnox@example.se", "first_name": "Bara", "last_name": "Fortnox"},
        ],
        remote_change=("phone1", "08-123 45 67", "phone"),
        remote_bad={"email": "inte-en-adress"},
        partial_list=True,  # the employee list has no address, dates or bank account
    ),
    "projects.construction_project.push": Kit(
        flows=[ProjectExport],
        records={f"p{n}": project(n) for n in range(1, 5)},
        change=("p2", project(2, status_code=90), "status", "COMPLETED"),
        fortnox_edit=("comments", "Ändrat i Fortnox"),
        # Fortnox refuses a project leader over 50 characters (an older host version could
        # have stored one).
        bad=("p-bad", project(9, leader="L" * 60)),
    ),
    "projects.work_order.push": Kit(
        flows=[WorkOrderExport],
        prerequisites=ORDER_PROJECTS,
        records={f"w{n}": project_order(n) for n in range(1, 5)},
        change=("w2", project_order(2, name="Ändrad order"), "description", "Ändrad order"),
        # Fortnox refuses a project leader over 50 characters.
        bad=("w-bad", project_order(9, leader="L" * 60)),
    ),
    "projects.change_order.push": Kit(
        flows=[ChangeOrderExport],
        prerequisites=ORDER_PROJECTS,
        records={f"c{n}": project_order(n) for n in range(1, 5)},
        change=("c3", project_order(3, status_code=90), "status", "COMPLETED"),
        bad=("c-bad", project_order(9, leader="L" * 60)),
    ),
    "projects.supplier_invoice.push": Kit(
        flows=[SupplierInvoiceExport],
        records={f"si{n}": supplier_invoice(n) for n in range(1, 5)},
        change=("si2", supplier_invoice(2, comments="Levererat"), "comments", "Levererat"),
        fortnox_edit=("our_reference", "Anna"),
        # Fortnox refuses a project it does not have.
        bad=("si-bad", supplier_invoice(9, project="P-404")),
        deletes=False,  # Fortnox deletes no supplier invoices: they are cancelled
        deleted_as=("cancelled", True),
        create_reads=1,  # the supplier is looked up before the invoice is created
    ),
    "projects.customer_invoice.push": Kit(
        flows=[CustomerExport, CustomerInvoiceExport],
        prerequisites={"project_customer": {"k1": party(1)}},
        records={f"ci{n}": customer_invoice(n) for n in range(1, 5)},
        change=("ci2", customer_invoice(2, our_reference="Bo"), "our_reference", "Bo"),
        fortnox_edit=("comments", "Ändrat i Fortnox"),
        # Fortnox refuses a customer it does not have.
        bad=("ci-bad", customer_invoice(9, customer_number="9404")),
        deletes=False,  # Fortnox deletes no invoices: they are cancelled
        deleted_as=("cancelled", True),
        # The PDF's reads (the invoice's attachments, the inbox folder) come after the create,
        # so a refused create costs none.
    ),
    "projects.customer_invoice.pull": Kit(
        flows=[CustomerInvoiceExport, CustomerInvoicePaidDates],
        own_scenarios="tests/integration/test_projects_customer_invoices.py",
    ),
    "projects.supplier_invoice.pull": Kit(
        flows=[SupplierInvoiceExport, SupplierInvoicePaidDates],
        own_scenarios="tests/integration/test_projects_customer_invoices.py",
    ),
    # The order push keys its documents by the order's number (ExternalInvoiceReference1),
    # not by Fortnox's document number, and reads the customers and articles it names: its
    # create, update, lost answer, concurrency and cost-centre scenarios are its own.
    "service.service_order.push": Kit(
        flows=[ServiceOrderPush],
        own_scenarios="tests/integration/test_service_orders.py",
    ),
    "service.service_order.pull": Kit(
        flows=[ServiceOrderPush, ServiceOrderInvoiced],
        own_scenarios="tests/integration/test_service_orders.py",
    ),
    "projects.cost_center.pull": Kit(
        flows=[CostCenterImport],
        remote=[
            {"code": "100", "description": "Bygg"},
            {"code": "200", "description": "Anläggning"},
            {"code": "300", "description": "Service", "active": False},
        ],
        remote_change=("description", "Bygg och mark", "name"),
        # Longer than the bridge keeps a cost centre's name.
        remote_bad={"description": "Kostnadsställe " * 10},
        remote_delete=delete_cost_center,
    ),
    "projects.account.pull": Kit(
        flows=[AccountImport],
        # Class 9, which the seeded chart leaves empty: the range keeps the seeded accounts
        # out, so the suite sees only these.
        remote=[
            {"number": 9101, "description": "Internt konto 1"},
            {"number": 9102, "description": "Internt konto 2"},
            {"number": 9103, "description": "Internt konto 3"},
        ],
        # No change or bad-record scenario: an imported account is never updated.
        remote_delete=delete_account,
        settings={"projects.account.pull": {"first_account": 9000}},
    ),
    # A ledger flow: no push, pull or import scenario applies; its reads (new numbers once,
    # pending and imported vouchers in bounded turns) are held by
    # tests/integration/test_projects_vouchers.py.
    "projects.voucher.pull": Kit(flows=[VoucherImport]),
    # A ledger-year flow: no push, pull or import scenario applies; a year's sync (the SIE
    # export, the per-voucher fallback, documents, the request budget) is held by
    # tests/integration/test_ledger_scenario.py.
    "ledger.year.pull": Kit(flows=[LedgerYearPull]),
    # -- customers and suppliers of the projects family --------------------------------------
    "projects.project_customer.push": Kit(
        flows=[CustomerExport],
        records={f"c{n}": party(n, organisation_number=f"556000-000{n}") for n in range(1, 5)},
        change=("c2", party(2, city="Kiruna"), "city", "Kiruna"),
        fortnox_edit=("comments", "Ändrat i Fortnox"),
        # Fortnox refuses a post code over 10 characters (an older host version could have
        # stored one).
        bad=("c-bad", party(9, zip_code="1" * 12)),
        deletes=False,  # customers are made inactive: Fortnox keeps their invoices
        deleted_as=("active", False),
    ),
    "projects.project_supplier.push": Kit(
        flows=[SupplierExport],
        records={f"s{n}": party(n, bankgiro=f"5050-100{n}") for n in range(1, 5)},
        change=("s2", party(2, city="Kiruna"), "city", "Kiruna"),
        fortnox_edit=("comments", "Ändrat i Fortnox"),
        # Fortnox refuses a name over 1024 characters (an older host version could have
        # stored one).
        bad=("s-bad", party(9, name="L" * 1100)),
        deletes=False,  # Fortnox has no DELETE for suppliers: they are made inactive
        deleted_as=("active", False),
    ),
    "projects.project_supplier.pull": Kit(
        flows=[SupplierImport],
        remote=[
            {"supplier_number": "2001", "name": "Bygglager AB", "city": "Uppsala"},
            {"supplier_number": "2002", "name": "Ställning och Lift AB", "bg": "5050-1002"},
            {"supplier_number": "2003", "name": "Gamla Åkeriet AB", "active": False},
        ],
        remote_change=("name", "Bygglager i Uppsala AB", "name"),
        # Longer than the bridge keeps a post code.
        remote_bad={"zip_code": "1" * 12},
        # Fortnox cannot delete a supplier: remote_delete stays None.
    ),
    # -- the service family's registers -------------------------------------------------------
    "service.service_customer.push": Kit(
        flows=[CustomerPush],
        records={f"c{n}": service_customer(n) for n in range(1, 5)},
        change=("c2", service_customer(2, city="Kiruna"), "city", "Kiruna"),
        fortnox_edit=("comments", "Ändrat i Fortnox"),
        # Fortnox refuses a post code over 10 characters.
        bad=("c-bad", service_customer(9, zip_code="1" * 12)),
        deletes=False,  # made inactive: Fortnox keeps the customer's documents
        deleted_as=("active", False),
    ),
    "service.service_customer.pull": Kit(
        flows=[CustomerPull, CustomerPush], own_scenarios=SERVICE_SCENARIOS
    ),
    "service.service_article.push": Kit(
        flows=[ArticlePush],
        records=SERVICE_ARTICLES["service_article"],
        change=(
            "a2",
            service_article(2, description="Ändrad tjänst"),
            "description",
            "Ändrad tjänst",
        ),
        fortnox_edit=("note", "Ändrat i Fortnox"),
        # Fortnox refuses a description over 200 characters.
        bad=("a-bad", service_article(9, description="T" * 250)),
        deletes=False,  # made inactive: the number may be on orders and invoices
        deleted_as=("active", False),
    ),
    "service.service_article.pull": Kit(
        flows=[ArticlePull, ArticlePush], own_scenarios=SERVICE_SCENARIOS
    ),
    "service.service_price.push": Kit(
        flows=[ArticlePush, PricePush],
        prerequisites=SERVICE_ARTICLES,
        records={f"p{n}": service_price(n) for n in range(1, 5)},
        change=("p2", service_price(2, price="250"), "price", Decimal("250")),
        fortnox_edit=("percent", Decimal("10")),
        # Fortnox refuses a price of an article it does not have.
        bad=("p-bad", service_price(404)),
        settings={SETTINGS_FLOW: {"sync_prices": True}},
        create_reads=1,  # the article's prices are read before one is added
    ),
    "service.service_price.pull": Kit(
        flows=[PricePull, PricePush], own_scenarios=SERVICE_SCENARIOS
    ),
    "service.time_report.push": Kit(
        flows=[TimeReportPush],
        records={f"t{n}": time_report(n) for n in range(1, 5)},
        change=("t2", time_report(2, hours="6"), "hours", "6"),
        fortnox_edit=("cost_center", "SERV"),
        # Fortnox refuses a transaction of an employee it does not have.
        bad=("t-bad", time_report(9, employee_number="404")),
        settings={SETTINGS_FLOW: {"time_reports": True}},
        registers=TECHNICIANS,
    ),
}
