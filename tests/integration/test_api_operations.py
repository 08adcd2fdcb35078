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

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.jobs.dispatch import InProcessDispatcher, Job
from fortnox_bridge.engine.jobs.scheduler import PushDebouncer
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.models import Event
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

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
    app = api_app(
        sessions, clock=clock, hooks=EngineHooks(on_change=debouncer.changed, dispatcher=dispatcher)
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
        (  # the EmployeeId Fortnox assigned is the host's employment id now
            "record.changed",
            {
                "entity": "employee",
                "external_id": "e1",
                "version": 2,
                "fortnox_id": "1",
                "flow": "hr.employee.push",
                "changed": {"employment_id": "1"},
            },
        ),
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
        ),
    ]
    deleted = await served.http.delete("/api/v1/employees/e1")
    await served.settle()
    gone = await served.operation(deleted.json()["operation_id"])
    assert (gone["action"], gone["status"], gone["message"]) == (
        "delete",
        "succeeded",
        "deactivated in Fortnox",
    )


async def test_a_time_entry_is_held_with_the_reason_until_its_day_reaches_fortnox(
    served: Served, sessions: sessionmaker[Session], bridge: Bridge, engine_client: FortnoxClient
) -> None:
    """A time entry is sent as part of its salary day (the day's time of one employee): its
    operation is held while the day is held back or the entry is left out of it, with the
    reason, and succeeds once the day is in Fortnox."""
    waiting = await served.http.put(
        "/api/v1/time-entries/t1", json={"employee": "e7", "date": "2026-02-02", "hours": 8}
    )
    orphan = await served.http.put(
        "/api/v1/time-entries/t2",
        json={"employee": "e7", "date": "2026-02-03", "hours": 2, "project": "p9"},
    )
    await served.settle()
    held = await served.operation(waiting.json()["operation_id"])
    assert (held["status"], held["flow"]) == ("held", "payroll.attendance.push")
    assert held["message"].startswith("its salary day e7/2026-02-02: employee e7 is not in Fortnox")
    left_out = await served.operation(orphan.json()["operation_id"])
    assert left_out["status"] == "held"
    assert left_out["message"].startswith(
        "left out of the salary day e7/2026-02-03: project 'p9' is unknown"
    )
    with sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(bridge.tenant)
        assert (problem.flow, problem.external_id, problem.reference) == (
            "payroll.attendance.push",
            "e7",
            "employee e7",
        )
        assert problem.message.startswith("employee e7 is not in Fortnox yet")
    announced = [(t, d["external_id"]) for t, d in events(sessions) if t == "operation.held"]
    assert sorted(announced) == [("operation.held", "t1"), ("operation.held", "t2")]

    await served.http.put("/api/v1/employees/e7", json=employee(7))
    await served.settle()  # the employee reaches Fortnox ...
    await bridge.service.sweep(bridge.tenant)  # ... and the next sweep sends the waiting day
    with sessions.begin() as session:  # only the entry with the unknown project is a problem
        (left,) = ProblemRepository(session).open(bridge.tenant)
        assert (left.external_id, "time entry t2 is left out") == (
            "e7/2026-02-03",
            left.message[: len("time entry t2 is left out")],
        )
    rows = [row async for row in engine_client.attendance_transactions.iterate()]
    assert [(str(r.date), r.hours, r.cause_code) for r in rows] == [("2026-02-02", "8", "TID")]
    done = await served.operation(waiting.json()["operation_id"])
    assert (done["status"], done["message"]) == (
        "succeeded",
        "written to Fortnox with the salary day e7/2026-02-02 (payroll.attendance.push)",
    )
    # The project is still unknown: that entry stays held, and so does its day's other time.
    assert (await served.operation(orphan.json()["operation_id"]))["status"] == "held"
    await engine_client.projects.create({"project_number": "P9", "description": "Nio"})
    project = await served.http.put(
        "/api/v1/projects/p9", json={"number": "P9", "name": "Nio", "paxml_code": "TID"}
    )
    await served.settle()
    assert (await served.operation(orphan.json()["operation_id"]))["status"] == "succeeded"
    used = await served.operation(project.json()["operation_id"])
    assert (used["status"], used["message"]) == (
        "succeeded",
        "in Fortnox with the salary days of its 1 time entry",
    )


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
    # version 2 is the employment id Fortnox assigned, written back after the create
    assert (equal["status"], equal["version"], equal["fortnox_id"]) == ("succeeded", 4, "1")
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


def _conflict_ids(sessions: sessionmaker[Session], tenant: int) -> list[int]:
    with sessions.begin() as session:
        return [c.id for c in ConflictRepository(session).open(tenant)]


