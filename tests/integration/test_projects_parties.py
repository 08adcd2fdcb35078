"""Customers and suppliers of the projects family against the in-process sandbox, through the
host API and a sweep (SQLite and PostgreSQL): what a new and a changed customer send, a customer
Fortnox already has, a deleted customer, two customers with one number, suppliers exported, and
suppliers imported instead."""

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
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.families import use_family

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Bridge

CUSTOMERS = "projects.project_customer.push"
SUPPLIERS_OUT = "projects.project_supplier.push"
SUPPLIERS_IN = "projects.project_supplier.pull"
SCOPES = [*ENGINE_SCOPES, "customer", "supplier"]


@pytest.fixture
async def fortnox(
    control: SandboxControl, company: int, faulty_transport: SandboxTransport, sleep: ManualClock
) -> AsyncIterator[FortnoxClient]:
    """A client of the tenant's company that may read and write customers and suppliers."""
    issued = await control.issue_tokens(company, SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=faulty_transport,
        retry=RetryPolicy(sleep=sleep.sleep, max_total_wait=600),
    )
    yield client
    await client.aclose()


async def host_api(
    bridge: Bridge,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    flows: tuple[str, ...],
) -> tuple[httpx.AsyncClient, str]:
    """Connect the tenant with the customer and supplier scopes, turn ``flows`` on; the host
    API's app and a key."""
    await bridge.connect(**await control.issue_tokens(bridge.company, SCOPES))
    with sessions.begin() as session:
        use_family(session, bridge.tenant)
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
        for flow in flows:
            FlowConfigRepository(session).put(
                bridge.tenant, flow, enabled=True, settings={}, now=clock.now()
            )
    http = httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {key}"},
    )
    return http, key


