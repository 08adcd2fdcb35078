"""Projects and cost centres of reported time are checked against Fortnox before a salary day is
written: held back by default, created or left off as the flow's settings say; the operations of
the time entries settle from it, and pre-flight lists the codes Fortnox lacks (SQLite and
PostgreSQL, against the in-process sandbox)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.flows.payroll.registers import REGISTERS_TTL
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import FortnoxApiError
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import Bridge, employee

ATTENDANCE = "payroll.attendance.push"
DAY = "2026-02-02"


@pytest.fixture
async def api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API of a connected tenant whose employee e1 is in Fortnox (sweeps are run by
    the tests)."""
    await bridge.connect()
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        assert (await http.put("/api/v1/employees/e1", json=employee(1))).status_code < 300
        await bridge.service.sweep(bridge.tenant)
        yield http


def configure(
    sessions: sessionmaker[Session], bridge: Bridge, clock: ManualClock, flow: str, **settings: Any
) -> None:
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            bridge.tenant, flow, enabled=True, settings=settings, now=clock.now()
        )


async def report(http: httpx.AsyncClient, **entry: Any) -> int:
    """Store project p1 (number P1) and time entry t1 on it; the time entry's operation id."""
    project = {"number": "P1", "name": "Bygget", "paxml_code": "TID"}
    assert (await http.put("/api/v1/projects/p1", json=project)).status_code < 300
    body = {"employee": "e1", "date": DAY, "hours": 8, "project": "p1", **entry}
    answer = await http.put("/api/v1/time-entries/t1", json=body)
    assert answer.status_code < 300, answer.text
    return int(answer.json()["operation_id"])


