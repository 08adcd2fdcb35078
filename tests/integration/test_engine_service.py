"""The engine as a worker runs it: connection lifecycle, licences, pre-flight, the sweep lease and
e-mail received by a real local SMTP server — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from conftest import ClientFactory
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.errors import ConnectionStateError
from fortnox_bridge.engine.tenancy.writer import lease_name
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.leases import LeaseRepository
from fortnox_bridge.store.notifications import NotificationRepository
from fortnox_bridge.store.tenants import TenantRepository

from .conftest import RECIPIENTS, Bridge, Inbox, Put, employee


def _state(sessions: sessionmaker[Session], tenant: int) -> tuple[str, object, list[object]]:
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant)
        assert connection is not None
        return connection.state, connection.disconnected_at, list(connection.resync_proposals)


async def test_a_refused_refresh_needs_reauth_and_a_reconnect_proposes_a_resync(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    employees: Callable[[int], None],
) -> None:
    await bridge.connect()
    assert _state(sessions, bridge.tenant)[0] == "active"
    employees(1)
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 1

    clock.advance(2 * 3600)  # the access token expired; the stored refresh token is a used one
    broken_at = clock.now()
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(bridge.tenant)
        assert connection is not None
        stale = bridge.connections.cipher.decrypt_tokens(connection.tokens_ciphertext or "")
        connection.tokens_ciphertext = bridge.connections.cipher.encrypt_tokens(
            type(stale)(stale.access_token, stale.expires_at, "used-refresh-token", stale.scope)
        )
    employees(2)
    summary = await bridge.service.sweep(bridge.tenant)
    assert summary.status == "failed"
    assert "invalid_grant" in (summary.error or "")
    state, disconnected_at, _ = _state(sessions, bridge.tenant)
    assert (state, disconnected_at) == ("needs_reauth", broken_at)
    refused = await bridge.service.sweep(bridge.tenant)
    assert refused.error == "the Fortnox connection is needs_reauth; nothing was synchronised"

    clock.advance(3 * 86400)
    await bridge.connect()
    state, _, proposals = _state(sessions, bridge.tenant)
    assert state == "active"
    assert proposals == [
        {
            "flow": "payroll",
            "flows": ["payroll.attendance.push", "payroll.absence.push"],
            "from": broken_at.date().isoformat(),
            "to": clock.now().date().isoformat(),
            "reason": f"disconnected from {broken_at.date()} to {clock.now().date()}",
        }
    ]
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 1
    with sessions.begin() as session:
        history = ConnectionRepository(session).history(bridge.tenant)
        assert [(e.from_state, e.to_state) for e in history] == [
            ("pending_auth", "active"),
            ("active", "needs_reauth"),
            ("needs_reauth", "active"),
        ]
    subjects = bridge.inbox.subjects()
    assert subjects == [
        "[fortnox-bridge] Engine AB: Fortnox connection active",
        "[fortnox-bridge] Engine AB: Fortnox connection needs reauth",
        "[fortnox-bridge] Engine AB: Fortnox connection active",
    ]
    recipients, reconnected = bridge.inbox.messages[-1]
    assert recipients == RECIPIENTS
    assert "payroll.attendance.push" in Inbox.text(reconnected)
    assert "needs_reauth" in Inbox.text(bridge.inbox.messages[1][1])


async def test_a_missing_licence_stops_the_run_and_moves_the_connection(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    control: SandboxControl,
    employees: Callable[[int], None],
) -> None:
    await bridge.connect()
    employees(3)
    await control.company_settings(bridge.company, api_licence=False)
    summary = await bridge.service.sweep(bridge.tenant)
    assert summary.status == "failed"
    assert "2001103" in (summary.error or "")
    assert summary.requests == 1  # the first refusal stops the run: no request per record
    assert _state(sessions, bridge.tenant)[0] == "missing_licence"
    assert bridge.inbox.subjects()[-1].endswith("Fortnox connection missing licence")
    with pytest.raises(ConnectionStateError, match="cannot go from missing_licence to paused"):
        await bridge.connections.transition(bridge.tenant, "paused", "admin")


async def test_paused_tenants_are_not_synchronised(
    bridge: Bridge, employees: Callable[[int], None]
) -> None:
    await bridge.connect()
    employees(1)
    await bridge.connections.transition(bridge.tenant, "paused", "holiday")
    summary = await bridge.service.sweep(bridge.tenant)
    assert (summary.status, summary.requests) == ("failed", 0)
    assert summary.error == "the Fortnox connection is paused; nothing was synchronised"
    await bridge.connections.transition(bridge.tenant, "active", "back")
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 1


async def test_one_writer_per_tenant_waits_for_another_process_holding_it(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    employees: Callable[[int], None],
) -> None:
    await bridge.connect()
    employees(2)
    with sessions.begin() as session:  # a job of another machine writes to this tenant
        LeaseRepository(session).acquire(
            lease_name(bridge.tenant),
            "elsewhere:1:abcd",
            until=clock.now() + timedelta(minutes=5),
            now=clock.now(),
        )
    dry = await bridge.service.sweep(bridge.tenant, dry_run=True)  # reading needs no writer
    assert dry.total("created") == 2
    started = clock.now()
    pushed = await bridge.service.push(bridge.tenant, {"employee": ["e001"]})
    # The push waited until the other job's lease ran out (it never renewed it), then ran.
    assert (clock.now() - started).total_seconds() >= 300
    assert pushed.total("created") == 1
    assert bridge.service.writers.holder(bridge.tenant) is None  # given back
    with sessions.begin() as session:
        LeaseRepository(session).acquire(
            lease_name(bridge.tenant),
            "elsewhere:1:abcd",
            until=clock.now() + timedelta(hours=2),
            now=clock.now(),
        )
    busy = await bridge.service.sweep(bridge.tenant)  # held longer than a job waits
    assert busy.status == "failed"
    assert busy.error is not None
    assert "another job is writing to this tenant" in busy.error
    with sessions.begin() as session:
        LeaseRepository(session).release(lease_name(bridge.tenant), "elsewhere:1:abcd")
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 1


async def test_problems_are_emailed_once_with_the_failing_reference_and_digested(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    await bridge.connect()
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(bridge.tenant)
        assert tenant is not None
        tenant.digest = "per_run"
    employees(2)
    put("employee", "e007", {"email": "utan.efternamn@engine.se", "given_name": "Utan"})
    before = len(bridge.inbox.messages)
    for sweep in range(3):
        summary = await bridge.service.sweep(bridge.tenant)
        # Refused at the first sweep; not sent again while nothing changed, the problem open.
        assert (summary.total("failed"), summary.total("skipped")) == (
            (1, 0) if sweep == 0 else (0, 1)
        )
        clock.advance(1800)
    new = bridge.inbox.messages[before:]
    assert [str(m["Subject"]) for _, m in new] == [
        "[fortnox-bridge] Engine AB: employee e007 (utan.efternamn@engine.se) was not synchronised",
        "[fortnox-bridge] Engine AB: 1 open problem",
    ]  # the same open problem is not mailed again by the next two runs
    recipients, problem_mail = new[0]
    assert recipients == RECIPIENTS
    assert problem_mail["To"] == ", ".join(RECIPIENTS)
    text = Inbox.text(problem_mail)
    assert "employee e007 (utan.efternamn@engine.se)" in text
    assert "hr.employee.push" in text
    assert "(HTTP 400)" in text
    assert "How to fix it:" in text
    assert "employee e007 (utan.efternamn@engine.se)" in Inbox.html(problem_mail)

    # A second, different problem changes the open list: one problem e-mail and a new digest.
    put("employee", "e008", {"email": "inte.heller@engine.se", "given_name": "Inte"})
    await bridge.service.sweep(bridge.tenant)
    assert bridge.inbox.subjects()[-2:] == [
        "[fortnox-bridge] Engine AB: employee e008 (inte.heller@engine.se) was not synchronised",
        "[fortnox-bridge] Engine AB: 2 open problems",
    ]
    with sessions.begin() as session:
        log = NotificationRepository(session).for_tenant(bridge.tenant)
        assert [n.kind for n in log] == ["connection", "problem", "digest", "problem", "digest"]
        assert {n.status for n in log} == {"sent"}


async def test_daily_digest_is_sent_at_most_once_a_day(
    bridge: Bridge, clock: ManualClock, put: Put
) -> None:
    await bridge.connect()
    put("employee", "e001", {"email": "a@engine.se", "given_name": "A"})
    for _ in range(4):  # four sweeps within the day
        await bridge.service.sweep(bridge.tenant)
        clock.advance(1800)
    assert [s.split(": ", 1)[1] for s in bridge.inbox.subjects()] == [
        "Fortnox connection active",
        "employee e001 (a@engine.se) was not synchronised",
        "1 open problem",
    ]
    clock.advance(86400)
    await bridge.service.sweep(bridge.tenant)
    assert bridge.inbox.subjects()[-1].endswith("1 open problem")
    assert len(bridge.inbox.messages) == 4


async def test_preflight_checklist_names_the_failures_and_their_fixes(
    bridge: Bridge,
    control: SandboxControl,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    await bridge.connect()
    employees(1)
    await bridge.service.sweep(bridge.tenant)
    await control.company_settings(bridge.company, locked_period_end="2026-01-31")
    put("time_entry", "t1", {"employee": "e001", "date": "2026-01-15", "hours": 8})
    put("time_entry", "t2", {"employee": "e001", "date": "2027-03-01", "hours": 8})
    put("time_entry", "t3", {"employee": "e999", "date": "2026-03-02", "hours": 8})
    put("time_entry", "t4", {"employee": "e001", "date": "2026-03-02", "hours": 8})
    checklist = await bridge.service.check(bridge.tenant)
    by_name = {check.name: check for check in checklist.checks}
    assert by_name["connection"].status == "ok"
    assert by_name["locked period"].detail == "locked up to 2026-01-31"
    assert by_name["financial years"].status == "ok"
    pending = by_name["pending records of payroll.attendance.push"]
    assert pending.status == "fail"
    assert "2 cannot be written" in pending.detail
    assert "2026-01-15 is in the locked period" in pending.detail
    assert "waiting for employee e999" in pending.detail
    assert "2027-03-01" not in pending.detail  # salary data needs no financial year
    assert not checklist.ok
    summary = await bridge.service.sweep(bridge.tenant)
    flow = next(f for f in summary.flows if f.flow == "payroll.attendance.push")
    assert (flow.created, flow.skipped, flow.requests) == (2, 2, 2)  # no request for refusals


async def test_salary_data_outside_every_financial_year_reaches_fortnox(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    make_client: ClientFactory,
    put: Put,
) -> None:
    """Fortnox takes attendance and absence transactions for any date: the first days of a year
    nobody has made a financial year for yet (every January) are written, not held back."""
    await bridge.connect()
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        schedule = {"default_schedule": "HEL"}
        configs.put(
            bridge.tenant, "hr.employee.push", enabled=True, settings=schedule, now=clock.now()
        )
        configs.put(bridge.tenant, "hr.absence.push", enabled=True, settings={}, now=clock.now())
    put("employee", "e001", employee(1))
    put("absence_type", "sick", {"code": "sick", "name": "Sick leave"})
    put("time_entry", "t1", {"employee": "e001", "date": "2027-01-04", "hours": 8})
    absence = {"employee": "e001", "absence_type": "sick", "status": "approved"}
    put("absence", "a1", {**absence, "start": "2027-01-05", "end": "2027-01-05"})
    checklist = await bridge.service.check(bridge.tenant)
    years = {check.name: check for check in checklist.checks}["financial years"]
    assert years.detail == "1 financial year(s) in Fortnox"  # 2026 only
    assert checklist.ok
    summary = await bridge.service.sweep(bridge.tenant)
    assert (summary.total("failed"), summary.total("skipped")) == (0, 0)
    client = await make_client(bridge.company)
    written = [
        [(str(t.date), t.cause_code, str(t.hours)) async for t in resource.iterate()]
        for resource in (client.attendance_transactions, client.absence_transactions)
    ]
    assert written == [[("2027-01-04", "TID", "8")], [("2027-01-05", "SJK", "8")]]


async def test_preflight_reports_a_missing_scope(bridge: Bridge, control: SandboxControl) -> None:
    narrow = await control.issue_tokens(bridge.company, ["salary"])
    await bridge.connect(**{k: narrow[k] for k in ("access_token", "refresh_token", "scope")})
    checklist = await bridge.service.check(bridge.tenant)
    by_name = {check.name: check for check in checklist.checks}
    assert by_name["access for hr.employee.push"].status == "ok"
    assert by_name["financial years"].status == "warn"
    assert "bookkeeping" in by_name["financial years"].fix


def test_employee_helper_is_valid() -> None:
    from fortnox_bridge.flows.hr.records import HostEmployee

    assert HostEmployee.model_validate(employee(3)).email == "person3@example.se"


async def test_an_idle_sweep_costs_nothing_per_push_flow_and_one_read_per_pull_flow(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    control: SandboxControl,
    clock: ManualClock,
    put: Put,
    employees: Callable[[int], None],
) -> None:
    await bridge.connect()
    employees(5)
    put("time_entry", "t1", {"employee": "e001", "date": "2026-02-02", "hours": 8})
    assert (await bridge.service.sweep(bridge.tenant)).total("created") == 6
    before = await control.stats(bridge.company)
    idle = await bridge.service.sweep(bridge.tenant)  # push flows only (the default)
    after = await control.stats(bridge.company)
    assert after["requests_total"] == before["requests_total"]
    assert {r.flow: r.unchanged for r in idle.flows} == {
        "hr.employee.push": 5,
        "payroll.attendance.push": 1,  # one salary day
        "payroll.absence.push": 0,
    }
    with sessions.begin() as session:
        from fortnox_bridge.store.flow_configs import FlowConfigRepository

        FlowConfigRepository(session).put(
            bridge.tenant, "hr.employee.pull", enabled=True, settings={}, now=clock.now()
        )
    await bridge.service.sweep(bridge.tenant)  # the first read matches nothing new
    before = await control.stats(bridge.company)
    idle = await bridge.service.sweep(bridge.tenant)
    after = await control.stats(bridge.company)
    pulls = sum(1 for r in idle.flows if r.flow.endswith(".pull"))
    assert pulls == 1
    assert after["requests_total"] - before["requests_total"] == pulls
    assert after["write_requests"] == before["write_requests"]


async def test_the_sweep_lease_of_a_worker_killed_on_this_host_is_taken_over(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    employees: Callable[[int], None],
) -> None:
    import socket

    await bridge.connect()
    employees(1)
    dead = f"{socket.gethostname()}:{2**22 + 77}:killed"
    with sessions.begin() as session:
        LeaseRepository(session).acquire(
            f"sweep:{bridge.tenant}",
            dead,
            until=clock.now() + timedelta(minutes=30),
            now=clock.now(),
        )
    summary = await bridge.service.sweep(bridge.tenant)
    assert (summary.status, summary.total("created")) == ("succeeded", 1)