@pytest.fixture
async def exporting(
    bridge: Bridge, control: SandboxControl, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API of a tenant that exports its customers and suppliers."""
    http, _ = await host_api(bridge, control, sessions, clock, (CUSTOMERS, SUPPLIERS_OUT))
    async with http:
        yield http


@pytest.fixture
async def importing(
    bridge: Bridge, control: SandboxControl, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API of a tenant that imports its suppliers from Fortnox."""
    http, _ = await host_api(bridge, control, sessions, clock, (SUPPLIERS_IN,))
    async with http:
        yield http


CUSTOMER = {
    "number": "1001",
    "name": "Bygg och Montage AB",
    "address1": "Byggvägen 1",
    "address2": "Box 12",
    "zip_code": "75320",
    "city": "Uppsala",
    "phone": "018-10 20 30",
    "mobile": "070-123 45 67",
    "email": "ekonomi@byggmontage.se",
    "terms_of_payment": "30",
    "vat_number": "SE556000000101",
    "type": "company",
    "country_code": "SE",
    "vat_type": "SEREVERSEDVAT",
    "organisation_number": "556000-0001",
}


def result_of(summary: Any, flow: str) -> Any:
    (result,) = [r for r in summary.flows if r.flow == flow]
    return result


async def test_a_new_customer_is_created_with_every_field(
    exporting: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    assert (await exporting.put("/api/v1/project-customers/c1", json=CUSTOMER)).status_code < 300
    summary = await bridge.service.sweep(bridge.tenant)
    assert (result_of(summary, CUSTOMERS).created, result_of(summary, CUSTOMERS).failed) == (1, 0)
    stored = await fortnox.customers.get("1001")
    assert (stored.name, stored.address1, stored.address2) == (
        "Bygg och Montage AB",
        "Byggvägen 1",
        "Box 12",
    )
    assert (stored.zip_code, stored.city, stored.phone1, stored.phone2) == (
        "75320",
        "Uppsala",
        "018-10 20 30",
        "070-123 45 67",
    )
    assert (stored.email, stored.terms_of_payment, stored.vat_number, stored.type) == (
        "ekonomi@byggmontage.se",
        "30",
        "SE556000000101",
        "COMPANY",
    )
    assert (stored.country_code, stored.vat_type, stored.organisation_number) == (
        "SE",
        "SEREVERSEDVAT",
        "556000-0001",
    )


async def test_a_changed_customer_sends_only_what_changed_never_the_create_only_fields(
    exporting: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    await exporting.put("/api/v1/project-customers/c1", json=CUSTOMER)
    await bridge.service.sweep(bridge.tenant)
    changed = {**CUSTOMER, "city": "Kiruna", "type": "private", "organisation_number": "1"}
    del changed["mobile"]
    await exporting.put("/api/v1/project-customers/c1", json=changed)
    summary = await bridge.service.sweep(bridge.tenant)
    result = result_of(summary, CUSTOMERS)
    assert (result.updated, result.write_requests) == (1, 1)
    stored = await fortnox.customers.get("1001")
    assert (stored.city, stored.type, stored.phone2) == ("Kiruna", "PRIVATE", None)
    assert stored.organisation_number == "556000-0001"  # sent only when created
    idle = await bridge.service.sweep(bridge.tenant)
    assert (result_of(idle, CUSTOMERS).requests, result_of(idle, CUSTOMERS).unchanged) == (0, 1)


async def test_a_customer_fortnox_already_has_is_adopted_keeping_its_setup(
    exporting: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    await fortnox.customers.create(
        {"customer_number": "1001", "name": "Gammalt namn", "vat_type": "EXPORT"}
    )
    await exporting.put("/api/v1/project-customers/c1", json=CUSTOMER)
    summary = await bridge.service.sweep(bridge.tenant)
    result = result_of(summary, CUSTOMERS)
    assert (result.adopted, result.created, result.failed) == (1, 0, 0)
    numbers = [row.customer_number async for row in fortnox.customers.iterate()]
    assert numbers.count("1001") == 1
    stored = await fortnox.customers.get("1001")
    assert (stored.name, stored.city) == ("Bygg och Montage AB", "Uppsala")
    assert stored.vat_type == "EXPORT"  # set up in Fortnox: the VAT type is sent on create only


async def test_a_deleted_customer_is_made_inactive(
    exporting: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    await exporting.put("/api/v1/project-customers/c1", json=CUSTOMER)
    await bridge.service.sweep(bridge.tenant)
    assert (await exporting.delete("/api/v1/project-customers/c1")).status_code < 300
    summary = await bridge.service.sweep(bridge.tenant)
    assert result_of(summary, CUSTOMERS).deleted == 1
    assert (await fortnox.customers.get("1001")).active is False


async def test_the_api_refuses_a_customer_fortnox_could_not_take(
    exporting: httpx.AsyncClient,
) -> None:
    bad_number = await exporting.put(
        "/api/v1/project-customers/c1", json={**CUSTOMER, "number": "10 01"}
    )
    assert bad_number.status_code == 422
    long_zip = await exporting.put(
        "/api/v1/project-customers/c2", json={**CUSTOMER, "zip_code": "753 20 UPPSALA"}
    )
    assert long_zip.status_code == 422
    bad_vat_type = await exporting.put(
        "/api/v1/project-customers/c3", json={**CUSTOMER, "vat_type": "NORMAL"}
    )
    assert bad_vat_type.status_code == 422


async def test_suppliers_are_exported_and_one_fortnox_has_is_adopted(
    exporting: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    await fortnox.suppliers.create({"supplier_number": "2002", "name": "Ställningar"})
    supplier = {"number": "2001", "name": "Bygglager AB", "bankgiro": "5050-1001"}
    await exporting.put("/api/v1/project-suppliers/s1", json=supplier)
    await exporting.put(
        "/api/v1/project-suppliers/s2", json={"number": "2002", "name": "Ställning och Lift AB"}
    )
    summary = await bridge.service.sweep(bridge.tenant)
    result = result_of(summary, SUPPLIERS_OUT)
    assert (result.created, result.adopted, result.failed) == (1, 1, 0)
    assert (await fortnox.suppliers.get("2001")).bg == "5050-1001"
    assert (await fortnox.suppliers.get("2002")).name == "Ställning och Lift AB"
    await exporting.delete("/api/v1/project-suppliers/s1")
    again = await bridge.service.sweep(bridge.tenant)
    assert result_of(again, SUPPLIERS_OUT).deleted == 1
    assert (await fortnox.suppliers.get("2001")).active is False


async def test_suppliers_imported_from_fortnox_land_in_the_bridge(
    importing: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    await fortnox.suppliers.create(
        {"supplier_number": "2001", "name": "Bygglager AB", "city": "Uppsala", "bg": "5050-1001"}
    )
    first = await bridge.service.sweep(bridge.tenant)
    assert result_of(first, SUPPLIERS_IN).imported == 1
    await fortnox.suppliers.update("2001", {"active": False})
    await fortnox.suppliers.create({"supplier_number": "2002", "name": "Ställningar"})
    second = await bridge.service.sweep(bridge.tenant)
    again = result_of(second, SUPPLIERS_IN)
    assert (again.imported, again.updated, again.requests) == (1, 1, 1)
    record = (await importing.get("/api/v1/project-suppliers/2001")).json()
    assert (record["origin"], record["data"]) == (
        "fortnox",
        {
            "number": "2001",
            "name": "Bygglager AB",
            "city": "Uppsala",
            "bankgiro": "5050-1001",
            "active": False,
        },
    )
    page = await importing.get("/api/v1/events", params={"types": "record.changed"})
    changed = [e["data"]["changed"] for e in page.json()["data"] if e["external_id"] == "2001"]
    assert changed == [{"active": False}]


async def test_two_customers_with_one_number_are_one_fortnox_customer_and_a_problem(
    exporting: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    await exporting.put("/api/v1/project-customers/c1", json=CUSTOMER)
    await exporting.put("/api/v1/project-customers/c2", json={**CUSTOMER, "name": "Dubblett AB"})
    summary = await bridge.service.sweep(bridge.tenant)
    result = result_of(summary, CUSTOMERS)
    assert (result.created, result.failed) == (1, 1)
    (failed,) = [i for i in result.items if i.outcome == "failed"]
    assert (failed.external_id, failed.code, failed.problem) == ("c2", 2000637, True)
    numbers = [row.customer_number async for row in fortnox.customers.iterate()]
    assert numbers.count("1001") == 1
