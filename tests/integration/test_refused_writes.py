"""A write Fortnox refused is not sent again while nothing that decides it changed: not at the
next sweep, but after the record changes, the flow's mappings change, the problem is resolved or
the tenant's retry time passed; transient failures are still tried at the next sweep — on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
from click.testing import Result
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.services.problems import ProblemService
from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.mappings import MappingRepository
from fortnox_bridge.store.models import Problem, Tenant
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Put, employee

#: A host employee Fortnox refuses (no family name).
REFUSED = {"email": "bad@example.se", "given_name": "Utan"}


async def _fresh(
    control: SandboxControl, company: int, transport: SandboxTransport
) -> FortnoxClient:
    """A client with a new access token (the sandbox's expire after an hour of the clock)."""
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    return FortnoxClient(
        access_token=issued["access_token"], api_url=SANDBOX_URL, transport=transport
    )


async def _posts(control: SandboxControl, company: int) -> int:
    """How many POSTs (creates) the sandbox has answered for the company."""
    return sum(1 for e in await control.requests(company, limit=1000) if e["method"] == "POST")


def _runner(sessions: sessionmaker[Session], clock: ManualClock) -> Runner:
    return Runner(sessions, clock=clock, flows=[EmployeePush], lease=timedelta(seconds=120))


def _problem(sessions: sessionmaker[Session], tenant: int) -> Problem:
    with sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(tenant)
        return problem


def _item(summary: RunSummary, external_id: str) -> tuple[str, str, str]:
    (item,) = [i for r in summary.flows for i in r.items if i.external_id == external_id]
    return item.action, item.outcome, item.reason


async def _refused_once(
    sessions: sessionmaker[Session],
    client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> Runner:
    """Three employees, the second of which Fortnox refuses at the first sweep."""
    employees(3)
    put("employee", "e002", REFUSED)
    runner = _runner(sessions, clock)
    first = await runner.run_cycle(tenant, client)
    assert (first.total("created"), first.total("failed")) == (2, 1)
    assert first.flows[0].failures[0].status == 400
    clock.advance(1800)
    return runner


async def test_a_refused_write_is_not_sent_again_while_nothing_changed(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    runner = await _refused_once(sessions, engine_client, clock, tenant, put, employees)
    refused = _problem(sessions, tenant)
    logged = len(await control.requests(company, limit=1000))
    for _ in range(2):
        again = await runner.run_cycle(tenant, engine_client)
        assert (again.requests, again.total("failed"), again.total("skipped")) == (0, 0, 1)
        clock.advance(1200)
    assert len(await control.requests(company, limit=1000)) == logged  # not one request
    action, outcome, reason = _item(again, "e002")
    assert (action, outcome) == ("skip", "skipped")
    assert reason.startswith(f"not sent again: Fortnox refused it on {refused.last_seen:%Y-%m-%d}")
    assert f"({refused.code}): {refused.message}; " in reason
    assert reason.endswith(
        "it is sent again when the record changes, when the problem is resolved, or after 24 hours"
    )
    still = _problem(sessions, tenant)  # open, seen once: Fortnox was not asked again
    assert (still.id, still.count, still.resolved_at) == (refused.id, 1, None)


async def test_a_changed_record_is_sent_again(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    runner = await _refused_once(sessions, engine_client, clock, tenant, put, employees)
    put("employee", "e002", {**REFUSED, "phone": "070-111 11 11"})  # still refused
    posted = await _posts(control, company)
    again = await runner.run_cycle(tenant, engine_client)
    assert (await _posts(control, company) - posted, again.total("failed")) == (1, 1)
    assert _problem(sessions, tenant).count == 2
    put("employee", "e002", employee(2))  # fixed
    fixed = await runner.run_cycle(tenant, engine_client)
    assert (fixed.total("created"), fixed.total("failed")) == (1, 0)
    with sessions.begin() as session:
        assert ProblemRepository(session).open(tenant) == []


async def test_a_resolved_problem_is_sent_again_at_the_next_sweep(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    runner = await _refused_once(sessions, engine_client, clock, tenant, put, employees)
    ProblemService(sessions, clock).resolve(tenant, _problem(sessions, tenant).id)
    posted = await _posts(control, company)
    again = await runner.run_cycle(tenant, engine_client)
    assert (await _posts(control, company) - posted, again.total("failed")) == (
        1,
        1,
    )  # tried, refused again
    reopened = _problem(sessions, tenant)
    assert (reopened.count, reopened.resolved_at) == (1, None)
    held = await runner.run_cycle(tenant, engine_client)
    assert (held.requests, held.total("skipped")) == (0, 1)


async def test_changed_mappings_send_it_again(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    runner = await _refused_once(sessions, engine_client, clock, tenant, put, employees)
    with sessions.begin() as session:
        MappingRepository(session).put(tenant, "schedule", "heltid", "HEL", now=clock.now())
    posted = await _posts(control, company)
    again = await runner.run_cycle(tenant, engine_client)
    assert (await _posts(control, company) - posted, again.total("failed")) == (1, 1)


async def test_it_is_sent_again_after_the_tenants_retry_time(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    with sessions.begin() as session:
        TenantRepository(session).get(tenant).refusal_retry_hours = 2  # type: ignore[union-attr]
    runner = await _refused_once(sessions, engine_client, clock, tenant, put, employees)
    held = await runner.run_cycle(tenant, engine_client)
    assert (held.requests, held.total("skipped")) == (0, 1)
    assert _item(held, "e002")[2].endswith("or after 2 hours")
    clock.advance(2 * 3600 - 1800)  # two hours after the refusal
    engine_client = await _fresh(control, company, faulty_transport)
    posted = await _posts(control, company)
    again = await runner.run_cycle(tenant, engine_client)
    assert (await _posts(control, company) - posted, again.total("failed")) == (1, 1)
    assert _problem(sessions, tenant).count == 2
    clock.advance(3600)  # refused again: another two hours from now
    later = await runner.run_cycle(tenant, engine_client)
    assert (later.requests, later.total("skipped")) == (0, 1)
    await engine_client.aclose()


async def test_the_default_retry_time_is_a_day(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    runner = await _refused_once(sessions, engine_client, clock, tenant, put, employees)
    clock.advance(23 * 3600)  # 23.5 hours after the refusal
    engine_client = await _fresh(control, company, faulty_transport)
    held = await runner.run_cycle(tenant, engine_client)
    assert (held.requests, held.total("skipped")) == (0, 1)
    clock.advance(1800)
    posted = await _posts(control, company)
    again = await runner.run_cycle(tenant, engine_client)
    assert (await _posts(control, company) - posted, again.total("failed")) == (1, 1)
    await engine_client.aclose()


async def test_transient_failures_are_tried_again_at_the_next_sweep(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    clock: ManualClock,
    tenant: int,
    employees: Callable[[int], None],
) -> None:
    employees(2)
    await control.add_fault("429", count=6, method="POST")
    runner = _runner(sessions, clock)
    stormy = await runner.run_cycle(tenant, engine_client)
    assert (stormy.total("created"), stormy.total("failed")) == (1, 1)
    assert stormy.flows[0].failures[0].status == 429
    with sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(tenant)
        assert problem.refused_version is None
    calm = await runner.run_cycle(tenant, engine_client)
    assert (calm.total("created"), calm.total("failed")) == (1, 0)


async def test_the_tenant_api_reads_and_changes_the_retry_time(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Bygg AB", now=clock.now())
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
        tenant_id = tenant.id
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {key}"},
    ) as api:
        assert (await api.get("/api/v1/tenant")).json()["refusal_retry_hours"] == 24
        changed = await api.patch("/api/v1/tenant", json={"refusal_retry_hours": 6})
        assert (changed.status_code, changed.json()["refusal_retry_hours"]) == (200, 6)
        refused = await api.patch("/api/v1/tenant", json={"refusal_retry_hours": 0})
        assert refused.status_code == 422
    with sessions.begin() as session:
        stored = session.get(Tenant, tenant_id)
        assert stored is not None
        assert stored.refusal_retry_hours == 6


async def test_an_ignored_refusal_is_sent_once_more_then_waits_again(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    runner = await _refused_once(sessions, engine_client, clock, tenant, put, employees)
    ProblemService(sessions, clock).ignore(tenant, _problem(sessions, tenant).id)
    clock.advance(60)
    posted = await _posts(control, company)
    again = await runner.run_cycle(tenant, engine_client)
    assert (await _posts(control, company) - posted, again.total("failed")) == (1, 1)
    clock.advance(60)
    held = await runner.run_cycle(tenant, engine_client)
    assert (held.requests, held.total("skipped")) == (0, 1)
    with sessions.begin() as session:
        assert ProblemRepository(session).open(tenant) == []  # ignored: counted, not reopened


def test_tenants_set_changes_the_retry_time(tmp_path: Path) -> None:
    def cli(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)])

    assert cli("tenants", "add", "Bygg AB").exit_code == 0
    assert cli("tenants", "set", "Bygg AB", "--refusal-retry-hours", "0").exit_code == 2
    saved = cli("tenants", "set", "Bygg AB", "--refusal-retry-hours", "6")
    assert saved.exit_code == 0, saved.output
    engine = open_engine(f"sqlite:///{tmp_path / 'fortnox-bridge.sqlite'}")
    with session_factory(engine).begin() as session:
        assert TenantRepository(session).by_name("Bygg AB").refusal_retry_hours == 6  # type: ignore[union-attr]
    engine.dispose()
