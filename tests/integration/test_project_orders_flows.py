"""Work orders and change orders as Fortnox projects of their own, against the in-process sandbox
through the host API and a sweep (SQLite and PostgreSQL): numbering, the project's dates, a
number Fortnox cannot take, the numbering setting and a deleted order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.families import use_family

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Bridge

PROJECTS = "projects.construction_project.push"
WORK = "projects.work_order.push"
CHANGE = "projects.change_order.push"


@pytest.fixture
async def api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API of a connected tenant with the project and order exports turned on."""
    await bridge.connect()
    with sessions.begin() as session:
        use_family(session, bridge.tenant)
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
        for flow in (PROJECTS, WORK, CHANGE):
            FlowConfigRepository(session).put(
                bridge.tenant, flow, enabled=True, settings={}, now=clock.now()
            )
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


async def put(http: httpx.AsyncClient, collection: str, external_id: str, **body: Any) -> None:
    answer = await http.put(f"/api/v1/{collection}/{external_id}", json=body)
    assert answer.status_code < 300, answer.text


async def order(http: httpx.AsyncClient, collection: str, external_id: str, **fields: Any) -> None:
    body = {
        "project": "p1",
        "number": "1",
        "name": "Grundläggning",
        "status_code": 50,
        "created_on": "2026-04-01",
        **fields,
    }
    await put(http, collection, external_id, **body)


def result(summary: Any, flow: str) -> Any:
    (found,) = [r for r in summary.flows if r.flow == flow]
    return found


async def test_orders_become_projects_numbered_after_their_project_with_its_dates(
    api: httpx.AsyncClient, bridge: Bridge, engine_client: FortnoxClient
) -> None:
    await put(
        api,
        "construction-projects",
        "p1",
        number="10000",
        name="Skolan",
        status_code=50,
        start_date="2026-03-02",
        end_date="2027-06-30",
        leader="Anna Berg",
    )
    await put(api, "construction-projects", "p2", number="20000", name="Hallen", status_code=50)
    await order(api, "work-orders", "w1")
    await order(api, "work-orders", "w2", project="p2", number="2", status_code=95)
    await order(api, "work-orders", "w3", number="3", status_code=10)
    await order(api, "change-orders", "c1", name="Extra fönster", leader="Per Ek")
    await order(api, "change-orders", "c2", number="Ä002", name="Ny trappa")
    summary = await bridge.service.sweep(bridge.tenant)
    assert result(summary, WORK).failed == 0
    assert result(summary, CHANGE).failed == 0
    first = await engine_client.projects.get("10000_1")
    assert (first.description, first.status, first.project_leader) == (
        "Grundläggning",
        "ONGOING",
        "Anna Berg",
    )
    assert (str(first.start_date), str(first.end_date)) == ("2026-03-02", "2027-06-30")
    second = await engine_client.projects.get("20000_2")  # project without dates
    assert (second.status, str(second.start_date), second.end_date) == (
        "COMPLETED",
        "2026-04-01",
        None,
    )
    change = await engine_client.projects.get("10000_Ä001")
    assert (change.description, change.project_leader) == ("Extra fönster", "Per Ek")
    assert (await engine_client.projects.get("10000_Ä002")).description == "Ny trappa"
    numbers = sorted([row.project_number async for row in engine_client.projects.iterate()])
    assert numbers == ["10000", "10000_1", "10000_Ä001", "10000_Ä002", "20000", "20000_2"]


async def test_a_number_fortnox_cannot_take_is_a_problem_naming_order_and_project(
    api: httpx.AsyncClient, bridge: Bridge, engine_client: FortnoxClient
) -> None:
    await put(api, "construction-projects", "p1", number="10000", name="Skolan", status_code=50)
    await order(api, "work-orders", "w1", number="1.2")
    await order(api, "work-orders", "w2", number="9" * 15)
    summary = await bridge.service.sweep(bridge.tenant)
    work = result(summary, WORK)
    reasons = {i.external_id: i.reason for i in work.items if i.problem}
    assert "work order 1.2 of project 10000" in reasons["w1"]
    assert "'.' (U+002E) at character 8" in reasons["w1"]
    assert "has 21 characters" in reasons["w2"]
    assert sorted([row.project_number async for row in engine_client.projects.iterate()]) == [
        "10000"
    ]


