"""Push flows through engine + store + sandbox: deletes, idempotent creates after crashes and lost
answers, 429 storms, problems and dry runs — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.models import PushOperation, Run, RunItem
from fortnox_bridge.store.operations import PushOperationRepository
from fortnox_bridge.store.problems import ProblemRepository

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Put, employee

LEASE = timedelta(seconds=120)


class Crash(BaseException):
    """The worker process dies at this point (nothing below it runs)."""


class CrashOnPost(httpx.AsyncBaseTransport):
    """Lets ``ok`` POSTs through, then dies on the next one: after it was applied, or before."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, ok: int, applied: bool) -> None:
        self.inner, self.ok, self.applied = inner, ok, applied

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            if self.ok == 0:
                if self.applied:
                    await self.inner.handle_async_request(request)
                raise Crash
            self.ok -= 1
        return await self.inner.handle_async_request(request)


async def _fortnox_emails(client: FortnoxClient) -> list[str]:
    return sorted([e.email or "" async for e in client.employees.iterate()])


def _runner(sessions: sessionmaker[Session], clock: ManualClock) -> Runner:
    return Runner(sessions, clock=clock, flows=[EmployeePush], lease=LEASE)


async def test_a_deleted_employee_is_deactivated_and_comes_back_active(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    employees(2)
    runner = _runner(sessions, clock)
    await runner.run_cycle(tenant, engine_client)
    put("employee", "e002", None)
    (plan,) = [i for i in runner.plan(EmployeePush(), tenant) if i.action != "unchanged"]
    assert (plan.action, plan.changes) == ("delete", {"inactive": True})
    gone = await runner.run_cycle(tenant, engine_client)
    assert (gone.total("deleted"), gone.requests) == (1, 1)
    assert (await engine_client.employees.get("2")).inactive is True
    idle = await runner.run_cycle(tenant, engine_client)
    assert (idle.requests, idle.total("unchanged")) == (0, 1)

    put("employee", "e002", employee(2, city="Kiruna"))
    back = await runner.run_cycle(tenant, engine_client)
    assert (back.total("updated"), back.requests) == (1, 1)
    again = await engine_client.employees.get("2")
    assert (again.inactive, again.city) == (False, "Kiruna")


@pytest.mark.parametrize("applied", [True, False], ids=["after-the-write", "before-the-write"])
async def test_a_crash_during_a_create_never_duplicates_the_employee(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    faulty_transport: SandboxTransport,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    employees: Callable[[int], None],
    applied: bool,
) -> None:
    employees(5)
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    crashing = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=CrashOnPost(faulty_transport, ok=2, applied=applied),
    )
    with pytest.raises(Crash):
        await _runner(sessions, clock).run_cycle(tenant, crashing)
    await crashing.aclose()
    assert len(await _fortnox_emails(engine_client)) == (3 if applied else 2)

    # A new worker starts; the dead worker's marker is abandoned once its lease has run out.
    restarted = _runner(sessions, clock)
    early = await restarted.run_cycle(tenant, engine_client)
    # e003 is still leased ("another worker is writing"); e004 and e005 go through
    assert (early.total("skipped"), early.total("created")) == (1, 2)
    clock.advance(LEASE.total_seconds() + 1)
    resumed = await restarted.run_cycle(tenant, engine_client)
    expected = (1, 0) if applied else (0, 1)
    assert (resumed.total("adopted"), resumed.total("created")) == expected
    assert await _fortnox_emails(engine_client) == [f"person{n}@example.se" for n in range(1, 6)]
    with sessions.begin() as session:
        statuses = session.scalars(select(PushOperation.status)).all()
        assert set(statuses) == {"succeeded"}
    idle = await restarted.run_cycle(tenant, engine_client)
    assert (idle.requests, idle.total("unchanged")) == (0, 5)


async def test_a_lost_answer_is_looked_up_and_adopted_at_once(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    clock: ManualClock,
    tenant: int,
    employees: Callable[[int], None],
) -> None:
    employees(4)
    await control.add_fault("drop_response", method="POST", path_prefix="/3/employees", count=1)
    summary = await _runner(sessions, clock).run_cycle(tenant, engine_client)
    assert (summary.total("created"), summary.total("adopted"), summary.total("failed")) == (
        3,
        1,
        0,
    )
    (adopted,) = [i for i in summary.flows[0].items if i.outcome == "ok" and "adopted" in i.reason]
    assert adopted.external_id == "e001"
    assert await _fortnox_emails(engine_client) == [f"person{n}@example.se" for n in range(1, 5)]


async def test_a_timed_out_create_is_resolved_by_the_next_run(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    clock: ManualClock,
    tenant: int,
    employees: Callable[[int], None],
) -> None:
    employees(3)
    await control.add_fault("timeout", method="POST", path_prefix="/3/employees", count=1)
    runner = _runner(sessions, clock)
    first = await runner.run_cycle(tenant, engine_client)
    assert (first.total("created"), first.total("failed")) == (2, 1)
    assert first.flows[0].failures[0].external_id == "e001"
    second = await runner.run_cycle(tenant, engine_client)
    assert (second.total("created"), second.total("failed")) == (1, 0)
    assert await _fortnox_emails(engine_client) == [f"person{n}@example.se" for n in range(1, 4)]