async def operation(http: httpx.AsyncClient, operation_id: int) -> dict[str, Any]:
    answer = await http.get(f"/api/v1/operations/{operation_id}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def transactions(client: FortnoxClient) -> list[tuple[str, str, str | None, str | None]]:
    rows = [row async for row in client.attendance_transactions.iterate()]
    return sorted(
        (str(r.date), str(r.hours), r.project or None, r.cost_center or None) for r in rows
    )


async def test_a_day_on_a_project_fortnox_lacks_is_held_until_the_project_is_there(
    api: httpx.AsyncClient, bridge: Bridge, sessions: sessionmaker[Session], engine_client: Any
) -> None:
    operation_id = await report(api, cost_center="CC1")
    await bridge.service.sweep(bridge.tenant)
    held = await operation(api, operation_id)
    assert (held["status"], held["flow"]) == ("held", ATTENDANCE), held["message"]
    assert held["message"] == (
        f"its salary day e1/{DAY}: held back: project P1 is not in Fortnox: create it in "
        f"Fortnox's project register (Projekt), or set {ATTENDANCE}'s missing_project to "
        "'create' (the bridge creates it) or 'omit' (the lines are written without the "
        "project); cost centre CC1 is not in Fortnox: create it in Fortnox's cost-centre "
        f"register (Kostnadsställen), or set {ATTENDANCE}'s missing_cost_center to 'create' "
        "(the bridge creates it) or 'omit' (the lines are written without the cost centre)"
    )
    assert await transactions(engine_client) == []
    with sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(bridge.tenant)
        assert (problem.flow, problem.external_id) == (ATTENDANCE, f"e1/{DAY}")
        assert problem.message.startswith("held back: project P1 is not in Fortnox")
    checklist = await bridge.service.check(bridge.tenant)
    (line,) = [c for c in checklist.checks if c.name == "Fortnox registers of payroll lines"]
    assert (line.status, line.detail) == (
        "fail",
        f"{ATTENDANCE}: project P1 and cost centre CC1 are used but not in Fortnox "
        "(missing_project: hold, missing_cost_center: hold)",
    )

    await engine_client.projects.create({"project_number": "P1", "description": "Bygget"})
    await engine_client.cost_centers.create({"code": "CC1", "description": "Bygg"})
    await bridge.service.sweep(bridge.tenant)
    assert await transactions(engine_client) == [(DAY, "8", "P1", "CC1")]
    done = await operation(api, operation_id)
    assert (done["status"], done["message"]) == (
        "succeeded",
        f"written to Fortnox with the salary day e1/{DAY} ({ATTENDANCE})",
    )
    with sessions.begin() as session:
        assert ProblemRepository(session).open(bridge.tenant) == []
    checklist = await bridge.service.check(bridge.tenant)
    (line,) = [c for c in checklist.checks if c.name == "Fortnox registers of payroll lines"]
    assert (line.status, line.detail) == (
        "ok",
        "Every project and cost centre in use is in Fortnox.",
    )


async def test_a_sweep_with_only_held_days_costs_no_request(
    api: httpx.AsyncClient,
    bridge: Bridge,
    clock: ManualClock,
    control: SandboxControl,
    engine_client: Any,
) -> None:
    """The projects and cost centres read for a held day are kept on the connection: the sweeps
    after it make no request while the day waits; once the copy is older than REGISTERS_TTL a
    sweep reads each register once more (2 requests) and writes the day if the codes came."""

    async def requests_of_a_sweep() -> int:
        before = (await control.stats(bridge.company))["requests_total"]
        await bridge.service.sweep(bridge.tenant)
        return int((await control.stats(bridge.company))["requests_total"] - before)

    operation_id = await report(api, cost_center="CC1")
    await bridge.service.check(bridge.tenant)  # as on connect: the cached facts are fresh
    assert await requests_of_a_sweep() == 2  # one listing of each register, the day held
    assert (await operation(api, operation_id))["status"] == "held"
    assert [await requests_of_a_sweep() for _ in range(3)] == [0, 0, 0]
    assert (await operation(api, operation_id))["status"] == "held"

    await engine_client.projects.create({"project_number": "P1", "description": "Bygget"})
    await engine_client.cost_centers.create({"code": "CC1", "description": "Bygg"})
    clock.advance(REGISTERS_TTL.total_seconds() + 1)
    assert await requests_of_a_sweep() == 2 + 1  # both registers read, the day written
    assert await transactions(engine_client) == [(DAY, "8", "P1", "CC1")]
    assert (await operation(api, operation_id))["status"] == "succeeded"
    assert await requests_of_a_sweep() == 0


async def test_create_makes_the_project_in_fortnox_and_writes_the_day(
    api: httpx.AsyncClient,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    engine_client: Any,
) -> None:
    configure(sessions, bridge, clock, ATTENDANCE, missing_project="create")
    operation_id = await report(api)
    checklist = await bridge.service.check(bridge.tenant)
    (line,) = [c for c in checklist.checks if c.name == "Fortnox registers of payroll lines"]
    assert (line.status, line.detail) == (
        "warn",
        f"{ATTENDANCE}: project P1 is used but not in Fortnox (missing_project: create)",
    )
    preview = await bridge.service.sweep(bridge.tenant, dry_run=True)
    (planned,) = [i for r in preview.flows if r.flow == ATTENDANCE for i in r.items]
    assert (planned.outcome, planned.problem) == ("planned", False)
    assert "project P1 missing in Fortnox: the bridge creates it" in planned.reason
    with pytest.raises(FortnoxApiError):
        await engine_client.projects.get("P1")  # a dry run creates nothing
    await bridge.service.sweep(bridge.tenant)
    created = await engine_client.projects.get("P1")
    assert (created.project_number, created.description) == ("P1", "P1")
    assert await transactions(engine_client) == [(DAY, "8", "P1", None)]
    done = await operation(api, operation_id)
    assert done["status"] == "succeeded", done["message"]


async def test_omit_writes_the_time_without_the_project_and_says_so(
    api: httpx.AsyncClient,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    engine_client: Any,
) -> None:
    configure(sessions, bridge, clock, ATTENDANCE, missing_project="omit")
    operation_id = await report(api)
    # Time on another project of the same day that Fortnox has is summed in once P1 is off.
    await engine_client.projects.create({"project_number": "P2", "description": "Annat"})
    await api.put("/api/v1/projects/p2", json={"number": "P2", "name": "Annat"})
    await api.put(
        "/api/v1/time-entries/t2",
        json={"employee": "e1", "date": DAY, "hours": 1.5, "project": "p2"},
    )
    await api.put("/api/v1/time-entries/t3", json={"employee": "e1", "date": DAY, "hours": 0.5})
    summary = await bridge.service.sweep(bridge.tenant)
    assert await transactions(engine_client) == [(DAY, "1.5", "P2", None), (DAY, "8.5", None, None)]
    omitted = "project P1 missing in Fortnox: written without the project (missing_project = omit)"
    (item,) = [
        i for r in summary.flows if r.flow == ATTENDANCE for i in r.items if omitted in i.reason
    ]
    assert (item.external_id, item.outcome, item.problem) == (f"e1/{DAY}", "ok", False)
    done = await operation(api, operation_id)
    assert done["status"] == "succeeded", done["message"]
    with pytest.raises(FortnoxApiError):
        await engine_client.projects.get("P1")  # nothing was created


async def test_the_sandbox_refuses_transactions_on_an_unknown_project_or_cost_centre(
    api: httpx.AsyncClient, engine_client: Any
) -> None:
    (row,) = [r async for r in engine_client.employees.iterate()]
    base = {"employee_id": row.employee_id, "date": DAY, "cause_code": "TID", "hours": "1"}
    for extra, text in (
        ({"project": "NOPE"}, "Projekt NOPE finns inte."),
        ({"cost_center": "NOPE"}, "Kostnadsställe NOPE finns inte."),
    ):
        with pytest.raises(FortnoxApiError) as refused:
            await engine_client.attendance_transactions.create({**base, **extra})
        assert (refused.value.status, refused.value.code, refused.value.message) == (
            400,
            2990010,
            text,
        )
        with pytest.raises(FortnoxApiError) as refused:
            await engine_client.absence_transactions.create(
                {**base, "cause_code": "SJK", "hours": 1, **extra}
            )
        assert refused.value.code == 2990010
        salary = {"employee_id": row.employee_id, "date": DAY, "salary_code": "11", **extra}
        with pytest.raises(FortnoxApiError) as refused:
            await engine_client.salary_transactions.create(salary)
        assert (refused.value.code, refused.value.message) == (2990010, text)
    await engine_client.projects.create({"project_number": "P7", "description": "Sju"})
    await engine_client.cost_centers.create({"code": "CC7", "description": "Sju"})
    known = {"project": "P7", "cost_center": "CC7"}
    written = await engine_client.attendance_transactions.create({**base, **known})
    assert (written.project, written.cost_center) == ("P7", "CC7")


async def test_an_absence_type_settles_with_the_absences_that_use_it(
    api: httpx.AsyncClient, bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    """An absence type that only absences use (no reported time) is held while an absence on
    it is held back, and succeeds once they are in Fortnox."""
    configure(sessions, bridge, clock, "hr.absence.push")
    configure(sessions, bridge, clock, "hr.employee.push", default_schedule="HEL")
    kind = await api.put("/api/v1/absence-types/sem", json={"code": "SEM", "name": "Semester"})
    absence = {"absence_type": "sem", "start": DAY, "end": "2026-02-03", "status": "approved"}
    await api.put("/api/v1/absences/a5", json={"employee": "e5", **absence})
    await bridge.service.sweep(bridge.tenant)
    held = await operation(api, kind.json()["operation_id"])
    assert (held["status"], held["flow"], held["message"]) == (
        "held",
        "hr.absence.push",
        "absence a5: waiting for employee e5 to reach Fortnox first",
    )
    await api.put("/api/v1/employees/e5", json=employee(5))
    await bridge.service.sweep(bridge.tenant)  # the employee, then its absence
    done = await operation(api, kind.json()["operation_id"])
    assert (done["status"], done["message"]) == ("succeeded", "in Fortnox with its 1 absence")