async def test_numbering_per_project_sends_no_orders_and_a_deleted_order_is_deleted(
    api: httpx.AsyncClient,
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    await put(api, "construction-projects", "p1", number="10000", name="Skolan", status_code=50)
    await order(api, "work-orders", "w1")
    await order(api, "change-orders", "c1")
    await bridge.service.sweep(bridge.tenant)
    assert (await engine_client.projects.get("10000_1")).status == "ONGOING"
    await api.delete("/api/v1/work-orders/w1")
    with sessions.begin() as session:
        use_family(session, bridge.tenant)
        FlowConfigRepository(session).put(
            bridge.tenant, CHANGE, enabled=True, settings={"numbering": "project"}, now=clock.now()
        )
    await order(api, "change-orders", "c2", number="2")
    summary = await bridge.service.sweep(bridge.tenant)
    numbers = sorted([row.project_number async for row in engine_client.projects.iterate()])
    assert numbers == ["10000"]  # w1 deleted; c1 taken back onto the project, c2 never sent
    (held,) = [i for i in result(summary, CHANGE).items if i.external_id == "c2"]
    assert "booked on their project" in held.reason
    assert not held.problem


DAY = 24 * 3600


async def statuses(
    control: SandboxControl, company: int, transport: httpx.AsyncBaseTransport, *numbers: str
) -> list[str | None]:
    """The Fortnox statuses of projects ``numbers``, read with fresh tokens (the clock moved past
    the test client's)."""
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"], api_url=SANDBOX_URL, transport=transport
    )
    try:
        return [(await client.projects.get(number)).status for number in numbers]
    finally:
        await client.aclose()


async def test_a_completed_project_waits_out_the_delay_on_the_clock(
    api: httpx.AsyncClient,
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
    faulty_transport: httpx.AsyncBaseTransport,
) -> None:
    with sessions.begin() as session:
        use_family(session, bridge.tenant)
        for flow in (PROJECTS, WORK):
            FlowConfigRepository(session).put(
                bridge.tenant,
                flow,
                enabled=True,
                settings={"completion_delay_days": 10},
                now=clock.now(),
            )
    today = clock.now().date().isoformat()
    await put(
        api,
        "construction-projects",
        "p1",
        number="10000",
        name="Skolan",
        status_code=90,
        completed_on=today,
        end_date="2026-12-31",
    )
    await order(api, "work-orders", "w1", status_code=95, completed_on=today)
    await order(api, "work-orders", "w2", number="2", status_code=95)  # no day: at once
    await bridge.service.sweep(bridge.tenant)
    assert (await engine_client.projects.get("10000")).status == "ONGOING"
    assert (await engine_client.projects.get("10000_1")).status == "ONGOING"
    assert (await engine_client.projects.get("10000_2")).status == "COMPLETED"
    clock.advance(9 * DAY)
    early = await bridge.service.sweep(bridge.tenant)
    assert (result(early, PROJECTS).requests, result(early, WORK).requests) == (0, 0)
    clock.advance(1 * DAY)
    due = await bridge.service.sweep(bridge.tenant)
    assert (result(due, PROJECTS).updated, result(due, WORK).updated) == (1, 1)
    found = await statuses(control, bridge.company, faulty_transport, "10000", "10000_1")
    assert found == ["COMPLETED", "COMPLETED"]


async def test_without_an_end_date_projects_close_after_twelve_months_and_orders_follow(
    api: httpx.AsyncClient,
    bridge: Bridge,
    engine_client: FortnoxClient,
    clock: ManualClock,
    control: SandboxControl,
    faulty_transport: httpx.AsyncBaseTransport,
) -> None:
    await put(
        api,
        "construction-projects",
        "p1",
        number="10000",
        name="Skolan",
        status_code=50,
        start_date="2025-01-20",
    )
    await order(api, "change-orders", "c1")
    await bridge.service.sweep(bridge.tenant)
    assert (await engine_client.projects.get("10000")).status == "ONGOING"
    change = await engine_client.projects.get("10000_Ä001")
    assert (change.status, str(change.start_date)) == ("ONGOING", "2025-01-20")
    clock.advance(18 * DAY)  # 2026-01-19: the day before
    early = await bridge.service.sweep(bridge.tenant)
    assert result(early, PROJECTS).requests == 0
    clock.advance(1 * DAY)  # 2026-01-20: twelve months after the start
    await bridge.service.sweep(bridge.tenant)
    found = await statuses(control, bridge.company, faulty_transport, "10000", "10000_Ä001")
    assert found == ["COMPLETED", "COMPLETED"]


async def test_a_changed_project_end_date_reaches_its_orders(
    api: httpx.AsyncClient, bridge: Bridge, engine_client: FortnoxClient
) -> None:
    project = {"number": "10000", "name": "Skolan", "status_code": 50, "end_date": "2026-06-30"}
    await put(api, "construction-projects", "p1", **project)
    await order(api, "work-orders", "w1")
    await bridge.service.sweep(bridge.tenant)
    assert str((await engine_client.projects.get("10000_1")).end_date) == "2026-06-30"
    await put(api, "construction-projects", "p1", **{**project, "end_date": "2026-09-30"})
    summary = await bridge.service.sweep(bridge.tenant)
    assert (result(summary, WORK).updated, result(summary, WORK).write_requests) == (1, 1)
    assert str((await engine_client.projects.get("10000_1")).end_date) == "2026-09-30"
