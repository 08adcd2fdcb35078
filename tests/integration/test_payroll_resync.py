"""Re-sync of the payroll family ("send Fortnox salary data") against the sandbox, on SQLite and
PostgreSQL: the interval is widened to whole salary periods, only the bridge's transactions in it
are deleted (a foreign one survives and is reported), and Fortnox ends equal to the host's time
entries — including entries edited while the bridge was disconnected and transactions changed or
removed in Fortnox meanwhile. A re-sync stopped in the middle, with a lost answer and a write in
flight, converges when run again, without duplicates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.errors import ResyncError
from fortnox_bridge.engine.sync.scope import WRITE_LEASE
from fortnox_bridge.engine.tenancy.clients import ConnectionClients
from fortnox_bridge.engine.tenancy.workers import new_worker_id
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.runs import RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import Bridge, Put
from .salary_data import Rows, registers_in_fortnox, salary_transactions

FLOWS = ("hr.employee.push", "payroll.attendance.push", "payroll.absence.push")
PAYROLL = ["payroll.attendance.push", "payroll.absence.push"]
PROJECTS = {"p1": "P100", "p2": "P200"}
ABSENCE = {"semester": "SEM", "sick": "SJK", "vab": "VAB"}
#: (employee's Fortnox id, date, cause, project, cost centre) → hours


def _days(year: int, month: int, first: int, last: int) -> list[str]:
    return [
        date(year, month, d).isoformat()
        for d in range(first, last + 1)
        if date(year, month, d).weekday() < 5
    ]


def entries() -> dict[str, dict[str, Any]]:
    """Three employees, late February to early May 2026: work on two projects with cost
    centres, overtime on Mondays, vacation, sick leave and VAB."""
    found: dict[str, dict[str, Any]] = {}
    days = (
        _days(2026, 2, 23, 27)
        + _days(2026, 3, 1, 31)
        + _days(2026, 4, 1, 30)
        + _days(2026, 5, 4, 6)
    )
    for number in (1, 2, 3):
        person = f"e{number:03d}"
        for index, day in enumerate(days):
            base = {"employee": person, "date": day}
            key = f"{person}-{day}"
            if number == 2 and "2026-03-16" <= day <= "2026-03-18":
                found[key] = {**base, "hours": "8", "absence_type": "semester"}
                continue
            if number == 3 and day == "2026-04-07":
                found[key] = {**base, "hours": "8", "absence_type": "sick"}
                continue
            work = {**base, "project": f"p{(number + index) % 2 + 1}", "cost_center": "CC1"}
            if number == 1 and day == "2026-04-14":
                found[key + "-vab"] = {**base, "hours": "3", "absence_type": "vab"}
                found[key] = {**work, "hours": "5"}
                continue
            found[key] = {**work, "hours": "8"}
            if date.fromisoformat(day).weekday() == 0:
                found[key + "-ot"] = {**work, "hours": "1.5", "paxml_code": "ÖT1"}
    return found


def expected(host: dict[str, dict[str, Any]], ids: dict[str, str]) -> tuple[Rows, Rows]:
    """The attendance and absence transactions the host entries stand for, by hand."""
    attendance: Rows = defaultdict(Decimal)
    absence: Rows = defaultdict(Decimal)
    for entry in host.values():
        who, day, hours = ids[entry["employee"]], entry["date"], Decimal(entry["hours"])
        if "absence_type" in entry:
            absence[(who, day, ABSENCE[entry["absence_type"]], None, None)] += hours
            continue
        cause = {"ÖT1": "OT1", "ÖT2": "OT2"}.get(entry.get("paxml_code") or "", "TID")
        attendance[(who, day, cause, PROJECTS[entry["project"]], entry["cost_center"])] += hours
    return dict(attendance), dict(absence)


async def in_fortnox(client: FortnoxClient) -> tuple[Rows, Rows, dict[str, str]]:
    """Fortnox's attendance and absence transactions and the ids of the rows."""
    return await salary_transactions(client)


def within(rows: Rows, first: str, last: str) -> Rows:
    return {key: hours for key, hours in rows.items() if first <= key[1] <= last}


def outside(rows: Rows, first: str, last: str) -> Rows:
    return {key: hours for key, hours in rows.items() if not first <= key[1] <= last}


