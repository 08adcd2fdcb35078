"""The host API with the engine behind it: event-driven pushes, deletes, status, problems,
conflicts, runs, "sync now" and /metrics — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.jobs.dispatch import InProcessDispatcher, Job
from fortnox_bridge.engine.jobs.metrics import Metrics
from fortnox_bridge.engine.jobs.scheduler import PushDebouncer
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import Bridge, employee


@dataclass
class Served:
    """The API as ``serve`` runs it, with the engine's dispatcher and debouncer."""

    http: httpx.AsyncClient
    dispatcher: InProcessDispatcher
    debouncer: PushDebouncer
    metrics: Metrics
    jobs: list[Job]

    async def settle(self) -> None:
        """Let debounced pushes and queued jobs finish."""
        await self.debouncer.drain()
        await self.dispatcher.join()


@pytest.fixture
async def served(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[Served]:
    await bridge.connect()
    jobs: list[Job] = []

    async def handle(job: Job) -> None:
        jobs.append(job)
        if job.kind == "sweep":
            await bridge.service.sweep(job.tenant_id)
        else:
            await bridge.service.push(job.tenant_id, job.record_map())

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    dispatcher = InProcessDispatcher(handle, workers=2)
    debouncer = PushDebouncer(dispatcher, clock, sleep=sleep)
    metrics = Metrics(sessions)
    bridge.service.observer = metrics
    hooks = EngineHooks(on_change=debouncer.changed, dispatcher=dispatcher, metrics=metrics)
    app = api_app(sessions, clock=clock, hooks=hooks)
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    dispatcher.start()
    debouncer.bind(asyncio.get_running_loop())
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield Served(http, dispatcher, debouncer, metrics, jobs)
    await dispatcher.stop()


async def test_a_host_change_reaches_fortnox_within_a_second(
    served: Served, engine_client: FortnoxClient, clock: ManualClock
) -> None:
    start = clock.now()
    for number in (1, 2):
        response = await served.http.put(f"/api/v1/employees/e{number}", json=employee(number))
        assert response.status_code == 201
    await served.settle()
    assert (clock.now() - start).total_seconds() <= 1.0
    assert {j.kind for j in served.jobs} == {"push"}
    assert sorted(i for j in served.jobs for i in j.record_map()["employee"]) == ["e1", "e2"]
    emails = sorted([e.email or "" async for e in engine_client.employees.iterate()])
    assert emails == ["person1@example.se", "person2@example.se"]
    # The record as the bridge holds it now: with the EmployeeId Fortnox assigned.
    stored = (await served.http.get("/api/v1/employees/e1")).json()["data"]
    assert stored == {**employee(1), "employment_id": stored["employment_id"]}
    same = await served.http.put("/api/v1/employees/e1", json=stored)
    assert same.json()["status"] == "unchanged"
    jobs = len(served.jobs)
    await served.settle()
    assert len(served.jobs) == jobs  # an unchanged record causes no push


async def test_time_entries_and_deletes_go_through_the_api(
    served: Served, engine_client: FortnoxClient
) -> None:
    await served.http.put("/api/v1/employees/e1", json=employee(1))
    entry = {"employee": "e1", "date": "2026-02-02", "hours": 7.5}
    created = await served.http.put("/api/v1/time-entries/t1", json=entry)
    assert (created.status_code, created.json()["entity"]) == (201, "time_entry")
    bad = await served.http.put("/api/v1/time-entries/t2", json={**entry, "hours": 25})
    assert bad.status_code == 422
    assert [e["path"] for e in bad.json()["errors"]] == ["$.hours"]
    await served.settle()
    rows = [r async for r in engine_client.attendance_transactions.iterate()]
    assert [(r.employee_id, str(r.date), r.hours) for r in rows] == [("1", "2026-02-02", "7.5")]

    deleted = await served.http.delete("/api/v1/time-entries/t1")
    assert (deleted.json()["status"], deleted.json()["deleted"]) == ("deleted", True)
    assert (await served.http.get("/api/v1/time-entries/t1")).status_code == 404
    assert (await served.http.delete("/api/v1/time-entries/nope")).status_code == 404
    await served.settle()
    assert [r async for r in engine_client.attendance_transactions.iterate()] == []


async def test_status_problems_runs_and_sync_now(
    served: Served, bridge: Bridge, clock: ManualClock
) -> None:
    await served.http.put("/api/v1/employees/e1", json=employee(1))
    await served.settle()
    # a record Fortnox refuses, stored as if it came from an older host version
    bridge_put = {"email": "x@engine.se", "given_name": "Utan"}
    with bridge.service.sessions.begin() as session:
        from fortnox_bridge.store.mirror import MirrorRepository

        MirrorRepository(session).upsert(
            bridge.tenant, "employee", "e9", bridge_put, now=clock.now()
        )
    queued = await served.http.post("/api/v1/sync")
    assert (queued.status_code, queued.json()["job"]["kind"]) == (202, "sweep")
    await served.settle()
    status = (await served.http.get("/api/v1/status")).json()
    assert (status["connection"], status["open_problems"], status["open_conflicts"]) == (
        "active",
        1,
        0,
    )
    assert [r["kind"] for r in status["last_runs"]] == ["sweep", "push"]
    (problem,) = (await served.http.get("/api/v1/problems")).json()["data"]
    assert (problem["external_id"], problem["status"]) == ("e9", 400)
    assert problem["reference"] == "employee e9 (x@engine.se)"
    runs = (await served.http.get("/api/v1/runs")).json()["data"]
    items = (await served.http.get(f"/api/v1/runs/{runs[0]['id']}/items")).json()["data"]
    assert [(i["external_id"], i["outcome"]) for i in items] == [("e9", "failed")]
    assert (await served.http.get("/api/v1/runs/999999")).status_code == 404

    metrics = (await served.http.get("/metrics")).text
    assert 'fortnox_bridge_runs_total{kind="push",status="succeeded"} 1.0' in metrics
    assert 'fortnox_bridge_runs_total{kind="sweep",status="partial"} 1.0' in metrics
    assert 'fortnox_bridge_items_total{flow="hr.employee.push",outcome="created"} 1.0' in metrics
    assert "fortnox_bridge_open_problems 1.0" in metrics
    assert 'fortnox_bridge_connections{state="active"} 1.0' in metrics


async def test_an_event_push_of_a_two_way_record_compares_three_ways_first(
    served: Served,
    bridge: Bridge,
    engine_client: FortnoxClient,
    clock: ManualClock,
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            bridge.tenant, "hr.employee.pull", enabled=True, settings={}, now=clock.now()
        )
    await served.http.put("/api/v1/employees/e1", json=employee(1))
    await served.settle()
    await engine_client.employees.update("1", {"last_name": "Fort"})  # edited in Fortnox
    await served.http.put("/api/v1/employees/e1", json=employee(1, family_name="Bro"))
    await served.settle()
    # the push read the record first: a conflict is open, nothing was overwritten
    assert (await engine_client.employees.get("1")).last_name == "Fort"
    (conflict,) = (await served.http.get("/api/v1/conflicts")).json()["data"]
    assert conflict["fields"] == {
        "last_name": {"base": "Svensson", "bridge": "Bro", "fortnox": "Fort"}
    }
    missing = await served.http.post("/api/v1/conflicts/999/resolve", json={"winner": "bridge"})
    assert missing.status_code == 404
    won = await served.http.post(
        f"/api/v1/conflicts/{conflict['id']}/resolve", json={"winner": "bridge"}
    )
    assert won.json() == {"id": conflict["id"], "winner": "bridge", "values": {"last_name": "Bro"}}
    await served.settle()  # the decision is pushed at once
    assert (await engine_client.employees.get("1")).last_name == "Bro"
    assert (await served.http.get("/api/v1/conflicts")).json()["data"] == []
