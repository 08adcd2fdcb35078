"""Nothing is written twice into Fortnox under concurrency, on SQLite and PostgreSQL.

Ingest clients, event-driven pushes on four in-process workers, "sync now" (queued and waited
for), scheduled sweeps and a re-sync all run at once against one tenant. Afterwards Fortnox is read
back: no natural key is there twice, and Fortnox equals the host record by record.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.jobs.dispatch import InProcessDispatcher, Job
from fortnox_bridge.engine.jobs.scheduler import PushDebouncer
from fortnox_bridge.engine.tenancy.clients import ConnectionClients
from fortnox_bridge.engine.tenancy.writer import current_job
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import Bridge, employee
from .salary_data import registers_in_fortnox, salary_transactions

DAYS = [date(2026, 3, d).isoformat() for d in (2, 3, 4, 5)]


@dataclass
class Crowd:
    """The API and four dispatcher workers in front of one tenant's engine."""

    http: httpx.AsyncClient
    dispatcher: InProcessDispatcher
    debouncer: PushDebouncer
    bridge: Bridge
    #: Every job run, with the writer job that ran it: (tenant, kind, start, end) in order.
    overlaps: list[str] = field(default_factory=list)
    running: set[int] = field(default_factory=set)

    async def settle(self) -> None:
        await self.debouncer.drain()
        await self.dispatcher.join()