class Payroll:
    """A tenant whose time entries were exported once, plus a foreign transaction."""

    def __init__(self, bridge: Bridge, sessions: sessionmaker[Session], put: Put) -> None:
        self.bridge, self.sessions, self.put = bridge, sessions, put
        self.host = entries()
        self.foreign: tuple[str, str, str, str | None, str | None] = ("", "", "", None, None)

    def ids(self) -> dict[str, str]:
        with self.sessions.begin() as session:
            links = LinkRepository(session).by_external_id(self.bridge.tenant, "employee")
            return {key: link.fortnox_id for key, link in links.items()}

    def edit(self, external_id: str, payload: dict[str, Any] | None) -> None:
        if payload is None:
            del self.host[external_id]
        else:
            self.host[external_id] = payload
        self.put("time_entry", external_id, payload)


@pytest.fixture
async def payroll(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
    engine_client: FortnoxClient,
) -> Payroll:
    await bridge.connect()
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        for name in FLOWS:
            configs.put(bridge.tenant, name, enabled=True, settings={}, now=clock.now())
    for number in (1, 2, 3):
        put("employee", f"e{number:03d}", _employee(number))
    for host_id, number in PROJECTS.items():
        put("project", host_id, {"number": number, "name": f"Projekt {number}"})
    put("absence_type", "semester", {"code": "semester", "name": "Semester"})
    put("absence_type", "sick", {"code": "sick", "name": "Sjuk", "paxml_code": "SJK"})
    put("absence_type", "vab", {"code": "vab", "name": "Vård av barn", "paxml_code": "VAB"})
    await registers_in_fortnox(engine_client, PROJECTS.values(), ["CC1"])
    state = Payroll(bridge, sessions, put)
    for external_id, entry in state.host.items():
        put("time_entry", external_id, entry)
    first = await bridge.service.sweep(bridge.tenant)
    assert (first.error, first.total("failed")) == (None, 0)
    attendance, absence, _ = await in_fortnox(engine_client)
    assert (attendance, absence) == expected(state.host, state.ids())
    one = state.ids()["e001"]
    await engine_client.attendance_transactions.create(  # keyed in by hand in Fortnox
        {"employee_id": one, "date": "2026-03-12", "cause_code": "OT2", "hours": "3"}
    )
    state.foreign = (one, "2026-03-12", "OT2", None, None)
    return state


def _employee(number: int) -> dict[str, Any]:
    return {
        "email": f"person{number}@example.se",
        "given_name": f"Förnamn{number}",
        "family_name": "Svensson",
    }


async def _while_disconnected(payroll: Payroll, engine_client: FortnoxClient) -> None:
    """Host edits the bridge did not send, and Fortnox edits the bridge did not make."""
    host = payroll.host
    payroll.edit("e001-2026-03-10", {**host["e001-2026-03-10"], "hours": "6"})
    payroll.edit("e002-2026-03-11", {**host["e002-2026-03-11"], "paxml_code": "ÖT2"})
    payroll.edit("e003-2026-04-02", None)
    payroll.edit(
        "e003-2026-04-03-extra",
        {"employee": "e003", "date": "2026-04-03", "hours": "2", "absence_type": "vab"},
    )
    payroll.edit("e002-2026-02-26", {**host["e002-2026-02-26"], "hours": "7"})  # outside
    _, _, fortnox_ids = await in_fortnox(engine_client)
    ids = payroll.ids()
    gone = f"{ids['e002']}|2026-04-21|TID|{PROJECTS[host['e002-2026-04-21']['project']]}|CC1"
    await engine_client.attendance_transactions.delete(fortnox_ids[gone])
    edited = f"{ids['e003']}|2026-03-24|TID|{PROJECTS[host['e003-2026-03-24']['project']]}|CC1"
    await engine_client.attendance_transactions.update(fortnox_ids[edited], {"hours": "1"})