@pytest.mark.parametrize("winner", ["bridge", "fortnox"])
async def test_a_change_held_back_by_a_conflict_says_so_until_it_is_decided(
    served: Served,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    engine_client: FortnoxClient,
    control: SandboxControl,
    winner: str,
) -> None:
    """Policy ask, two-way employees: the host and Fortnox change the city (which the employee
    list does not carry) differently. The change is never reported as already in Fortnox, and
    the city is not written, until someone decides."""
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            bridge.tenant, "hr.employee.pull", enabled=True, settings={}, now=clock.now()
        )
    await served.http.put("/api/v1/employees/e1", json=employee(1, city="Lund"))
    await served.settle()
    await engine_client.employees.update("1", {"city": "Ystad"})
    mark = len(await control.requests(bridge.company, limit=10_000))

    changed = await served.http.put("/api/v1/employees/e1", json=employee(1, city="Malmö"))
    await served.settle()
    (conflict_id,) = _conflict_ids(sessions, bridge.tenant)
    held = await served.operation(changed.json()["operation_id"])
    assert (held["status"], held["conflict_id"], held["fortnox_id"]) == (
        "conflict",
        conflict_id,
        "1",
    )
    assert held["message"] == (
        f"conflict {conflict_id} is open on city: nothing is sent to Fortnox for this field "
        "until it is decided"
    )
    for _ in range(3):  # sweeps read the list, which has no city: the conflict stays open
        await bridge.service.sweep(bridge.tenant)
        assert _conflict_ids(sessions, bridge.tenant) == [conflict_id]
        assert (await served.operation(held["id"]))["status"] == "conflict"
    log = (await control.requests(bridge.company, limit=10_000))[mark:]
    assert [e for e in log if e["method"] != "GET"] == []
    assert (await engine_client.employees.get("1")).city == "Ystad"
    listed = await served.http.get("/api/v1/operations", params={"status": "conflict"})
    assert [op["id"] for op in listed.json()["data"]] == [held["id"]]

    served.gate.clear()  # the push the decision starts waits until settle()
    decided = await served.http.post(
        f"/api/v1/conflicts/{conflict_id}/resolve", json={"winner": winner}
    )
    assert decided.status_code == 200, decided.text
    waiting = await served.operation(held["id"])
    ended = {
        "bridge": f"conflict {conflict_id} decided for the host's values",
        "fortnox": f"conflict {conflict_id} decided for Fortnox's values (kept in Fortnox)",
    }[winner]
    assert (waiting["status"], waiting["message"]) == (
        "pending",
        f"{ended}; waiting for the next run",
    )
    await served.settle()
    await bridge.service.sweep(bridge.tenant)
    done = await served.operation(held["id"])
    city = "Malmö" if winner == "bridge" else "Ystad"
    sent = (
        "updated in Fortnox: city"
        if winner == "bridge"
        else ("Fortnox already had these values; nothing was sent")
    )
    assert (done["status"], done["message"], done["conflict_id"]) == (
        "succeeded",
        f"{sent}; {ended}",
        conflict_id,
    )
    assert (await engine_client.employees.get("1")).city == city


async def test_the_other_changed_fields_go_while_a_conflict_holds_one_back(
    served: Served,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    engine_client: FortnoxClient,
    control: SandboxControl,
) -> None:
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            bridge.tenant, "hr.employee.pull", enabled=True, settings={}, now=clock.now()
        )
    await served.http.put("/api/v1/employees/e1", json=employee(1, city="Lund"))
    await served.settle()
    await engine_client.employees.update("1", {"city": "Ystad"})
    mark = len(await control.requests(bridge.company, limit=10_000))
    changed = await served.http.put(
        "/api/v1/employees/e1", json=employee(1, city="Malmö", phone="070-999 99 99")
    )
    await served.settle()
    (conflict_id,) = _conflict_ids(sessions, bridge.tenant)
    expected = (
        "conflict",
        f"updated in Fortnox: phone1; conflict {conflict_id} is open on city: nothing is sent "
        "to Fortnox for this field until it is decided",
    )
    operation_id = changed.json()["operation_id"]
    held = await served.operation(operation_id)
    assert (held["status"], held["message"]) == expected
    for _ in range(2):
        await bridge.service.sweep(bridge.tenant)
        held = await served.operation(operation_id)
        assert (held["status"], held["message"]) == expected
    log = (await control.requests(bridge.company, limit=10_000))[mark:]
    writes = [(e["method"], e["path"], e["fields"]) for e in log if e["method"] != "GET"]
    assert writes == [("PUT", "/3/employees/1", ["Phone1"])]
    stored = await engine_client.employees.get("1")
    assert (stored.city, stored.phone1) == ("Ystad", "070-999 99 99")


async def test_the_operation_document_lists_the_conflict_status(served: Served) -> None:
    document = (await served.http.get("/api/openapi.json")).json()
    operation = document["components"]["schemas"]["OperationOut"]["properties"]
    assert "conflict" in operation["status"]["enum"]
    assert "conflict_id" in operation


async def test_an_absence_held_back_for_its_employee_is_held_then_succeeds(
    served: Served, sessions: sessionmaker[Session], bridge: Bridge, clock: ManualClock
) -> None:
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        configs.put(bridge.tenant, "hr.absence.push", enabled=True, settings={}, now=clock.now())
        schedule = {"default_schedule": "HEL"}  # so the absence has hours to write
        configs.put(
            bridge.tenant, "hr.employee.push", enabled=True, settings=schedule, now=clock.now()
        )
    await served.http.put("/api/v1/absence-types/sem", json={"code": "SEM", "name": "Semester"})
    absence = await served.http.put(
        "/api/v1/absences/a1",
        json={
            "employee": "e5",
            "absence_type": "sem",
            "start": "2026-02-02",
            "end": "2026-02-03",
            "status": "approved",
        },
    )
    await served.settle()
    held = await served.operation(absence.json()["operation_id"])
    assert (held["status"], held["flow"]) == ("held", "hr.absence.push")
    assert held["message"] == "waiting for employee e5 to reach Fortnox first"
    assert [d["external_id"] for t, d in events(sessions) if t == "operation.held"] == ["a1"]
    await served.http.put("/api/v1/employees/e5", json=employee(5))
    await served.settle()
    await bridge.service.sweep(bridge.tenant)
    done = await served.operation(absence.json()["operation_id"])
    assert done["status"] == "succeeded", done["message"]
