"""The projects family's supplier invoice export against the in-process sandbox, through the
host API and a sweep (SQLite and PostgreSQL): only approved invoices go, the supplier is created
when Fortnox lacks it (and updated only by setting), the rows carry accounts, projects and cost
centres, Fortnox's number comes back to the host, booking by setting, a refused invoice is one
problem naming it, and a deleted invoice is cancelled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.families import use_family

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Bridge

EXPORT = "projects.supplier_invoice.push"
SCOPES = [*ENGINE_SCOPES, "supplier", "supplierinvoice"]
SUPPLIER = {"number": "L100", "name": "Byggvaruhuset AB", "city": "Gävle", "bankgiro": "123-4567"}


@pytest.fixture
async def fortnox(
    control: SandboxControl, company: int, faulty_transport: SandboxTransport, sleep: ManualClock
) -> AsyncIterator[FortnoxClient]:
    """A client with the export's scopes; the company has project P-1 and cost centre BYGG."""
    issued = await control.issue_tokens(company, SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=faulty_transport,
        retry=RetryPolicy(sleep=sleep.sleep, max_total_wait=600),
    )
    await client.projects.create({"project_number": "P-1", "description": "Skolan"})
    await client.cost_centers.create({"code": "BYGG", "description": "Bygg"})
    yield client
    await client.aclose()


def configure(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, **settings: Any
) -> None:
    with sessions.begin() as session:
        use_family(session, tenant)
        FlowConfigRepository(session).put(
            tenant, EXPORT, enabled=True, settings=settings, now=clock.now()
        )


