"""Engine + store + sandbox: the hr employee push flow, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.errors import UnknownTenantError
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link
from fortnox_bridge.store.tenants import TenantRepository

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _employee(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "email": f"person{number}@example.se",
        "given_name": f"Förnamn{number}",
        "family_name": "Svensson",
        "phone": f"070-000 00 {number:02d}",
        **extra,
    }


def _seed(sessions: sessionmaker[Session], count: int) -> int:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Test AB", now=NOW)
        mirror = MirrorRepository(session)
        for number in range(1, count + 1):
            mirror.upsert(tenant.id, "employee", f"e{number:03d}", _employee(number), now=NOW)
        return tenant.id


def _put(
    sessions: sessionmaker[Session], tenant_id: int, external_id: str, payload: dict[str, Any]
) -> None:
    with sessions.begin() as session:
        MirrorRepository(session).upsert(tenant_id, "employee", external_id, payload, now=NOW)


async def test_first_run_creates_and_idle_rerun_makes_no_requests(
    sessions: sessionmaker[Session],
    client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
) -> None:
    tenant_id = _seed(sessions, 12)
    runner = Runner(sessions, clock=clock, flows=[EmployeePush])
    progress: list[tuple[str, int, int]] = []
    first = await runner.run_cycle(tenant_id, client, progress=lambda *a: progress.append(a))
    (result,) = first.flows
    assert (result.created, result.updated, result.unchanged, result.failed) == (12, 0, 0, 0)
    # One list read (are these employees in Fortnox already?), then a create each.
    assert (result.requests, result.write_requests) == (13, 12)
    assert progress[-1] == ("hr.employee.push", 12, 12)
    fortnox = [e async for e in client.employees.iterate()]
    assert sorted(e.email or "" for e in fortnox) == sorted(
        f"person{n}@example.se" for n in range(1, 13)
    )

    before = await control.stats(company)
    second = await runner.run_cycle(tenant_id, client)
    (idle,) = second.flows
    assert (idle.created, idle.updated, idle.unchanged, idle.requests) == (0, 0, 12, 0)
    assert (await control.stats(company))["requests_total"] == before["requests_total"]


async def test_a_change_sends_only_the_changed_fields(
    sessions: sessionmaker[Session],
    client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    sandbox_state: Any,
) -> None:
    tenant_id = _seed(sessions, 3)
    runner = Runner(sessions, clock=clock, flows=[EmployeePush])
    await runner.run_cycle(tenant_id, client)
    plain = _employee(2)
    del plain["phone"]
    _put(sessions, tenant_id, "e002", {**plain, "city": "Kiruna"})

    (plan_item,) = [i for i in runner.plan(EmployeePush(), tenant_id) if i.action != "unchanged"]
    assert plan_item.action == "update"
    assert plan_item.changes == {"city": "Kiruna", "phone1": None}

    writes_before = (await control.stats(company))["write_requests"]
    summary = await runner.run_cycle(tenant_id, client)
    (result,) = summary.flows
    assert (result.updated, result.unchanged, result.requests) == (1, 2, 1)
    assert (await control.stats(company))["write_requests"] == writes_before + 1
    stored = sandbox_state.companies[company].employees["2"]
    assert stored["City"] == "Kiruna"
    assert "Phone1" not in stored  # blanked with API_BLANK
    assert stored["FirstName"] == "Förnamn2"


async def test_one_failing_record_does_not_stop_the_others(
    sessions: sessionmaker[Session], client: FortnoxClient, clock: ManualClock
) -> None:
    tenant_id = _seed(sessions, 3)
    runner = Runner(sessions, clock=clock, flows=[EmployeePush])
    await runner.run_cycle(tenant_id, client)
    # e001's Fortnox employee is pointed elsewhere (as if removed in Fortnox), then all change.
    with sessions.begin() as session:
        session.execute(update(Link).where(Link.external_id == "e001").values(fortnox_id="999"))
    for number in (1, 2, 3):
        _put(sessions, tenant_id, f"e{number:03d}", _employee(number, city="Luleå"))
    summary = await runner.run_cycle(tenant_id, client)
    (result,) = summary.flows
    assert (result.updated, result.failed) == (2, 1)
    (failure,) = result.failures
    assert (failure.external_id, failure.status, failure.code) == ("e001", 404, 2000436)
    # The failed record stays pending: the next run tries it again (and fails the same way).
    retry = await runner.run_cycle(tenant_id, client)
    assert (retry.flows[0].failed, retry.flows[0].unchanged, retry.flows[0].requests) == (1, 2, 1)


async def test_summary_is_json_ready(
    sessions: sessionmaker[Session], client: FortnoxClient, clock: ManualClock
) -> None:
    tenant_id = _seed(sessions, 1)
    summary = await Runner(sessions, clock=clock).run_cycle(tenant_id, client)
    data = summary.to_dict()
    assert data["tenant_id"] == tenant_id
    assert data["requests"] == 2  # the read of Fortnox's employees, the create
    assert data["flows"][0]["flow"] == "hr.employee.push"
    assert data["started_at"] == clock.now().isoformat()
    assert summary.total("created") == 1


async def test_unknown_tenant_is_an_engine_error(
    sessions: sessionmaker[Session], client: FortnoxClient, clock: ManualClock
) -> None:
    with pytest.raises(UnknownTenantError, match="no tenant with id 42"):
        await Runner(sessions, clock=clock).run_cycle(42, client)
