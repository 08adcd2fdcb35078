"""Two-way employees: Fortnox-side edits picked up every sweep, three-way conflicts under each
policy, first-sync matching by e-mail — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.flow.sources import remote_record
from fortnox_bridge.engine.sync.conflicts import resolve_conflict
from fortnox_bridge.engine.sync.pulling import PullReconciler
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Put, employee

FLOWS = [EmployeePull, EmployeePush]


def _two_way(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    *,
    policy: str = "ask",
    settings: dict[str, Any] | None = None,
) -> Runner:
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            tenant, "hr.employee.pull", enabled=True, settings=settings or {}, now=clock.now()
        )
        found = TenantRepository(session).get(tenant)
        assert found is not None
        found.conflict_policy = policy
    return Runner(sessions, clock=clock, flows=FLOWS)


def _payload(sessions: sessionmaker[Session], tenant: int, external_id: str) -> dict[str, Any]:
    with sessions.begin() as session:
        record = MirrorRepository(session).get(tenant, "employee", external_id)
        assert record is not None
        return dict(record.payload) | {"_origin": record.origin, "_version": record.version}


def _by_flow(summary: Any) -> dict[str, Any]:
    return {result.flow: result for result in summary.flows}


async def test_a_fortnox_side_edit_reaches_the_host_and_is_not_written_back(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    employees: Callable[[int], None],
) -> None:
    employees(3)
    runner = _two_way(sessions, clock, tenant)
    first = await runner.run_cycle(tenant, engine_client)
    assert [r.flow for r in first.flows] == ["hr.employee.pull", "hr.employee.push"]
    assert first.total("created") == 3

    before = await control.stats(company)
    idle = await runner.run_cycle(tenant, engine_client)
    flows = _by_flow(idle)
    assert (flows["hr.employee.pull"].requests, flows["hr.employee.push"].requests) == (1, 0)
    assert flows["hr.employee.pull"].unchanged == 3
    after = await control.stats(company)
    assert after["requests_total"] - before["requests_total"] == 1
    assert after["write_requests"] == before["write_requests"]

    changes = {"phone1": "08-555 12 12", "last_name": "Ek", "city": "Lund"}
    await engine_client.employees.update("2", changes)
    picked = await runner.run_cycle(tenant, engine_client)
    flows = _by_flow(picked)
    assert flows["hr.employee.pull"].updated == 1
    # The list and one full read of the changed employee: the list has no city.
    assert (flows["hr.employee.push"].requests, picked.requests) == (0, 2)
    host = _payload(sessions, tenant, "e002")
    assert (host["phone"], host["family_name"], host["city"], host["_origin"]) == (
        "08-555 12 12",
        "Ek",
        "Lund",
        "fortnox",
    )
    (item,) = flows["hr.employee.pull"].items
    assert item.reason == "changed in Fortnox: city, last_name, phone1"
    quiet = await runner.run_cycle(tenant, engine_client)
    assert (quiet.requests, quiet.total("updated")) == (1, 0)


async def _diverge(runner: Runner, client: FortnoxClient, tenant: int, put: Put) -> None:
    """Both sides change the last name of e001 differently; the host also changes its phone."""
    put("employee", "e001", employee(1))
    await runner.run_cycle(tenant, client)
    put("employee", "e001", employee(1, family_name="Bridgesson", phone="070-111 11 11"))
    await client.employees.update("1", {"last_name": "Fortnoxsson"})


@pytest.mark.parametrize(
    ("policy", "fortnox_name", "host_name"),
    [
        ("bridge_wins", "Bridgesson", "Bridgesson"),
        ("fortnox_wins", "Fortnoxsson", "Fortnoxsson"),
        ("ask", "Fortnoxsson", "Bridgesson"),
    ],
)
async def test_a_field_changed_on_both_sides_follows_the_policy(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    put: Put,
    policy: str,
    fortnox_name: str,
    host_name: str,
) -> None:
    runner = _two_way(sessions, clock, tenant, policy=policy)
    await _diverge(runner, engine_client, tenant, put)
    summary = await runner.run_cycle(tenant, engine_client)
    stored = await engine_client.employees.get("1")
    assert stored.last_name == fortnox_name
    assert stored.phone1 == "070-111 11 11"  # changed on the bridge side only: always flows
    assert _payload(sessions, tenant, "e001")["family_name"] == host_name
    with sessions.begin() as session:
        open_conflicts = ConflictRepository(session).open(tenant)
        assert len(open_conflicts) == (1 if policy == "ask" else 0)
    assert summary.total("conflicts") == (1 if policy == "ask" else 0)
    again = await runner.run_cycle(tenant, engine_client)
    assert again.total("updated") == 0
    assert again.requests == 1  # the read; nothing more to write either way


@pytest.mark.parametrize("winner", ["bridge", "fortnox"])
async def test_an_open_conflict_is_resolved_and_the_winner_flows(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    put: Put,
    winner: str,
) -> None:
    runner = _two_way(sessions, clock, tenant, policy="ask")
    await _diverge(runner, engine_client, tenant, put)
    await runner.run_cycle(tenant, engine_client)
    with sessions.begin() as session:
        (conflict,) = ConflictRepository(session).open(tenant)
        assert conflict.fields == {
            "last_name": {"base": "Svensson", "bridge": "Bridgesson", "fortnox": "Fortnoxsson"}
        }
        conflict_id = conflict.id
    won = resolve_conflict(sessions, clock, tenant, conflict_id, winner, flows=FLOWS)  # type: ignore[arg-type]
    assert won == {"last_name": "Bridgesson" if winner == "bridge" else "Fortnoxsson"}
    after = await runner.run_cycle(tenant, engine_client)
    expected = "Bridgesson" if winner == "bridge" else "Fortnoxsson"
    assert (await engine_client.employees.get("1")).last_name == expected
    assert _payload(sessions, tenant, "e001")["family_name"] == expected
    assert after.total("conflicts") == 0
    settled = await runner.run_cycle(tenant, engine_client)
    assert (settled.requests, settled.total("updated")) == (1, 0)


async def test_first_sync_matches_by_email_and_reports_fortnox_only_employees(
    sessions: sessionmaker[Session],
    control: SandboxControl,
    faulty_transport: Any,
    clock: ManualClock,
    tenant: int,
    put: Put,
) -> None:
    demo = int((await control.create_company("Demo", seed="demo"))["tenant_id"])
    issued = await control.issue_tokens(demo, ENGINE_SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"], api_url=SANDBOX_URL, transport=faulty_transport
    )
    fortnox_before = [(e.employee_id, e.email) async for e in client.employees.iterate()]
    astrid = next(email for _, email in fortnox_before if email and email.startswith("astrid"))
    put(
        "employee",
        "h-astrid",
        {
            "email": astrid.upper(),
            "given_name": "Astrid",
            "family_name": "Lindqvist",
            "phone": "070-222 22 22",
        },
    )
    put("employee", "h-new", employee(7))
    runner = _two_way(sessions, clock, tenant, policy="ask")
    summary = await runner.run_cycle(tenant, client)
    flows = _by_flow(summary)
    assert (flows["hr.employee.pull"].adopted, flows["hr.employee.pull"].skipped) == (1, 1)
    assert flows["hr.employee.push"].created == 1  # h-new; h-astrid was matched, not created
    fortnox_after = [e async for e in client.employees.iterate()]
    assert len(fortnox_after) == len(fortnox_before) + 1
    with sessions.begin() as session:
        link = LinkRepository(session).get(tenant, "employee", "h-astrid")
        assert link is not None
        assert (link.origin, link.fortnox_id) == ("matched", "1")
    astrid_now = await client.employees.get("1")
    assert astrid_now.phone1 == "070-222 22 22"  # a value Fortnox lacked is filled in
    await client.aclose()


async def test_unmatched_fortnox_employees_can_be_imported_as_host_records(
    sessions: sessionmaker[Session],
    control: SandboxControl,
    faulty_transport: Any,
    clock: ManualClock,
    tenant: int,
) -> None:
    demo = int((await control.create_company("Demo", seed="demo"))["tenant_id"])
    issued = await control.issue_tokens(demo, ENGINE_SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"], api_url=SANDBOX_URL, transport=faulty_transport
    )
    runner = _two_way(sessions, clock, tenant, settings={"import_unmatched": True})
    summary = await runner.run_cycle(tenant, client)
    count = len([e async for e in client.employees.iterate()])
    assert summary.total("imported") == count
    assert summary.total("created") == 0
    imported = _payload(sessions, tenant, "fortnox-1")
    assert (imported["given_name"], imported["_origin"]) == ("Astrid", "fortnox")
    idle = await runner.run_cycle(tenant, client)
    assert (idle.requests, idle.total("imported"), idle.total("unchanged")) == (1, 0, 2 * count)
    await client.aclose()


async def _log(control: SandboxControl, company: int) -> list[dict[str, Any]]:
    return await control.requests(company, limit=10_000)


def _writes(log: list[dict[str, Any]]) -> list[tuple[str, str, list[str] | None]]:
    return [(e["method"], e["path"], e.get("fields")) for e in log if e["method"] != "GET"]


def _open_conflict(sessions: sessionmaker[Session], tenant: int) -> tuple[int, dict[str, Any]]:
    with sessions.begin() as session:
        (conflict,) = ConflictRepository(session).open(tenant)
        return conflict.id, dict(conflict.fields)


async def test_ask_holds_a_field_the_list_lacks_until_someone_decides(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    put: Put,
) -> None:
    """The employee list has no city: the sweep reads the employee in full before it compares
    or writes the city, and the conflict stays open, sweep after sweep and push after push."""
    runner = _two_way(sessions, clock, tenant, policy="ask")
    put("employee", "e001", employee(1, city="Lund"))
    await runner.run_cycle(tenant, engine_client)
    put("employee", "e001", employee(1, city="Malmö", phone="070-111 11 11"))
    await engine_client.employees.update("1", {"city": "Ystad"})
    mark = len(await _log(control, company))

    first = await runner.run_cycle(tenant, engine_client)
    assert first.total("conflicts") == 1
    conflict_id, fields = _open_conflict(sessions, tenant)
    assert fields == {"city": {"base": "Lund", "bridge": "Malmö", "fortnox": "Ystad"}}
    for _ in range(3):
        await runner.run_cycle(tenant, engine_client)
        await runner.run_cycle(tenant, engine_client, records={"employee": ["e001"]})
        put("employee", "e001", employee(1, city="Malmö", phone="070-111 11 11", country="SE"))
        await runner.run_cycle(tenant, engine_client, records={"employee": ["e001"]})
        assert _open_conflict(sessions, tenant)[0] == conflict_id
        put("employee", "e001", employee(1, city="Malmö", phone="070-111 11 11"))
    stored = await engine_client.employees.get("1")
    assert (stored.city, stored.phone1) == ("Ystad", "070-111 11 11")
    assert _payload(sessions, tenant, "e001")["city"] == "Malmö"
    # The phone (and the country, back and forth) went; the city never did.
    writes = _writes((await _log(control, company))[mark:])
    assert (
        writes
        == [("PUT", "/3/employees/1", ["Phone1"])] + [("PUT", "/3/employees/1", ["Country"])] * 5
    )


async def test_a_run_of_the_push_flow_alone_reads_two_way_records_first(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    put: Put,
) -> None:
    runner = _two_way(sessions, clock, tenant, policy="ask")
    put("employee", "e001", employee(1, city="Lund"))
    await runner.run_cycle(tenant, engine_client)
    put("employee", "e001", employee(1, city="Malmö"))
    await engine_client.employees.update("1", {"city": "Ystad"})
    mark = len(await _log(control, company))
    summary = await runner.run_cycle(tenant, engine_client, only=["hr.employee.push"])
    assert [r.flow for r in summary.flows] == ["hr.employee.pull", "hr.employee.push"]
    assert summary.total("conflicts") == 1
    assert _writes((await _log(control, company))[mark:]) == []
    assert (await engine_client.employees.get("1")).city == "Ystad"


async def test_a_fortnox_edit_of_a_field_the_list_lacks_is_read_in_full_not_overwritten(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    put: Put,
) -> None:
    runner = _two_way(sessions, clock, tenant, policy="ask")
    put("employee", "e001", employee(1, city="Lund"))
    await runner.run_cycle(tenant, engine_client)
    await engine_client.employees.update("1", {"city": "Ystad"})
    put("employee", "e001", employee(1, city="Lund", phone="070-111 11 11"))
    mark = len(await _log(control, company))
    summary = await runner.run_cycle(tenant, engine_client)
    log = (await _log(control, company))[mark:]
    assert summary.total("conflicts") == 0
    host = _payload(sessions, tenant, "e001")
    assert (host["city"], host["phone"], host["_origin"]) == ("Ystad", "070-111 11 11", "fortnox")
    stored = await engine_client.employees.get("1")
    assert (stored.city, stored.phone1) == ("Ystad", "070-111 11 11")
    assert [(e["method"], e["path"]) for e in log] == [
        ("GET", "/3/employees"),
        ("GET", "/3/employees/1"),  # the full read: the list has no city
        ("PUT", "/3/employees/1"),
    ]
    assert _writes(log) == [("PUT", "/3/employees/1", ["Phone1"])]
    quiet = await runner.run_cycle(tenant, engine_client)
    assert (quiet.requests, quiet.total("updated")) == (1, 0)


async def test_a_conflict_closes_as_agreed_only_on_equal_values_as_read(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    put: Put,
) -> None:
    runner = _two_way(sessions, clock, tenant, policy="ask")
    put("employee", "e001", employee(1, city="Lund"))
    await runner.run_cycle(tenant, engine_client)
    put("employee", "e001", employee(1, city="Malmö"))
    await engine_client.employees.update("1", {"city": "Ystad"})
    await runner.run_cycle(tenant, engine_client)
    conflict_id, _ = _open_conflict(sessions, tenant)

    # A read that does not show the city (the list alone) concludes nothing about it.
    scope = RunScope(sessions=sessions, clock=clock, tenant_id=tenant, owner="test")
    reconciler = PullReconciler(scope, policy="ask")
    listed = [remote_record(EmployeePull(), row) async for row in engine_client.employees.iterate()]
    assert "city" not in listed[0].known
    result = FlowResult(flow="hr.employee.pull")
    reconciler.reconcile(EmployeePull(), EmployeePush(), listed, result, complete=True)
    assert _open_conflict(sessions, tenant)[0] == conflict_id
    assert result.conflicts == 1

    # Fortnox going back to the old value is no agreement either: the sides still differ.
    await engine_client.employees.update("1", {"city": "Lund"})
    await runner.run_cycle(tenant, engine_client)
    assert _open_conflict(sessions, tenant) == (
        conflict_id,
        {"city": {"base": "Lund", "bridge": "Malmö", "fortnox": "Lund"}},
    )
    assert (await engine_client.employees.get("1")).city == "Lund"

    # Both sides holding the same value, as read in full, is.
    await engine_client.employees.update("1", {"city": "Malmö"})
    summary = await runner.run_cycle(tenant, engine_client)
    assert summary.total("conflicts") == 0
    with sessions.begin() as session:
        conflict = ConflictRepository(session).get(conflict_id)
        assert conflict is not None
        assert (conflict.status, conflict.resolution) == ("resolved", "agreed")
        link = LinkRepository(session).get(tenant, "employee", "e001")
        assert link is not None
        assert (link.state, link.snapshot["city"]) == ("linked", "Malmö")
    assert summary.total("updated") == 0