async def test_a_payroll_resync_widens_to_salary_periods_and_ends_equal_to_the_host(
    payroll: Payroll, engine_client: FortnoxClient, sessions: sessionmaker[Session]
) -> None:
    bridge = payroll.bridge
    before_attendance, before_absence, before_ids = await in_fortnox(engine_client)
    await _while_disconnected(payroll, engine_client)

    plan = await bridge.service.resync_plan(
        bridge.tenant, "payroll", date(2026, 3, 10), date(2026, 4, 20)
    )
    assert plan.widened == (date(2026, 3, 1), date(2026, 4, 30))
    assert plan.flows == PAYROLL
    with sessions.begin() as session:
        links = LinkRepository(session)
        ours = [
            link.external_id
            for entity in ("attendance_line", "absence_line")
            for link in links.by_external_id(bridge.tenant, entity).values()
            if link.record_date is not None
            and date(2026, 3, 1) <= link.record_date <= date(2026, 4, 30)
        ]
    assert sorted(plan.to_delete) == sorted(ours)
    in_interval = within({**before_attendance, **before_absence}, "2026-03-01", "2026-04-30")
    assert len(plan.to_delete) == len(in_interval) - 1  # all but the foreign one
    (other,) = plan.not_ours
    assert (other["date"], other["cause_code"], other["hours"]) == ("2026-03-12", "OT2", "3")

    steps: list[tuple[str, int, int]] = []
    run = await bridge.service.resync(
        bridge.tenant,
        "payroll",
        date(2026, 3, 10),
        date(2026, 4, 20),
        progress=lambda *step: steps.append(step),
    )
    assert (run.status, run.counts["failed"]) == ("succeeded", 0)
    assert run.counts["deleted"] == len(plan.to_delete)
    assert (steps[0][0], steps[-1][0]) == ("delete", "write")
    assert steps[-1][1] == steps[-1][2] == run.progress_total

    ids = payroll.ids()
    want_attendance, want_absence = expected(payroll.host, ids)
    attendance, absence, after_ids = await in_fortnox(engine_client)
    first, last = "2026-03-01", "2026-04-30"
    # In the interval: exactly the host's data, record by record, plus the foreign row.
    assert within(attendance, first, last) == {
        **within(want_attendance, first, last),
        payroll.foreign: Decimal("3"),
    }
    assert within(absence, first, last) == within(want_absence, first, last)
    foreign_key = "|".join(str(k) for k in payroll.foreign)
    assert after_ids[foreign_key] == before_ids[foreign_key]  # left alone
    # Outside it: untouched, even the day edited in the host (the next sweep sends it).
    assert outside(attendance, first, last) == outside(before_attendance, first, last)
    assert outside(absence, first, last) == outside(before_absence, first, last)
    for key, fortnox_id in before_ids.items():
        if not first <= key.split("|")[1] <= last:
            assert after_ids[key] == fortnox_id

    with sessions.begin() as session:
        assert RunRepository(session).unfinished_resync(bridge.tenant, "payroll") is None
    sweep = await bridge.service.sweep(bridge.tenant)
    assert (sweep.total("created"), sweep.total("updated"), sweep.total("deleted")) == (0, 1, 0)
    attendance, absence, _ = await in_fortnox(engine_client)
    assert attendance == {**want_attendance, payroll.foreign: Decimal("3")}
    assert absence == want_absence
    idle = await bridge.service.sweep(bridge.tenant)
    assert idle.requests == 0


class Crash(BaseException):
    """The process dies here."""


class CrashingTransport(httpx.AsyncBaseTransport):
    """Lets ``ok`` creates of transactions through, then applies one more and dies."""

    def __init__(self, inner: SandboxTransport, ok: int) -> None:
        self.inner, self.ok = inner, ok

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and "transactions" in request.url.path:
            if self.ok == 0:
                raise Crash
            self.ok -= 1
        return response


