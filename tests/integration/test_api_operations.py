"""Change operations with the engine and the in-process sandbox behind the API (SQLite and
PostgreSQL): succeeded with the Fortnox id, failed with Fortnox's refusal, waiting, superseded,
already equal — each final status also on the event feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api import create_app
from fortnox_bridge.api.app import ApiHooks
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.dispatch import InProcessDispatcher, Job
from fortnox_bridge.engine.scheduler import PushDebouncer
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.store.models import Event
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository

from .conftest import Bridge, employee


@dataclass
class Served:
    """The API as ``serve`` runs it: debounced event-driven pushes through the engine."""

    http: httpx.AsyncClient
    dispatcher: InProcessDispatcher
    debouncer: PushDebouncer
    #: Debounced pushes wait while this is clear (to collect several changes in one push).
    gate: asyncio.Event

    async def settle(self) -> None:
        """Let debounced pushes and queued jobs finish."""
        self.gate.set()
        await self.debouncer.drain()
        await self.dispatcher.join()

    async def operation(self, operation_id: int) -> dict[str, Any]:
        answer = await self.http.get(f"/api/v1/operations/{operation_id}")
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


@pytest.fixture
async def served(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[Served]:
    await bridge.connect()

    async def handle(job: Job) -> None:
        if job.kind == "sweep":
            await bridge.service.sweep(job.tenant_id)
        else:
            await bridge.service.push(job.tenant_id, job.record_map())

    gate = asyncio.Event()
    gate.set()

    async def sleep(seconds: float) -> None:
        await gate.wait()
        clock.advance(seconds)
        await asyncio.sleep(0)

    dispatcher = InProcessDispatcher(handle, workers=1)
    debouncer = PushDebouncer(dispatcher, clock, sleep=sleep)
    app = create_app(
        sessions, clock=clock, hooks=ApiHooks(on_change=debouncer.changed, dispatcher=dispatcher)
    )
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
        yield Served(http, dispatcher, debouncer, gate)
    await dispatcher.stop()


def events(sessions: sessionmaker[Session]) -> list[tuple[str, dict[str, Any]]]:
    with sessions.begin() as session:
        return [(e.type, dict(e.data)) for e in session.scalars(select(Event).order_by(Event.seq))]


async def test_a_new_employee_succeeds_with_its_fortnox_id_on_the_feed(
    served: Served, sessions: sessionmaker[Session]
) -> None:
    served.gate.clear()
    stored = await served.http.put("/api/v1/employees/e1", json=employee(1))
    operation_id = stored.json()["operation_id"]
    pending = await served.operation(operation_id)
    assert (pending["status"], pending["fortnox_id"], pending["message"]) == ("pending", None, None)
    await served.settle()
    done = await served.operation(operation_id)
    assert (done["status"], done["fortnox_id"], done["message"]) == (
        "succeeded",
        "1",
        "created in Fortnox",
    )
    assert (done["code"], done["explanation"], done["fix"]) == (None, None, None)
    assert events(sessions) == [
        (
            "operation.succeeded",
            {
                "operation_id": operation_id,
                "entity": "employee",
                "external_id": "e1",
                "action": "upsert",
                "version": 1,
                "status": "succeeded",
                "fortnox_id": "1",
                "code": None,
                "message": "created in Fortnox",
            },
        )
    ]
    deleted = await served.http.delete("/api/v1/employees/e1")
    await served.settle()
    gone = await served.operation(deleted.json()["operation_id"])
    assert (gone["action"], gone["status"], gone["message"]) == (
        "delete",
        "succeeded",
        "deactivated in Fortnox",
    )


async def test_time_entries_settle_when_stored_and_their_days_reach_fortnox_at_once(
    served: Served, sessions: sessionmaker[Session], bridge: Bridge, engine_client: FortnoxClient
) -> None:
    """A time entry is sent as part of its salary day (the day's time of one employee): its
    operation settles when stored; what Fortnox makes of the day is a run item and a problem
    of the day (or one per employee while the employee is missing)."""
    waiting = await served.http.put(
        "/api/v1/time-entries/t1", json={"employee": "e7", "date": "2026-02-02", "hours": 8}
    )
    await served.settle()
    answer = await served.operation(waiting.json()["operation_id"])
    assert (answer["status"], answer["message"]) == (
        "succeeded",
        "stored; used by payroll.absence.push, payroll.attendance.push",
    )
    with sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(bridge.tenant)
        assert (problem.flow, problem.external_id, problem.reference) == (
            "payroll.attendance.push",
            "e7",
            "employee e7",
        )
        assert problem.message.startswith("employee e7 is not in Fortnox yet")
    await served.http.put("/api/v1/employees/e7", json=employee(7))
    await served.settle()  # the employee reaches Fortnox ...
    await bridge.service.sweep(bridge.tenant)  # ... and the next sweep sends the waiting day
    with sessions.begin() as session:
        assert ProblemRepository(session).open(bridge.tenant) == []
    rows = [row async for row in engine_client.attendance_transactions.iterate()]
    assert [(str(r.date), r.hours, r.cause_code) for r in rows] == [("2026-02-02", "8", "TID")]


async def test_a_change_back_to_what_fortnox_has_succeeds_without_a_write(
    served: Served, clock: ManualClock
) -> None:
    await served.http.put("/api/v1/employees/e1", json=employee(1, city="Lund"))
    await served.settle()
    served.gate.clear()  # both changes below go in one push
    moved = await served.http.put("/api/v1/employees/e1", json=employee(1, city="Ystad"))
    back = await served.http.put("/api/v1/employees/e1", json=employee(1, city="Lund"))
    await served.settle()
    assert (await served.operation(moved.json()["operation_id"]))["status"] == "superseded"
    equal = await served.operation(back.json()["operation_id"])
    assert (equal["status"], equal["version"], equal["fortnox_id"]) == ("succeeded", 3, "1")
    assert equal["message"] == "Fortnox already had these values; nothing was sent"


async def test_operations_are_listed_newest_first_with_filters_and_paging(
    served: Served,
) -> None:
    ids = []
    for number in range(1, 4):
        answer = await served.http.put(f"/api/v1/employees/e{number}", json=employee(number))
        ids.append(answer.json()["operation_id"])
    project = await served.http.put("/api/v1/projects/p1", json={"number": "P1", "name": "Nytt"})
    first = (await served.http.get("/api/v1/operations", params={"limit": 2})).json()
    assert [op["id"] for op in first["data"]] == [project.json()["operation_id"], ids[2]]
    rest = (
        await served.http.get(
            "/api/v1/operations", params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [op["id"] for op in rest["data"]] == [ids[1], ids[0]]
    assert rest["next_cursor"] is None
    one = (
        await served.http.get(
            "/api/v1/operations", params={"entity": "employee", "external_id": "e2"}
        )
    ).json()
    assert [op["id"] for op in one["data"]] == [ids[1]]
    unknown = await served.http.get("/api/v1/operations", params={"entity": "ghost"})
    assert (unknown.status_code, unknown.json()["errors"][0]["path"]) == (422, "query.entity")
    assert (await served.http.get("/api/v1/operations/999999")).status_code == 404
