"""Sweeps stretched while the stream of Fortnox's topics is healthy (SQLite and PostgreSQL): the
scheduler multiplies each tenant's interval by its ``realtime_sweep_factor`` while the listener's
mark says healthy, and goes back to the normal interval when the stream drops or its mark goes
stale. The factor is set through the tenant API and ``tenants set``."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from click.testing import Result
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.jobs.scheduler import Scheduler, active_tenants
from fortnox_bridge.engine.realtime.health import FRESH, mark_stream, stream_healthy
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.test_engine_schedule import Submitted

START = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)
APP = "fortnox-app"


def two_tenants(sessions: sessionmaker[Session], clock: ManualClock) -> tuple[int, int]:
    """A tenant swept every 30 minutes (factor 4 by default), one every hour (factor 1)."""
    with sessions.begin() as session:
        tenants, connections = TenantRepository(session), ConnectionRepository(session)
        half = tenants.create("half", now=clock.now())
        assert half.realtime_sweep_factor == 4
        hour = tenants.create("hour", now=clock.now())
        hour.sweep_interval_minutes, hour.realtime_sweep_factor = 60, 1
        for tenant in (half, hour):
            connections.create(tenant.id, f"k{tenant.id}", now=clock.now()).state = "active"
        return half.id, hour.id


async def test_sweeps_are_stretched_while_the_stream_is_healthy(
    sessions: sessionmaker[Session],
) -> None:
    clock = ManualClock(START)
    half, hour = two_tenants(sessions, clock)
    submitted = Submitted(clock)
    drops_at = datetime(2026, 3, 2, 12, 5, tzinfo=UTC)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        # the listener marks its stream every tick: healthy until it drops at 12:05
        mark_stream(sessions, APP, clock.now() < drops_at, clock.now())
        if clock.now() >= datetime(2026, 3, 2, 13, 5, tzinfo=UTC):
            raise asyncio.CancelledError

    mark_stream(sessions, APP, True, clock.now())
    scheduler = Scheduler(sessions, submitted, clock, sleep=sleep)
    with contextlib.suppress(asyncio.CancelledError):
        await scheduler.run()
    assert [(at, job.tenant_id) for at, job in submitted.jobs] == [
        ("10:00:00", half),  # every two hours while healthy (30 minutes x 4)
        ("10:00:00", hour),  # factor 1: as ever
        ("11:00:00", hour),
        ("12:00:00", half),
        ("12:00:00", hour),
        ("12:30:00", half),  # the stream dropped at 12:05: every 30 minutes again
        ("13:00:00", half),
        ("13:00:00", hour),
    ]


def test_a_stale_or_unhealthy_mark_gives_the_normal_interval(
    sessions: sessionmaker[Session],
) -> None:
    clock = ManualClock(START)
    half, hour = two_tenants(sessions, clock)
    assert not stream_healthy(sessions, clock.now())  # no listener ever marked
    assert active_tenants(sessions, clock.now()) == [(half, 30), (hour, 60)]
    mark_stream(sessions, APP, True, clock.now())
    assert stream_healthy(sessions, clock.now())
    assert stream_healthy(sessions, clock.now(), APP)
    assert not stream_healthy(sessions, clock.now(), "another-app")
    assert active_tenants(sessions, clock.now()) == [(half, 120), (hour, 60)]
    assert active_tenants(sessions) == [(half, 30), (hour, 60)]  # no time: never stretched
    later = clock.now() + FRESH + timedelta(seconds=1)  # the listener died silently
    assert not stream_healthy(sessions, later)
    assert active_tenants(sessions, later) == [(half, 30), (hour, 60)]
    mark_stream(sessions, APP, False, clock.now())
    assert not stream_healthy(sessions, clock.now())


async def test_the_tenant_api_reads_and_changes_the_sweep_factor(
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
        assert (await api.get("/api/v1/tenant")).json()["realtime_sweep_factor"] == 4
        changed = await api.patch("/api/v1/tenant", json={"realtime_sweep_factor": 8})
        assert (changed.status_code, changed.json()["realtime_sweep_factor"]) == (200, 8)
        for bad in (0, 49):
            refused = await api.patch("/api/v1/tenant", json={"realtime_sweep_factor": bad})
            assert refused.status_code == 422
        reads = await api.get("/api/v1/runs", params={"kind": "event"})
        assert (reads.status_code, reads.json()["data"]) == (200, [])
    with sessions.begin() as session:
        stored = TenantRepository(session).get(tenant_id)
        assert stored is not None
        assert stored.realtime_sweep_factor == 8


def test_tenants_set_changes_the_sweep_factor(tmp_path: Path) -> None:
    def cli(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)])

    assert cli("tenants", "add", "Bygg AB").exit_code == 0
    assert cli("tenants", "set", "Bygg AB", "--realtime-sweep-factor", "0").exit_code == 2
    saved = cli("tenants", "set", "Bygg AB", "--realtime-sweep-factor", "2")
    assert saved.exit_code == 0, saved.output
    engine = open_engine(f"sqlite:///{tmp_path / 'fortnox-bridge.sqlite'}")
    with session_factory(engine).begin() as session:
        found = TenantRepository(session).by_name("Bygg AB")
        assert found is not None
        assert found.realtime_sweep_factor == 2
    engine.dispose()