async def test_a_resync_stopped_in_the_middle_converges_without_duplicates(
    payroll: Payroll,
    engine_client: FortnoxClient,
    control: SandboxControl,
    clock: ManualClock,
    faulty_transport: SandboxTransport,
) -> None:
    bridge = payroll.bridge
    await _while_disconnected(payroll, engine_client)
    await control.add_fault(
        "drop_response", method="POST", path_prefix="/3/attendancetransactions", count=1
    )
    clients = bridge.service.clients
    assert isinstance(clients, ConnectionClients)
    endpoints = clients.endpoints
    clients.endpoints = replace(endpoints, transport=CrashingTransport(faulty_transport, ok=12))
    first, last = date(2026, 3, 10), date(2026, 4, 20)
    with pytest.raises(Crash):
        await bridge.service.resync(bridge.tenant, "payroll", first, last)
    clients.endpoints = endpoints  # a new process: another worker id, the same store
    bridge.service.runner.owner = new_worker_id()
    stopped = bridge.service.resyncs.unfinished(bridge.tenant, "payroll")
    assert stopped is not None
    assert (stopped.status, stopped.params["phase"]) == ("interrupted", "write")
    written_before = stopped.params.get("written", 0)
    assert written_before > 0

    clock.advance(WRITE_LEASE.total_seconds() + 1)  # the dead worker's write lease ran out
    done = await bridge.service.resync(bridge.tenant, "payroll", first, last)
    assert (done.id, done.status) == (stopped.id, "succeeded")
    assert (done.counts["failed"], done.counts["skipped"]) == (0, 0)
    assert done.progress_done == done.progress_total

    want_attendance, want_absence = expected(payroll.host, payroll.ids())
    attendance, absence, _ = await in_fortnox(engine_client)  # fails on any duplicate
    span = ("2026-03-01", "2026-04-30")
    assert within(attendance, *span) == {
        **within(want_attendance, *span),
        payroll.foreign: Decimal("3"),
    }
    assert within(absence, *span) == within(want_absence, *span)
    again = await bridge.service.resync(bridge.tenant, "payroll", first, last)
    assert (again.id != done.id, again.status) == (True, "succeeded")
    attendance, absence, _ = await in_fortnox(engine_client)
    assert within(attendance, *span) == {
        **within(want_attendance, *span),
        payroll.foreign: Decimal("3"),
    }
    assert within(absence, *span) == within(want_absence, *span)


async def test_a_resync_is_widened_to_salary_periods_of_the_period_start_day(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    # Widening is date arithmetic on the flows' settings: it needs no exported payroll.
    await bridge.connect()
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        for name in PAYROLL:
            configs.put(
                bridge.tenant,
                name,
                enabled=True,
                settings={"period_start_day": 25},
                now=clock.now(),
            )
    plan = await bridge.service.resync_plan(
        bridge.tenant, "payroll", date(2026, 3, 10), date(2026, 4, 20)
    )
    assert plan.widened == (date(2026, 2, 25), date(2026, 4, 24))
    single = await bridge.service.resync_plan(
        bridge.tenant, "payroll.absence.push", date(2026, 3, 25), date(2026, 3, 25)
    )
    assert (single.flows, single.widened) == (
        ["payroll.absence.push"],
        (date(2026, 3, 25), date(2026, 4, 24)),
    )
    with pytest.raises(ResyncError, match="not a dated push flow"):
        await bridge.service.resync_plan(
            bridge.tenant, "hr.employee.push", date(2026, 3, 1), date(2026, 3, 2)
        )
    with pytest.raises(ResyncError, match=r"ends .* before it starts"):
        await bridge.service.resync_plan(
            bridge.tenant, "payroll", date(2026, 3, 2), date(2026, 3, 1)
        )


async def test_the_api_plans_and_runs_a_payroll_resync_as_a_job(
    payroll: Payroll, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    bridge = payroll.bridge
    with sessions.begin() as session:
        key = TenantRepository(session).create_api_key(bridge.tenant, label="w", now=clock.now())
    app = api_app(sessions, clock=clock, hooks=EngineHooks(service=bridge.service))
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key.key}"},
    ) as api:
        request = {"flow": "payroll", "from": "2026-04-06", "to": "2026-04-08"}
        planned = await api.post("/api/v1/resync", json={**request, "dry_run": True})
        assert planned.status_code == 200
        plan = planned.json()
        assert (plan["flow"], plan["flows"], plan["status"]) == ("payroll", PAYROLL, "planned")
        assert plan["interval"] == {"from": "2026-04-01", "to": "2026-04-30"}
        assert plan["plan"]["not_ours"] == []  # the foreign row is in March
        total = plan["progress"]["total"]
        started = await api.post("/api/v1/resync", json=request)
        assert started.status_code == 202
        job = started.json()
        assert (job["status"], job["progress"]) == ("running", {"done": 0, "total": total})
        await app.state.jobs.join()
        run = (await api.get(f"/api/v1/runs/{job['run_id']}")).json()
        assert (run["status"], run["progress"]) == ("succeeded", {"done": total, "total": total})
        assert run["params"]["flows"] == PAYROLL
        wrong = await api.post("/api/v1/resync", json={**request, "flow": "hr"})
        assert wrong.status_code == 422
        assert "payroll" in wrong.json()["errors"][0]["message"]  # the choices are listed