class OverTheNetwork(httpx.AsyncBaseTransport):
    """The in-process sandbox as a network makes it: every request gives the other tasks a turn
    before it is sent and before its answer is read (no real time passes)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(3):
            await asyncio.sleep(0)
        response = await self.inner.handle_async_request(request)
        for _ in range(3):
            await asyncio.sleep(0)
        return response


@pytest.fixture
async def crowd(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[Crowd]:
    await bridge.connect()
    clients = bridge.service.clients
    assert isinstance(clients, ConnectionClients)
    clients.endpoints = replace(
        clients.endpoints, transport=OverTheNetwork(clients.endpoints.transport)
    )
    state: dict[str, Crowd] = {}

    async def handle(job: Job) -> None:
        me = state["crowd"]
        if job.tenant_id in me.running:
            me.overlaps.append(f"{job.kind} started while another job of the tenant ran")
        me.running.add(job.tenant_id)
        try:
            if job.kind == "sweep":
                await bridge.service.sweep(job.tenant_id)
            else:
                await bridge.service.push(job.tenant_id, job.record_map())
        finally:
            me.running.discard(job.tenant_id)

    dispatcher = InProcessDispatcher(handle, workers=4)
    debouncer = PushDebouncer(dispatcher, clock, sleep=clock.sleep, quiet=0.2, max_delay=1.0)
    hooks = EngineHooks(on_change=debouncer.changed, dispatcher=dispatcher, service=bridge.service)
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
        timeout=60,
    ) as http:
        state["crowd"] = Crowd(http, dispatcher, debouncer, bridge)
        yield state["crowd"]
    await dispatcher.stop()


async def _batch(http: httpx.AsyncClient, collection: str, records: list[dict[str, Any]]) -> None:
    answer = await http.post(f"/api/v1/{collection}:batch", json={"records": records})
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["rejected"] == 0, answer.text


async def _sync_wait(http: httpx.AsyncClient) -> None:
    answer = await http.post("/api/v1/sync", json={"wait": True})
    assert answer.status_code == 200, answer.text


async def _settle(http: httpx.AsyncClient) -> int:
    """ "Sync now" until a run has nothing left to write (the safety net); how many it took."""
    for attempt in range(1, 6):
        answer = await http.post("/api/v1/sync", json={"wait": True})
        assert answer.status_code == 200, answer.text
        result = answer.json()
        counts = result["counts"]
        if result["status"] == "succeeded" and not any(
            counts[name] for name in ("created", "updated", "deleted", "failed")
        ):
            return attempt
    raise AssertionError(f"five syncs in a row still wrote: {result}")


async def _queued_sweep(crowd: Crowd) -> None:
    await crowd.dispatcher.submit(Job("sweep", crowd.bridge.tenant, reason="schedule"))
    answer = await crowd.http.post("/api/v1/sync", json={})
    assert answer.status_code == 202


async def test_employees_then_sync_wait_create_each_employee_once(
    crowd: Crowd, engine_client: FortnoxClient
) -> None:
    records = [{"external_id": f"e{n:03d}", "data": employee(n)} for n in range(1, 41)]
    await asyncio.gather(
        _batch(crowd.http, "employees", records[:20]),
        _batch(crowd.http, "employees", records[20:]),
        _sync_wait(crowd.http),
        _queued_sweep(crowd),
        crowd.bridge.service.push(crowd.bridge.tenant, {"employee": ["e001", "e021"]}),
        _sync_wait(crowd.http),
    )
    await crowd.settle()
    await _sync_wait(crowd.http)
    emails = [e.email async for e in engine_client.employees.iterate()]
    assert len(emails) == 40
    assert sorted(emails) == sorted(employee(n)["email"] for n in range(1, 41))
    assert crowd.overlaps == []


async def test_batches_of_time_entries_on_the_same_days_never_leave_two_rows(
    crowd: Crowd,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    people = [f"e{n:03d}" for n in range(1, 6)]
    await _batch(
        crowd.http,
        "employees",
        [{"external_id": p, "data": employee(n)} for n, p in enumerate(people, start=1)],
    )
    await _batch(
        crowd.http,
        "projects",
        [{"external_id": "p1", "data": {"number": "P100", "name": "Projekt P100"}}],
    )
    await registers_in_fortnox(engine_client, ["P100"], [])
    await crowd.settle()
    host: dict[str, dict[str, Any]] = {}

    async def one_batch(round_: int) -> None:
        # The same 20 employee-days each time, with other hours and one more entry per day.
        records = []
        for person in people:
            for day in DAYS:
                entry_id = f"{person}-{day}-{round_ % 3}"
                data = {
                    "employee": person,
                    "date": day,
                    "hours": str(Decimal("1.5") + Decimal(round_) / 2),
                    "project": "p1",
                }
                host[entry_id] = data
                records.append({"external_id": entry_id, "data": data})
        await _batch(crowd.http, "time-entries", records)

    async def in_turns(round_: int) -> None:
        clock.advance(0.3 * round_)
        await one_batch(round_)
        if round_ % 3 == 0:
            await _sync_wait(crowd.http)
        elif round_ % 3 == 1:
            await _queued_sweep(crowd)

    async def resync() -> None:
        await asyncio.sleep(0)
        await crowd.bridge.service.resync(
            crowd.bridge.tenant, "payroll", date(2026, 3, 1), date(2026, 3, 31)
        )

    await asyncio.gather(*(in_turns(r) for r in range(10)), resync())
    await crowd.settle()
    assert await _settle(crowd.http) <= 2  # the safety net: at most one sweep with work left
    assert current_job() is None  # nothing held outside a job

    tenant = crowd.bridge.tenant
    with sessions.begin() as session:  # the host's records as the API stored them last
        links = LinkRepository(session).by_external_id(tenant, "employee")
        ids = {key: link.fortnox_id for key, link in links.items()}
        stored = [
            dict(record.payload)
            for record, _ in MirrorRepository(session).with_links(tenant, "time_entry")
            if not record.deleted
        ]
    assert len(stored) == len(host) == 60
    want: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for data in stored:
        want[(ids[data["employee"]], data["date"])] += Decimal(str(data["hours"]))
    attendance, absence, _ = await salary_transactions(engine_client)  # fails on a duplicate key
    got = {(who, day): hours for (who, day, cause, project, _), hours in attendance.items()}
    assert {k[2:4] for k in attendance} == {("TID", "P100")}
    assert got == dict(want)
    assert absence == {}
    assert crowd.overlaps == []