@pytest.fixture
async def api(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
    fortnox: FortnoxClient,
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API of a tenant connected with the export's scopes, the export turned on."""
    await bridge.connect(**await control.issue_tokens(bridge.company, SCOPES))
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        tenant.digest = "per_run"
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    configure(sessions, clock, bridge.tenant)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


def invoice(**fields: Any) -> dict[str, Any]:
    """An approved host supplier invoice of 1 250 kr (1 000 + 250 VAT) on project P-1."""
    return {
        "supplier": SUPPLIER,
        "invoice_number": "F-1001",
        "invoice_date": "2026-01-05",
        "due_date": "2026-02-04",
        "total": "1250",
        "vat": "250",
        "project": "P-1",
        "approved": True,
        "rows": [
            {"account": 4000, "amount": "600", "cost_center": "BYGG", "description": "Virke"},
            {"account": 5410, "amount": "400", "project": "P-1"},
        ],
        **fields,
    }


async def send(http: httpx.AsyncClient, external_id: str, body: dict[str, Any]) -> None:
    response = await http.put(f"/api/v1/supplier-invoices/{external_id}", json=body)
    assert response.status_code in (200, 201), response.text


async def test_approved_invoices_go_with_their_supplier_and_number_back(
    api: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    await send(api, "si1", invoice())
    await send(api, "si2", invoice(invoice_number="F-1002", approved=False))
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == EXPORT]
    assert (result.created, result.skipped, result.failed) == (1, 1, 0)
    (skipped,) = [i for i in result.items if i.external_id == "si2"]
    assert "not approved yet" in skipped.reason
    assert not skipped.problem
    supplier = await fortnox.suppliers.get("L100")
    assert (supplier.name, supplier.city, supplier.bg) == ("Byggvaruhuset AB", "Gävle", "123-4567")
    listed = [row async for row in fortnox.supplier_invoices.iterate()]
    (only,) = listed
    stored = await fortnox.supplier_invoices.get(str(only.given_number))
    assert (stored.supplier_number, stored.invoice_number, stored.booked) == (
        "L100",
        "F-1001",
        False,
    )
    rows = [(r.account, r.code, r.debit, r.credit, r.project, r.cost_center)
            for r in stored.supplier_invoice_rows or []]  # fmt: skip
    assert rows == [
        (2440, "TOT", 0, 1250, "", ""),
        (2640, "VAT", 250, 0, "", ""),
        (4000, "", 600, 0, "P-1", ""),  # cost centres are not sent unless the tenant says so
        (5410, "", 400, 0, "P-1", ""),
    ]
    host = (await api.get("/api/v1/supplier-invoices/si1")).json()
    assert host["data"]["fortnox_given_number"] == str(only.given_number)
    page = await api.get("/api/v1/events", params={"types": "record.changed"})
    changed = [e for e in page.json()["data"] if e["entity"] == "supplier_invoice"]
    assert [e["data"]["changed"] for e in changed] == [
        {"fortnox_given_number": str(only.given_number)}
    ]
    await send(api, "si2", invoice(invoice_number="F-1002"))  # approved now
    later = await bridge.service.sweep(bridge.tenant)
    (again,) = [r for r in later.flows if r.flow == EXPORT]
    assert (again.created, again.failed) == (1, 0)
    idle = await bridge.service.sweep(bridge.tenant)
    (nothing,) = [r for r in idle.flows if r.flow == EXPORT]
    assert nothing.requests == 0


async def test_booking_cost_centres_and_supplier_updates_follow_the_settings(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    await fortnox.suppliers.create({"supplier_number": "L100", "name": "Gammalt namn"})
    configure(sessions, clock, bridge.tenant, bookkeep=True, cost_centers=True)
    await send(api, "si1", invoice())
    await bridge.service.sweep(bridge.tenant)
    assert (await fortnox.suppliers.get("L100")).name == "Gammalt namn"  # not updated
    (only,) = [row async for row in fortnox.supplier_invoices.iterate()]
    stored = await fortnox.supplier_invoices.get(str(only.given_number))
    assert (stored.booked, stored.voucher_series) == (True, "D")
    costs = [(r.account, r.cost_center) for r in stored.supplier_invoice_rows or []][2:]
    assert costs == [(4000, "BYGG"), (5410, "")]
    configure(sessions, clock, bridge.tenant, update_supplier=True)
    await send(api, "si2", invoice(invoice_number="F-1002"))
    await bridge.service.sweep(bridge.tenant)
    assert (await fortnox.suppliers.get("L100")).name == "Byggvaruhuset AB"


async def test_a_refused_invoice_is_one_problem_and_a_deleted_one_is_cancelled(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
) -> None:
    await send(api, "si1", invoice())
    await send(api, "si9", invoice(invoice_number="F-9", project="P-9", rows=[
        {"account": 4000, "amount": "1000"}]))  # fmt: skip
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == EXPORT]
    assert (result.created, result.failed) == (1, 1)
    (failed,) = [i for i in result.items if i.external_id == "si9"]
    assert failed.reference == "supplier invoice si9 (F-9 from Byggvaruhuset AB)"
    assert "Projekt P-9 finns inte" in (failed.message or "")
    with sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(bridge.tenant)
        assert (problem.flow, problem.external_id) == (EXPORT, "si9")
    assert (await api.delete("/api/v1/supplier-invoices/si1")).status_code in (200, 204)
    await bridge.service.sweep(bridge.tenant)
    cancelled = await fortnox.supplier_invoices.list_page(filter="cancelled")
    assert [i.invoice_number for i in cancelled.items] == ["F-1001"]


async def test_the_api_refuses_rows_that_do_not_make_the_total(api: httpx.AsyncClient) -> None:
    response = await api.put("/api/v1/supplier-invoices/si1", json=invoice(total="1300"))
    assert response.status_code == 422
    assert "not the total 1300" in response.text


async def test_a_booking_whose_answer_is_lost_is_booked_once_never_created_twice(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
) -> None:
    configure(sessions, clock, bridge.tenant, bookkeep=True)
    await control.add_fault(
        "5xx", status=500, method="PUT", path_prefix="/3/supplierinvoices", count=1
    )
    await send(api, "si1", invoice())
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == EXPORT]
    assert result.failed == 0
    (only,) = [row async for row in fortnox.supplier_invoices.iterate()]
    assert (await fortnox.supplier_invoices.get(str(only.given_number))).booked is True
