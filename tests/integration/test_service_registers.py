"""The service family's registers against the in-process sandbox, through the host API and
sweeps (SQLite and PostgreSQL): customers three ways in the direction the setting chooses,
conflicts by the tenant's policy; articles (inactive ones not synchronised, creation
disabled); prices both ways within one sweep, a Fortnox article without a price erasing no
host price, and the backup file of the first enabling; time reports as attendance
transactions. These are also the contract scenarios of the family's two-way pulls."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.families import use_family

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Bridge

CUSTOMERS, ARTICLES = "service.service_customer", "service.service_article"
PRICES = "service.service_price"


@pytest.fixture
async def fortnox(
    control: SandboxControl, company: int, faulty_transport: SandboxTransport, sleep: ManualClock
) -> AsyncIterator[FortnoxClient]:
    """A client of the company, which employs technician 7."""
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=faulty_transport,
        retry=RetryPolicy(sleep=sleep.sleep, max_total_wait=600),
    )
    await client.employees.create({"employee_id": "7", "first_name": "Tekla", "last_name": "Tek"})
    yield client
    await client.aclose()


def configure(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, **settings: Any
) -> None:
    """The family's one settings, as the tenant stores them (on the flow that holds them)."""
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            tenant, SETTINGS_FLOW, enabled=True, settings=settings, now=clock.now()
        )