async def test_a_429_storm_is_ridden_out_with_waits_on_the_clock(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    sleep: ManualClock,
    tenant: int,
    employees: Callable[[int], None],
) -> None:
    employees(6)
    await control.add_fault("429", count=5, retry_after=2)
    runner = _runner(sessions, clock)
    summary = await runner.run_cycle(tenant, engine_client)
    assert (summary.total("created"), summary.total("failed")) == (6, 0)
    stats = await control.stats(company)
    assert stats["responses_by_status"]["429"] == 5
    assert sum(sleep.slept) >= 10
    # A storm longer than one request's retry budget fails that record only; the next run
    # writes it.
    employees(8)
    await control.add_fault("429", count=6, method="POST")
    stormy = await runner.run_cycle(tenant, engine_client)
    assert (stormy.total("created"), stormy.total("failed")) == (1, 1)
    assert stormy.flows[0].failures[0].status == 429
    calm = await runner.run_cycle(tenant, engine_client)
    assert (calm.total("created"), calm.total("failed")) == (1, 0)
    assert len(await _fortnox_emails(engine_client)) == 8


async def test_a_record_fortnox_refuses_fails_alone_and_is_one_problem(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    employees(3)
    put("employee", "e002", {"email": "bad@example.se", "given_name": "Utan"})  # no family name
    runner = _runner(sessions, clock)
    summary = await runner.run_cycle(tenant, engine_client)
    assert (summary.total("created"), summary.total("failed")) == (2, 1)
    (failure,) = summary.flows[0].failures
    assert (failure.external_id, failure.status) == ("e002", 400)
    assert failure.reference == "employee e002 (bad@example.se)"
    for _ in range(2):  # nothing changed: not sent again, the problem stays open
        clock.advance(60)
        idle = await runner.run_cycle(tenant, engine_client)
        assert (idle.requests, idle.total("failed"), idle.total("skipped")) == (0, 0, 1)
    with sessions.begin() as session:
        (problem,) = ProblemRepository(session).open(tenant)
        assert (problem.external_id, problem.count, problem.status) == ("e002", 1, 400)
        assert problem.reference == "employee e002 (bad@example.se)"
        assert problem.message
    put("employee", "e002", employee(2))
    fixed = await runner.run_cycle(tenant, engine_client)
    assert fixed.total("created") == 1
    with sessions.begin() as session:
        assert ProblemRepository(session).open(tenant) == []


async def test_a_dry_run_plans_with_reasons_and_writes_nothing(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    control: SandboxControl,
    company: int,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    employees(3)
    runner = _runner(sessions, clock)
    await runner.run_cycle(tenant, engine_client)
    put("employee", "e001", employee(1, city="Umeå"))
    put("employee", "e002", None)
    put("employee", "e009", employee(9))
    before = await control.stats(company)
    with sessions.begin() as session:
        runs_before = len(session.scalars(select(Run)).all())
    plan = await runner.run_cycle(tenant, engine_client, dry_run=True)
    assert plan.dry_run
    after = await control.stats(company)
    assert after["write_requests"] == before["write_requests"]
    # One read: is the employee about to be created in Fortnox already?
    assert after["requests_total"] == before["requests_total"] + 1
    planned = {(i.external_id, i.action, i.reason) for i in plan.flows[0].items}
    assert planned == {
        ("e001", "update", "changed: city"),
        ("e002", "delete", "deleted by the host; deactivate: inactive=True in Fortnox"),
        ("e009", "create", "not in Fortnox yet"),
    }
    assert (plan.total("created"), plan.total("updated"), plan.total("deleted")) == (1, 1, 1)
    assert plan.total("unchanged") == 1
    with sessions.begin() as session:
        assert len(session.scalars(select(Run)).all()) == runs_before
    real = await runner.run_cycle(tenant, engine_client)
    assert (real.total("created"), real.total("updated"), real.total("deleted")) == (1, 1, 1)
    with sessions.begin() as session:
        items = session.scalars(select(RunItem).where(RunItem.run_id == real.run_id)).all()
        assert sorted((i.external_id, i.action, i.outcome) for i in items) == [
            ("e001", "update", "ok"),
            ("e002", "delete", "ok"),
            ("e009", "create", "ok"),
        ]
        run = session.get(Run, real.run_id)
        assert run is not None
        assert (run.status, run.counts["created"], run.requests) == ("succeeded", 1, 4)


async def test_an_event_push_writes_only_the_changed_records(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    employees(3)
    runner = _runner(sessions, clock)
    await runner.run_cycle(tenant, engine_client)
    put("employee", "e001", employee(1, city="Gävle"))
    put("employee", "e003", employee(3, city="Borås"))
    pushed = await runner.run_cycle(
        tenant, engine_client, records={"employee": ["e001"]}, kind="push"
    )
    assert (pushed.total("updated"), pushed.requests) == (1, 1)
    sweep = await runner.run_cycle(tenant, engine_client)
    assert (sweep.total("updated"), sweep.total("unchanged")) == (1, 2)
    with sessions.begin() as session:
        link = LinkRepository(session).get(tenant, "employee", "e003")
        assert link is not None
        assert (link.state, link.snapshot["city"]) == ("linked", "Borås")


async def test_a_record_another_worker_is_writing_is_left_alone(
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
    clock: ManualClock,
    tenant: int,
    employees: Callable[[int], None],
) -> None:
    employees(2)
    with sessions.begin() as session:  # an event-driven push elsewhere is creating e001 now
        PushOperationRepository(session).begin(
            tenant_id=tenant,
            flow="hr.employee.push",
            entity_type="employee",
            external_id="e001",
            kind="create",
            idempotency_key="elsewhere",
            natural_key="person1@example.se",
            owner="other-host:1:abc",
            lease_until=clock.now() + LEASE,
            now=clock.now(),
        )
    summary = await _runner(sessions, clock).run_cycle(tenant, engine_client)
    assert (summary.total("created"), summary.total("skipped")) == (1, 1)
    (skipped,) = [i for i in summary.flows[0].items if i.outcome == "skipped"]
    assert (skipped.external_id, skipped.reason) == (
        "e001",
        "another worker is writing this record right now",
    )
    assert await _fortnox_emails(engine_client) == ["person2@example.se"]
