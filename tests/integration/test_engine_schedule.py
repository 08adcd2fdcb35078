"""The embedded scheduler over the store: slots per tenant interval, only active connections."""

from __future__ import annotations

import asyncio
import contextlib
import random
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.engine.jobs.scheduler import Scheduler
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.tenants import TenantRepository

START = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)


class Submitted:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.jobs: list[tuple[str, Job]] = []

    async def submit(self, job: Job) -> None:
        self.jobs.append((self.clock.now().strftime("%H:%M:%S"), job))


def _tenants(sessions: sessionmaker[Session], clock: ManualClock) -> dict[str, int]:
    ids = {}
    with sessions.begin() as session:
        tenants, connections = TenantRepository(session), ConnectionRepository(session)
        for name, minutes, state in (
            ("half", 30, "active"),
            ("hour", 60, "active"),
            ("paused", 30, "paused"),
            ("new", 30, "pending_auth"),
        ):
            tenant = tenants.create(name, now=clock.now())
            tenant.sweep_interval_minutes = minutes
            connections.create(tenant.id, f"k{tenant.id}", now=clock.now()).state = state
            ids[name] = tenant.id
    return ids


async def test_active_tenants_are_swept_on_their_slots(sessions: sessionmaker[Session]) -> None:
    clock = ManualClock(START)
    ids = _tenants(sessions, clock)
    submitted = Submitted(clock)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        if clock.now() >= datetime(2026, 3, 2, 11, 5, tzinfo=UTC):
            raise asyncio.CancelledError

    scheduler = Scheduler(sessions, submitted, clock, sleep=sleep)
    assert await scheduler.tick() == 60  # nothing at start; it looks again within a minute
    with contextlib.suppress(asyncio.CancelledError):
        await scheduler.run()
    by_time = [(at, job.tenant_id) for at, job in submitted.jobs]
    assert by_time == [
        ("09:30:00", ids["half"]),
        ("10:00:00", ids["half"]),
        ("10:00:00", ids["hour"]),
        ("10:30:00", ids["half"]),
        ("11:00:00", ids["half"]),
        ("11:00:00", ids["hour"]),
    ]
    assert {job.kind for _, job in submitted.jobs} == {"sweep"}


async def test_a_spread_shifts_each_tenant_by_its_own_fixed_offset(
    sessions: sessionmaker[Session],
) -> None:
    clock = ManualClock(START)
    ids = _tenants(sessions, clock)
    submitted = Submitted(clock)
    scheduler = Scheduler(
        sessions, submitted, clock, sleep=asyncio.sleep, spread_seconds=600, rng=random.Random(5)
    )
    await scheduler.tick()
    offsets = {name: scheduler.offset(ids[name]) for name in ("half", "hour")}
    assert all(0 <= o < 600 for o in offsets.values())
    assert offsets["half"] != offsets["hour"]
    for _ in range(120):  # two hours in one-minute steps
        clock.advance(60)
        await scheduler.tick()
    half = [at for at, job in submitted.jobs if job.tenant_id == ids["half"]]
    assert len(half) == 4
    assert half[0] > "09:30:00"