@pytest.fixture
async def api(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
    fortnox: FortnoxClient,
    tmp_path: Path,
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API of a connected tenant of the service family (documents under
    ``tmp_path``, where the sweeps keep them)."""
    await bridge.connect(**await control.issue_tokens(bridge.company, ENGINE_SCOPES))
    with sessions.begin() as session:
        use_family(session, bridge.tenant, "service")
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        tenant.families = ["service"]
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    configure(sessions, clock, bridge.tenant)
    app = api_app(sessions, clock=clock, settings=Settings(data_dir=tmp_path))
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


async def put(http: httpx.AsyncClient, collection: str, external_id: str, body: Any) -> None:
    response = await http.put(f"/api/v1/{collection}/{external_id}", json=body)
    assert response.status_code in (200, 201), response.text


async def host(http: httpx.AsyncClient, collection: str, external_id: str) -> dict[str, Any]:
    response = await http.get(f"/api/v1/{collection}/{external_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def sweep(bridge: Bridge) -> dict[str, Any]:
    """One sweep; its flow results by name."""
    summary = await bridge.service.sweep(bridge.tenant)
    return {result.flow: result for result in summary.flows}


def open_conflicts(sessions: sessionmaker[Session], tenant: int) -> list[dict[str, Any]]:
    with sessions.begin() as session:
        return [dict(c.fields) for c in ConflictRepository(session).open(tenant)]


def set_policy(sessions: sessionmaker[Session], tenant: int, policy: str) -> None:
    with sessions.begin() as session:
        row = TenantRepository(session).get(tenant)
        assert row is not None
        row.conflict_policy = policy


# -- customers -------------------------------------------------------------------------------


async def test_customers_three_ways_with_conflicts_by_policy(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    configure(sessions, clock, bridge.tenant, sub_group_on_sync="Fortnox")
    await put(
        api,
        "service-customers",
        "c1",
        {"number": "3001", "name": "Bostad AB", "city": "Uppsala", "type": "company"},
    )
    await fortnox.customers.create({"customer_number": "3002", "name": "Hyresgästen"})
    results = await sweep(bridge)
    assert results[f"{CUSTOMERS}.push"].created == 1
    assert results[f"{CUSTOMERS}.pull"].imported == 1
    created = await fortnox.customers.get("3001")
    assert (created.name, created.city, created.type) == ("Bostad AB", "Uppsala", "COMPANY")
    imported = await host(api, "service-customers", "fortnox-3002")
    assert (imported["number"], imported["name"], imported["sub_group"]) == (
        "3002",
        "Hyresgästen",
        "Fortnox",
    )
    # A change in Fortnox reaches the host in one sweep, and is not written back.
    await fortnox.customers.update("3001", {"name": "Bostäder i Uppsala AB"})
    results = await sweep(bridge)
    assert (await host(api, "service-customers", "c1"))["name"] == "Bostäder i Uppsala AB"
    assert results[f"{CUSTOMERS}.push"].write_requests == 0
    # Both sides change the same field: under "ask" a conflict stays open, nothing flows.
    await fortnox.customers.update("3001", {"city": "Enköping"})
    await put(
        api,
        "service-customers",
        "c1",
        {"number": "3001", "name": "Bostäder i Uppsala AB", "city": "Knivsta", "type": "company"},
    )
    await sweep(bridge)
    (conflict,) = open_conflicts(sessions, bridge.tenant)
    assert (conflict["city"]["bridge"], conflict["city"]["fortnox"]) == ("Knivsta", "Enköping")
    assert (await fortnox.customers.get("3001")).city == "Enköping"
    # Under "fortnox_wins" the next such conflict is settled for Fortnox.
    set_policy(sessions, bridge.tenant, "fortnox_wins")
    await fortnox.customers.update("3002", {"city": "Sala"})
    await put(api, "service-customers", "fortnox-3002", {**imported, "city": "Heby"})
    await sweep(bridge)
    assert (await host(api, "service-customers", "fortnox-3002"))["city"] == "Sala"
    assert (await fortnox.customers.get("3002")).city == "Sala"


@pytest.mark.parametrize(
    ("direction", "pushed", "imported"),
    [("to_fortnox", True, False), ("from_fortnox", False, True), ("off", False, False)],
)
async def test_customer_direction_setting(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    direction: str,
    pushed: bool,
    imported: bool,
) -> None:
    configure(sessions, clock, bridge.tenant, customers=direction)
    await put(api, "service-customers", "c1", {"number": "3001", "name": "Bostad AB"})
    await fortnox.customers.create({"customer_number": "3002", "name": "Hyresgästen"})
    await sweep(bridge)
    numbers = {str(c.customer_number) async for c in fortnox.customers.iterate()}
    assert ("3001" in numbers) is pushed
    response = await api.get("/api/v1/service-customers/fortnox-3002")
    assert (response.status_code == 200) is imported


# -- articles --------------------------------------------------------------------------------


async def test_inactive_articles_are_not_synced_and_creation_can_be_disabled(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    await put(
        api,
        "service-articles",
        "a1",
        {
            "number": "S-1",
            "description": "Filterbyte",
            "unit": "st",
            "type": "service",
            "vat": "25",
        },
    )
    await put(
        api, "service-articles", "a2", {"number": "S-2", "description": "Gammal", "active": False}
    )
    await fortnox.articles.create({"article_number": "F-1", "description": "Aktiv i Fortnox"})
    await fortnox.articles.create(
        {"article_number": "F-2", "description": "Inaktiv i Fortnox", "active": False}
    )
    results = await sweep(bridge)
    push = results[f"{ARTICLES}.push"]
    assert (push.created, push.skipped) == (1, 1)
    (skipped,) = [i for i in push.items if i.external_id == "a2"]
    assert ("inactive" in skipped.reason, skipped.problem) == (True, False)
    numbers = {str(a.article_number) async for a in fortnox.articles.iterate()}
    assert numbers == {"S-1", "F-1", "F-2"}
    assert (await host(api, "service-articles", "fortnox-F-1"))["description"] == "Aktiv i Fortnox"
    missing = await api.get("/api/v1/service-articles/fortnox-F-2")
    assert missing.status_code == 404
    # The next sweep reads back what the last one wrote; after that, while nothing changes,
    # each pull lists what changed since its last sweep (nothing): one request.
    clock.advance(900)
    await sweep(bridge)
    clock.advance(900)
    quiet = await sweep(bridge)
    assert (quiet[f"{ARTICLES}.pull"].requests, quiet[f"{CUSTOMERS}.pull"].requests) == (1, 1)
    # Made inactive in Fortnox: no longer compared, so its edits do not reach the host.
    await fortnox.articles.update("F-1", {"active": False, "description": "Utgått"})
    await sweep(bridge)
    assert (await host(api, "service-articles", "fortnox-F-1"))["description"] == "Aktiv i Fortnox"
    # With article creation disabled, nothing is written to Fortnox's articles.
    configure(sessions, clock, bridge.tenant, disable_article_creation=True)
    await put(api, "service-articles", "a3", {"number": "S-3", "description": "Ny"})
    await put(api, "service-articles", "a1", {"number": "S-1", "description": "Ändrad"})
    results = await sweep(bridge)
    assert results[f"{ARTICLES}.push"].write_requests == 0
    numbers = {str(a.article_number) async for a in fortnox.articles.iterate()}
    assert "S-3" not in numbers
    assert (await fortnox.articles.get("S-1")).description == "Filterbyte"


# -- prices ----------------------------------------------------------------------------------


async def _articles_with_prices(api: httpx.AsyncClient, bridge: Bridge) -> None:
    for n in (1, 2):
        await put(
            api, "service-articles", f"a{n}", {"number": f"S-{n}", "description": f"Tjänst {n}"}
        )
        await put(
            api, "service-prices", f"p{n}", {"article_number": f"S-{n}", "price": f"{100 * n}.00"}
        )
    await sweep(bridge)  # the articles reach Fortnox; prices are off


async def test_prices_both_ways_in_one_sweep_with_a_backup_first(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    await _articles_with_prices(api, bridge)
    assert [p async for p in fortnox.prices.iterate()] == []
    none_yet = await api.get("/api/v1/service-prices/backup.csv")
    assert (none_yet.status_code, none_yet.json()["error"]) == (404, "no_backup")
    await fortnox.articles.create({"article_number": "F-1", "description": "Bara i Fortnox"})
    await fortnox.prices.create({"price_list": "A", "article_number": "F-1", "price": 75})
    configure(sessions, clock, bridge.tenant, sync_prices=True)
    results = await sweep(bridge)
    # The pull met the Fortnox articles without prices first; the push then wrote both.
    push = results[f"{PRICES}.push"]
    assert (push.created + push.updated, push.failed) == (2, 0)
    assert results[f"{PRICES}.pull"].imported == 1
    prices = {p.article_number: p.price async for p in fortnox.prices.iterate()}
    assert prices == {"S-1": Decimal(100), "S-2": Decimal(200), "F-1": Decimal(75)}
    assert (await fortnox.articles.get("S-2")).sales_price == Decimal(200)
    assert (await host(api, "service-prices", "fortnox-A:F-1:0"))["price"] == "75"
    # The backup holds the host's prices as they were before anything was written.
    backup = await api.get("/api/v1/service-prices/backup.csv")
    assert backup.status_code == 200
    assert backup.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(backup.text)))
    assert [(r["external_id"], r["article_number"], r["price_list"], r["price"]) for r in rows] == [
        ("p1", "S-1", "A", "100.00"),
        ("p2", "S-2", "A", "200.00"),
    ]
    # A price changed on either side reaches the other within one sweep.
    await put(api, "service-prices", "p1", {"article_number": "S-1", "price": "150"})
    await fortnox.prices.update("A:S-2:0", {"price": 250})
    await sweep(bridge)
    assert (await fortnox.prices.get("A:S-1:0")).price == Decimal(150)
    assert Decimal((await host(api, "service-prices", "p2"))["price"]) == Decimal(250)
    again = await api.get("/api/v1/service-prices/backup.csv")
    assert again.text == backup.text  # kept once: the first enabling's prices


async def test_a_fortnox_article_without_a_price_erases_no_host_price(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    await _articles_with_prices(api, bridge)
    set_policy(sessions, bridge.tenant, "fortnox_wins")
    configure(sessions, clock, bridge.tenant, sync_prices=True)
    await sweep(bridge)
    await fortnox.prices.delete("A:S-1:0")
    results = await sweep(bridge)
    assert results[f"{PRICES}.pull"].conflicts == 1
    assert Decimal((await host(api, "service-prices", "p1"))["price"]) == Decimal(100)
    (conflict,) = open_conflicts(sessions, bridge.tenant)
    assert conflict["price"]["fortnox"] is None
    # Nothing flows either way while a person has not decided.
    assert [p.article_number async for p in fortnox.prices.iterate()] == ["S-2"]
    # Decided for the host: its price goes back to Fortnox at the next sweep.
    with sessions.begin() as session:
        (held,) = ConflictRepository(session).open(bridge.tenant)
        conflict_id = held.id
    decided = await api.post(f"/api/v1/conflicts/{conflict_id}/resolve", json={"winner": "bridge"})
    assert decided.status_code == 200, decided.text
    await sweep(bridge)
    assert (await fortnox.prices.get("A:S-1:0")).price == Decimal(100)
    assert open_conflicts(sessions, bridge.tenant) == []
    # With the tenant's confirmation, an empty Fortnox price erases the host's.
    configure(sessions, clock, bridge.tenant, sync_prices=True, accept_empty_fortnox_prices=True)
    await fortnox.prices.delete("A:S-2:0")
    await sweep(bridge)
    assert "price" not in await host(api, "service-prices", "p2")


# -- time reports ----------------------------------------------------------------------------


async def test_time_reports_become_attendance_transactions(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    report = {"employee_number": "7", "date": "2026-03-02", "hours": "2.5", "code": "öt1"}
    await put(api, "time-reports", "t1", report)
    refused = await api.put(
        "/api/v1/time-reports/t2", json={**report, "code": "SJK"}
    )  # an absence code
    assert refused.status_code == 422
    assert "attendance code" in refused.text
    await sweep(bridge)
    assert [t async for t in fortnox.attendance_transactions.iterate()] == []  # off
    configure(sessions, clock, bridge.tenant, time_reports=True)
    results = await sweep(bridge)
    assert results["service.time_report.push"].created == 1
    (stored,) = [t async for t in fortnox.attendance_transactions.iterate()]
    assert (stored.employee_id, str(stored.date), stored.cause_code) == ("7", "2026-03-02", "OT1")
    assert Decimal(str(stored.hours)) == Decimal("2.5")


async def test_a_customer_event_is_read_at_once(
    api: httpx.AsyncClient, bridge: Bridge, fortnox: FortnoxClient
) -> None:
    await put(api, "service-customers", "c1", {"number": "3001", "name": "Bostad AB"})
    await sweep(bridge)
    await fortnox.customers.update("3001", {"name": "Bostad i Sala AB"})
    await fortnox.customers.create({"customer_number": "3005", "name": "Ny i Fortnox"})
    summary = await bridge.service.read(bridge.tenant, {f"{CUSTOMERS}.pull": ["3001"]})
    assert summary.requests == 1  # the one customer, read in full
    assert (await host(api, "service-customers", "c1"))["name"] == "Bostad i Sala AB"
