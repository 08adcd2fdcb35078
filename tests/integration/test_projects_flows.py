"""The projects family against the in-process sandbox, through the host API and a sweep (SQLite
and PostgreSQL): which projects reach Fortnox and how, a number Fortnox cannot take, a status
that moves on, a project Fortnox already has, and cost centres imported from Fortnox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.recording import HELD_EXPLANATION, HELD_FIX
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.families import use_family

from .conftest import Bridge, Inbox

EXPORT = "projects.construction_project.push"
IMPORT = "projects.cost_center.pull"
NAME = "Nybyggnation av förskola, kvarteret Ekbacken i Västra Hamnen etapp 2"


@pytest.fixture
async def api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API of a connected tenant with both flows of the family turned on."""
    await bridge.connect()
    with sessions.begin() as session:
        use_family(session, bridge.tenant)
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        tenant.digest = "per_run"
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
        for flow in (EXPORT, IMPORT):
            FlowConfigRepository(session).put(
                bridge.tenant, flow, enabled=True, settings={}, now=clock.now()
            )
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


async def send(http: httpx.AsyncClient, external_id: str, **fields: Any) -> httpx.Response:
    body = {"number": "10000", "name": "Skolan", "status_code": 50, **fields}
    return await http.put(f"/api/v1/construction-projects/{external_id}", json=body)


async def projects(client: FortnoxClient) -> dict[str, dict[str, Any]]:
    """Fortnox's projects in full, by number."""
    numbers = [row.project_number async for row in client.projects.iterate()]
    found = {}
    for number in numbers:
        assert number is not None
        found[number] = (await client.projects.get(number)).model_dump(mode="json")
    return found


async def test_projects_reach_fortnox_by_status_with_the_name_cut(
    api: httpx.AsyncClient, bridge: Bridge, engine_client: FortnoxClient
) -> None:
    await send(api, "p1", number="10001", status_code=10)  # not started: stays home
    await send(
        api,
        "p2",
        number="10002",
        name=NAME,
        start_date="2026-03-02",
        end_date="2027-06-30",
        leader="Anna Berg",
    )
    await send(api, "p3", number="10003_Ä001", status_code=95)
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == EXPORT]
    assert (result.created, result.skipped, result.failed) == (2, 1, 0)
    (skipped,) = [i for i in result.items if i.external_id == "p1"]
    assert skipped.reason == "excluded: status code 10 is below 40: not exported yet"
    assert not skipped.problem
    found = await projects(engine_client)
    assert sorted(found) == ["10002", "10003_Ä001"]
    ongoing = found["10002"]
    assert ongoing["description"] == NAME[:50].rstrip()
    assert (ongoing["status"], ongoing["start_date"], ongoing["end_date"]) == (
        "ONGOING",
        "2026-03-02",
        "2027-06-30",
    )
    assert ongoing["project_leader"] == "Anna Berg"
    assert found["10003_Ä001"]["status"] == "COMPLETED"


async def test_a_number_fortnox_cannot_take_is_one_problem_naming_the_project(
    api: httpx.AsyncClient,
    bridge: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
) -> None:
    await send(api, "p1", number="10001")
    await send(api, "p9", number="10000.1", name="Tillbyggnad")
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == EXPORT]
    assert (result.created, result.skipped) == (1, 1)
    (held,) = [i for i in result.items if i.external_id == "p9"]
    assert held.problem
    assert held.reference == "project p9 (10000.1 Tillbyggnad)"
    assert "'.' (U+002E) at character 6" in held.reason
    assert sorted(await projects(engine_client)) == ["10001"]
    with sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(bridge.tenant)
        assert (problem.flow, problem.external_id) == (EXPORT, "p9")
        # Each part says something of its own: the message what is wrong, the explanation
        # what it means for the data, the fix what to do; none repeats another.
        assert problem.explanation == HELD_EXPLANATION
        assert problem.fix == HELD_FIX
        assert len({problem.message, problem.explanation, problem.fix}) == 3
    mails = [m for _, m in bridge.inbox.messages if "not synchronised" in str(m["Subject"])]
    (mail,) = mails
    assert "project p9 (10000.1 Tillbyggnad)" in str(mail["Subject"])
    assert "no dot" in Inbox.text(mail)


async def test_status_90_completes_the_project_blanks_a_removed_date_idle_costs_nothing(
    api: httpx.AsyncClient, bridge: Bridge, engine_client: FortnoxClient
) -> None:
    await send(api, "p1", number="10001", end_date="2026-12-31")
    await bridge.service.sweep(bridge.tenant)
    await send(api, "p1", number="10001", status_code=90)  # and the end date removed
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == EXPORT]
    assert (result.updated, result.write_requests) == (1, 1)
    stored = await engine_client.projects.get("10001")
    assert (stored.status, stored.end_date) == ("COMPLETED", None)
    idle = await bridge.service.sweep(bridge.tenant)
    (again,) = [r for r in idle.flows if r.flow == EXPORT]
    assert (again.requests, again.unchanged) == (0, 1)


async def test_a_project_fortnox_already_has_is_adopted_not_created_twice(
    api: httpx.AsyncClient, bridge: Bridge, engine_client: FortnoxClient
) -> None:
    await engine_client.projects.create({"project_number": "10001", "description": "Gammalt namn"})
    await send(api, "p1", number="10001", name="Skolan")
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == EXPORT]
    assert (result.adopted, result.created, result.failed) == (1, 0, 0)
    assert (await engine_client.projects.get("10001")).description == "Skolan"


async def test_the_api_refuses_what_no_flow_could_send(api: httpx.AsyncClient) -> None:
    late = await send(api, "p1", start_date="2026-05-01", end_date="2026-04-01")
    assert late.status_code == 422
    assert "before start_date" in late.text
    long_leader = await send(api, "p2", leader="L" * 51)
    assert long_leader.status_code == 422


async def test_cost_centres_new_and_renamed_in_fortnox_land_in_the_bridge(
    api: httpx.AsyncClient, bridge: Bridge, engine_client: FortnoxClient
) -> None:
    await engine_client.cost_centers.create({"code": "100", "description": "Bygg"})
    await engine_client.cost_centers.create({"code": "200", "description": "Mark"})
    first = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in first.flows if r.flow == IMPORT]
    assert (result.imported, result.requests) == (2, 1)
    await engine_client.cost_centers.update("200", {"description": "Mark och anläggning"})
    await engine_client.cost_centers.create({"code": "300", "description": "Service"})
    second = await bridge.service.sweep(bridge.tenant)
    (again,) = [r for r in second.flows if r.flow == IMPORT]
    assert (again.imported, again.updated, again.unchanged) == (1, 1, 1)
    page = await api.get("/api/v1/events", params={"types": "record.created,record.changed"})
    events = [
        (e["type"], e["external_id"], e["data"].get("changed", {}).get("name"))
        for e in page.json()["data"]
        if e["entity"] == "cost_center"
    ]
    assert events == [
        ("record.created", "100", "Bygg"),
        ("record.created", "200", "Mark"),
        ("record.changed", "200", "Mark och anläggning"),
        ("record.created", "300", "Service"),
    ]
