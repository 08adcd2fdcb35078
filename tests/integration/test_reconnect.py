"""Reconnect after a disconnection, on SQLite and PostgreSQL: a refresh token Fortnox
refuses (``invalid_grant``) puts the connection in ``needs_reauth``; connecting again proposes a
payroll re-sync from the disconnection date to today, widened to whole salary periods (store,
event feed, e-mail, API, CLI). Accepting runs the re-sync — for the proposed interval or one the
admin chose — and dismissing clears the proposal without writing anything."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import ManualClock, SystemClock
from fortnox_bridge.engine.errors import ResyncError
from fortnox_bridge.engine.flow.periods import widen
from fortnox_bridge.engine.tenancy import reconnect
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Run
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Bridge, Inbox, LiveSandbox, Put
from .salary_data import registers_in_fortnox

PAYROLL = ["payroll.attendance.push", "payroll.absence.push"]
#: (employee's Fortnox id, date, cause, project) → hours
Rows = dict[tuple[str, str, str, str | None], Decimal]


def _entries() -> dict[str, dict[str, Any]]:
    """Two employees, March and April 2026: work on a project, one day of vacation."""
    found: dict[str, dict[str, Any]] = {}
    for number in (1, 2):
        person = f"e{number:03d}"
        for month, last in ((3, 31), (4, 30)):
            for day in range(1, last + 1):
                when = date(2026, month, day)
                if when.weekday() >= 5:
                    continue
                key, base = f"{person}-{when}", {"employee": person, "date": when.isoformat()}
                if number == 2 and when == date(2026, 4, 9):
                    found[key] = {**base, "hours": "8", "absence_type": "semester"}
                else:
                    found[key] = {**base, "hours": "8", "project": "p1"}
    return found


class World:
    """A tenant exporting payroll, an API with the engine beside it, and the sandbox."""

    def __init__(
        self,
        bridge: Bridge,
        sessions: sessionmaker[Session],
        clock: ManualClock,
        put: Put,
        control: SandboxControl,
        transport: SandboxTransport,
        http: httpx.AsyncClient,
        app: Any,
    ) -> None:
        self.bridge, self.sessions, self.clock, self.put = bridge, sessions, clock, put
        self.control, self.transport, self.http, self.app = control, transport, http, app
        self.host = _entries()
        self.edits = 0

    @contextlib.asynccontextmanager
    async def client(self) -> AsyncIterator[FortnoxClient]:
        """A client of the sandbox company with a token issued now (the clock moves)."""
        issued = await self.control.issue_tokens(self.bridge.company, ENGINE_SCOPES)
        async with FortnoxClient(
            access_token=issued["access_token"], api_url=SANDBOX_URL, transport=self.transport
        ) as client:
            yield client

    async def connect(self) -> None:
        """Connect with tokens the sandbox issues now."""
        issued = await self.control.issue_tokens(self.bridge.company, ENGINE_SCOPES)
        await self.bridge.connect(**issued)

    async def break_connection(self) -> datetime:
        """The stored refresh token is refused (``invalid_grant``) on the next run."""
        self.clock.advance(2 * 3600)  # the access token expired
        broken_at = self.clock.now()
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(self.bridge.tenant)
            assert connection is not None
            cipher = self.bridge.connections.cipher
            stale = cipher.decrypt_tokens(connection.tokens_ciphertext or "")
            connection.tokens_ciphertext = cipher.encrypt_tokens(
                type(stale)(stale.access_token, stale.expires_at, "used-refresh-token", stale.scope)
            )
        # The host keeps changing: the next sweep must ask Fortnox, and cannot.
        self.edits += 1
        key = f"e001-2026-04-{6 + self.edits:02d}"
        self.host[key] = {**self.host[key], "hours": "6"}
        self.put("time_entry", key, self.host[key])
        failed = await self.bridge.service.sweep(self.bridge.tenant)
        assert "invalid_grant" in (failed.error or "")
        assert self.state() == "needs_reauth"
        return broken_at

    def state(self) -> str:
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(self.bridge.tenant)
            assert connection is not None
            return connection.state

    def stored(self) -> list[dict[str, Any]]:
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(self.bridge.tenant)
            assert connection is not None
            return list(connection.resync_proposals)

    def resync_runs(self) -> int:
        with self.sessions.begin() as session:
            query = select(func.count()).select_from(Run).where(Run.kind == "resync")
            return int(session.scalar(query) or 0)

    async def fortnox(self) -> Rows:
        rows: Rows = {}
        async with self.client() as client:
            for resource in (client.attendance_transactions, client.absence_transactions):
                async for row in resource.iterate():
                    data = row.model_dump(mode="json")
                    key = (
                        str(data["employee_id"]),
                        str(data["date"]),
                        str(data["cause_code"]),
                        data.get("project") or None,
                    )
                    assert key not in rows, f"two transactions for {key}"
                    rows[key] = Decimal(str(data["hours"]))
        return rows

    def expected(self) -> Rows:
        with self.sessions.begin() as session:
            links = LinkRepository(session).by_external_id(self.bridge.tenant, "employee")
            ids = {key: link.fortnox_id for key, link in links.items()}
        rows: Rows = defaultdict(Decimal)
        for entry in self.host.values():
            who, day = ids[entry["employee"]], entry["date"]
            if "absence_type" in entry:
                rows[(who, day, "SEM", None)] += Decimal(entry["hours"])
            else:
                rows[(who, day, "TID", "P100")] += Decimal(entry["hours"])
        return dict(rows)


@pytest.fixture
async def world(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    put: Put,
    control: SandboxControl,
    faulty_transport: SandboxTransport,
) -> AsyncIterator[World]:
    clock.advance((datetime(2026, 4, 8, 10, 0, tzinfo=UTC) - clock.now()).total_seconds())
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        for name in ("hr.employee.push", *PAYROLL):
            configs.put(bridge.tenant, name, enabled=True, settings={}, now=clock.now())
        key = TenantRepository(session).create_api_key(bridge.tenant, label="w", now=clock.now())
    app = api_app(sessions, clock=clock, hooks=EngineHooks(service=bridge.service))
    http = httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key.key}"},
    )
    found = World(bridge, sessions, clock, put, control, faulty_transport, http, app)
    await found.connect()
    for number in (1, 2):
        put("employee", f"e{number:03d}", {
            "email": f"person{number}@example.se",
            "given_name": f"Förnamn{number}",
            "family_name": "Svensson",
        })  # fmt: skip
    put("project", "p1", {"number": "P100", "name": "Bygget"})
    issued = await control.issue_tokens(bridge.company, ENGINE_SCOPES)  # on today's clock
    client = FortnoxClient(
        access_token=issued["access_token"], api_url=SANDBOX_URL, transport=faulty_transport
    )
    try:
        await registers_in_fortnox(client, ["P100"], [])
    finally:
        await client.aclose()
    put("absence_type", "semester", {"code": "semester", "name": "Semester"})
    for external_id, entry in found.host.items():
        put("time_entry", external_id, entry)
    first = await bridge.service.sweep(bridge.tenant)
    assert (first.error, first.total("failed")) == (None, 0)
    assert await found.fortnox() == found.expected()
    yield found
    await http.aclose()


async def test_a_reconnect_proposes_the_interval_since_the_break_and_accept_runs_it(
    world: World,
) -> None:
    broken_at = await world.break_connection()
    assert (await world.http.get("/api/v1/resync/proposal")).status_code == 404  # not yet
    # Meanwhile someone removes one of the bridge's April transactions in Fortnox.
    async with world.client() as client:
        rows = [r.model_dump(mode="json") async for r in client.attendance_transactions.iterate()]
        gone = next(row for row in rows if row["date"] == "2026-04-06")
        await client.attendance_transactions.delete(str(gone["id"]))
    world.clock.advance(3 * 86400)
    await world.connect()

    assert world.stored() == [
        {
            "flow": "payroll",
            "flows": PAYROLL,
            "from": "2026-04-08",
            "to": "2026-04-11",
            "reason": "disconnected from 2026-04-08 to 2026-04-11",
        }
    ]
    with world.sessions.begin() as session:
        events = EventRepository(session).after(world.bridge.tenant, 0, limit=100)
        (proposed,) = [e for e in events if e.type == "resync.proposed"]
        assert proposed.data == {
            "from": "2026-04-08",
            "to": "2026-04-11",
            "targets": ["payroll"],
            "flows": PAYROLL,
        }
        found = reconnect.proposal(session, world.bridge.tenant, world.clock)
    assert found is not None
    assert (found.first, found.last, found.widened) == (
        date(2026, 4, 8),
        date(2026, 4, 11),
        (date(2026, 4, 1), date(2026, 4, 30)),
    )
    assert (found.disconnected_at, found.flows) == (broken_at, PAYROLL)
    mail = Inbox.text(world.bridge.inbox.messages[-1][1])
    assert "payroll (payroll.attendance.push, payroll.absence.push): 2026-04-08 to 2026-04-11" in (
        mail
    )
    assert 'resync --tenant "Engine AB" --proposed' in mail
    assert "POST /api/v1/resync/proposal:accept" in mail

    world.clock.advance(86400)  # the admin looks a day later: "to" is today
    shown = await world.http.get("/api/v1/resync/proposal")
    assert shown.status_code == 200
    body = shown.json()
    assert (body["requested"], body["interval"], body["flows"]) == (
        {"from": "2026-04-08", "to": "2026-04-12"},
        {"from": "2026-04-01", "to": "2026-04-30"},
        PAYROLL,
    )
    assert body["resyncs"] == [
        {
            "target": "payroll",
            "flows": PAYROLL,
            "interval": {"from": "2026-04-01", "to": "2026-04-30"},
        }
    ]
    assert body["disconnected_at"].startswith("2026-04-08T12:00")
    assert body["connection_state"] == "active"

    accepted = await world.http.post("/api/v1/resync/proposal:accept")
    assert accepted.status_code == 202, accepted.text
    (job,) = accepted.json()["jobs"]
    assert (job["flow"], job["flows"], job["status"]) == ("payroll", PAYROLL, "running")
    assert job["interval"] == {"from": "2026-04-01", "to": "2026-04-30"}
    await world.app.state.jobs.join()
    run = (await world.http.get(f"/api/v1/runs/{job['run_id']}")).json()
    assert (run["kind"], run["status"]) == ("resync", "succeeded")
    assert run["progress"]["done"] == run["progress"]["total"] > 0
    assert await world.fortnox() == world.expected()  # the removed day is back
    assert (await world.http.get("/api/v1/resync/proposal")).status_code == 404
    assert world.stored() == []
    again = await world.http.post("/api/v1/resync/proposal:accept")
    assert (again.status_code, again.json()["error"]) == (404, "no_proposal")


async def test_accept_with_another_interval_and_dismiss(world: World) -> None:
    await world.break_connection()
    world.clock.advance(86400)
    await world.connect()
    backwards = await world.http.post(
        "/api/v1/resync/proposal:accept", json={"from": "2026-03-20", "to": "2026-03-01"}
    )
    assert backwards.status_code == 422
    chosen = await world.http.post(
        "/api/v1/resync/proposal:accept", json={"from": "2026-03-20", "to": "2026-03-25"}
    )
    assert chosen.status_code == 202, chosen.text
    (job,) = chosen.json()["jobs"]
    assert (job["requested"], job["interval"]) == (
        {"from": "2026-03-20", "to": "2026-03-25"},
        {"from": "2026-03-01", "to": "2026-03-31"},
    )
    await world.app.state.jobs.join()
    run = (await world.http.get(f"/api/v1/runs/{job['run_id']}")).json()
    assert run["status"] == "succeeded"
    in_fortnox, expected = await world.fortnox(), world.expected()
    assert {k: v for k, v in in_fortnox.items() if k[1] < "2026-04"} == {
        k: v for k, v in expected.items() if k[1] < "2026-04"
    }
    assert in_fortnox != expected  # April's edit was outside the chosen interval ...
    await world.bridge.service.sweep(world.bridge.tenant)
    assert await world.fortnox() == expected  # ... and goes with the next sweep

    await world.break_connection()
    world.clock.advance(86400)
    await world.connect()
    runs = world.resync_runs()
    log_size = len(await world.control.requests(world.bridge.company, limit=10_000))
    dismissed = await world.http.post("/api/v1/resync/proposal:dismiss")
    assert dismissed.status_code == 200
    assert dismissed.json()["dismissed"] is True
    assert dismissed.json()["proposal"]["flows"] == PAYROLL
    assert (await world.http.get("/api/v1/resync/proposal")).status_code == 404
    assert world.stored() == []
    assert world.resync_runs() == runs  # nothing was re-synced
    assert len(await world.control.requests(world.bridge.company, limit=10_000)) == log_size
    again = await world.http.post("/api/v1/resync/proposal:dismiss")
    assert (again.status_code, again.json()["error"]) == (404, "no_proposal")
    with pytest.raises(ResyncError, match="no re-sync is proposed"):
        await reconnect.accept(world.bridge.service, world.bridge.tenant)


async def test_a_proposal_cannot_be_accepted_while_the_connection_is_broken(
    world: World,
) -> None:
    await world.break_connection()
    world.clock.advance(86400)
    await world.connect()
    await world.break_connection()  # broken again before anyone accepted
    shown = (await world.http.get("/api/v1/resync/proposal")).json()
    assert shown["connection_state"] == "needs_reauth"
    refused = await world.http.post("/api/v1/resync/proposal:accept")
    assert (refused.status_code, refused.json()["error"]) == (409, "connection_not_active")
    assert world.stored() != []  # still proposed


@pytest.fixture
def cli(tmp_path: Path, migrated_url: str, live_sandbox: LiveSandbox) -> Iterator[Any]:
    """``cli("resync", ...)`` on this data dir, store and standalone sandbox."""
    env = {"FORTNOX_BRIDGE_DATABASE_URL": migrated_url, "COLUMNS": "200"}
    common = ["--data-dir", str(tmp_path / "var"), "--sandbox-url", live_sandbox.url]

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, *common], env=env)

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_shows_the_widened_interval_runs_the_proposal_and_dismisses_it(
    cli: Any, db_url: str
) -> None:
    name = "Tid AB"
    _ok(cli("tenants", "add", name, "--email", "lon@tid.se"))
    _ok(cli("connect", "--tenant", name))
    engine = open_engine(db_url)
    with session_factory(engine).begin() as session:
        tenant = TenantRepository(session).by_name(name)
        assert tenant is not None
        mirror, now = MirrorRepository(session), SystemClock().now()
        mirror.upsert(tenant.id, "employee", "e001", {
            "email": "anna@tid.se", "given_name": "Anna", "family_name": "Ek",
        }, now=now)  # fmt: skip
        mirror.upsert(tenant.id, "project", "p1", {"number": "P100", "name": "Bygget"}, now=now)
        # The sandbox company has no project P100: the bridge creates it.
        create = {"missing_project": "create"}
        FlowConfigRepository(session).put(
            tenant.id, "payroll.attendance.push", enabled=True, settings=create, now=now
        )
        for day in ("2026-03-02", "2026-03-12", "2026-03-30"):
            entry = {"employee": "e001", "date": day, "hours": "8", "project": "p1"}
            mirror.upsert(tenant.id, "time_entry", f"t-{day}", entry, now=now)
    engine.dispose()
    _ok(cli("sync", "--tenant", name))

    refused = cli("resync", "--tenant", name, "--flow", "payroll", "--from", "2026-03-10")
    assert refused.exit_code == 2
    assert "give --flow, --from and --to" in refused.output
    done = _ok(
        cli("resync", "--tenant", name, "--flow", "payroll", "--from", "2026-03-10", "--to",
            "2026-03-20", "--yes")
    )  # fmt: skip
    assert "Re-sync of payroll (payroll.attendance.push, payroll.absence.push)" in done
    assert "2026-03-10..2026-03-20 widened to whole periods: 2026-03-01..2026-03-31" in done
    assert "delete and write again: 3 record(s) the bridge created" in done
    assert "succeeded" in done

    none = cli("resync", "--tenant", name, "--proposed")
    assert (none.exit_code, "No re-sync is proposed" in none.output) == (2, True)
    _ok(cli("connect", "--tenant", name, "--disconnect"))
    reconnected = _ok(cli("connect", "--tenant", name))
    assert f"fortnox-bridge resync --tenant {name} --proposed" in reconnected
    today = SystemClock().now().date()
    status = cli("status", "--tenant", name).output
    assert f"proposed re-sync: payroll {today} to {today}" in status
    assert f"accept with 'fortnox-bridge resync --tenant \"{name}\" --proposed'" in status
    first, last = widen(today, today, "month")
    accepted = _ok(cli("resync", "--tenant", name, "--proposed", "--yes"))
    assert f"{today}..{today}, widened to whole periods: {first}..{last}" in accepted
    assert "payroll.attendance.push, payroll.absence.push" in accepted
    assert "succeeded" in accepted
    assert cli("resync", "--tenant", name, "--proposed").exit_code == 2  # accepted: gone

    _ok(cli("connect", "--tenant", name, "--disconnect"))
    _ok(cli("connect", "--tenant", name))
    dismissed = _ok(cli("resync", "--tenant", name, "--dismiss-proposal"))
    assert "Proposal dismissed; nothing was re-synced." in dismissed
    assert cli("resync", "--tenant", name, "--proposed").exit_code == 2
