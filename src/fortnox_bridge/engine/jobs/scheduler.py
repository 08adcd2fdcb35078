"""The embedded scheduler: every tenant's sweep on its interval, and debounced event pushes.

Sweeps run on fixed slots of the day: with the default 30 minutes at :00 and :30 (UTC), with 45
minutes at 00:00, 00:45, 01:30, ... A spread of N seconds shifts each tenant's slots by a fixed
offset in ``[0, N)`` drawn once per tenant from the injected random generator, so thousands of
tenants do not all start at :00. Only tenants with an active connection are swept. While the
stream of Fortnox's WebSocket topics is healthy (``engine/realtime/health.py``), events bring
Fortnox's changes and the sweeps are the safety net: each tenant's interval is multiplied by
its ``realtime_sweep_factor`` (4 unless set; 1 keeps it), and is back to normal as soon as the
stream is not.

In the distributed mode the same slots are used by a periodic job that runs once a minute on one
of the workers (``engine/jobs/queue.py``): :func:`due_sweeps` finds the tenants whose slot
fell within the last minute, and :func:`fixed_offset` draws each tenant's shift from its id, so
every process agrees on it.

Host changes reach Fortnox within about a second: the debouncer collects a tenant's changes and
submits one push when ``quiet`` seconds passed without a new change, or ``max_delay`` after the
first one, whichever comes first.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.jobs.dispatch import Dispatcher, Job, push_job
from fortnox_bridge.engine.realtime.health import stream_healthy
from fortnox_bridge.store.models import Connection, Tenant

Sleep = Callable[[float], Awaitable[None]]
#: The scheduler looks again at least this often (new tenants, changed intervals).
MAX_NAP = 60.0


def slot_at_or_before(now: datetime, interval_minutes: int, offset_seconds: float) -> datetime:
    """The latest sweep slot not after ``now`` (slots counted from midnight UTC)."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(minutes=interval_minutes)
    shifted = now - midnight - timedelta(seconds=offset_seconds)
    return midnight + timedelta(seconds=offset_seconds) + (shifted // step) * step


def fixed_offset(tenant_id: int, spread_seconds: float) -> float:
    """A tenant's shift of its slots in ``[0, spread_seconds)``, the same in every process."""
    return random.Random(tenant_id).uniform(0, spread_seconds) if spread_seconds else 0.0


def active_tenants(
    sessions: sessionmaker[Session], now: datetime | None = None
) -> list[tuple[int, int]]:
    """``(tenant id, interval in minutes)`` of tenants with an active connection; given ``now``,
    each interval is stretched by the tenant's ``realtime_sweep_factor`` while the stream of
    Fortnox's topics is healthy (the sweeps are then the safety net only)."""
    stretch = now is not None and stream_healthy(sessions, now)
    with sessions.begin() as session:
        rows = session.execute(
            select(Tenant.id, Tenant.sweep_interval_minutes, Tenant.realtime_sweep_factor)
            .join(Connection, Connection.tenant_id == Tenant.id)
            .where(Connection.state == "active")
            .order_by(Tenant.id)
        )
        return [
            (int(tenant_id), max(int(minutes), 1) * (max(int(factor), 1) if stretch else 1))
            for tenant_id, minutes, factor in rows
        ]


def due_sweeps(
    tenants: Iterable[tuple[int, int]],
    after: datetime,
    until: datetime,
    offset: Callable[[int], float],
) -> list[int]:
    """The tenants (``(id, interval in minutes)``) with a sweep slot in ``(after, until]``."""
    return [
        tenant_id
        for tenant_id, minutes in tenants
        if slot_at_or_before(until, minutes, offset(tenant_id)) > after
    ]


class Scheduler:
    """Submits each active tenant's sweep when its slot comes."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        dispatcher: Dispatcher,
        clock: Clock,
        *,
        sleep: Sleep,
        spread_seconds: float = 0.0,
        rng: random.Random | None = None,
        offsets: Callable[[int], float] | None = None,
    ) -> None:
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.clock = clock
        self.sleep = sleep
        self.spread = spread_seconds
        self.rng = rng or random.Random()
        #: Each tenant's shift, when it is not drawn from ``rng`` (the distributed mode's).
        self.offsets = offsets
        self._offsets: dict[int, float] = {}
        self._last: dict[int, datetime] = {}

    def offset(self, tenant_id: int) -> float:
        """The tenant's fixed shift of its slots, in seconds."""
        if self.offsets is not None:
            return self.offsets(tenant_id)
        if tenant_id not in self._offsets:
            self._offsets[tenant_id] = self.rng.uniform(0, self.spread) if self.spread else 0.0
        return self._offsets[tenant_id]

    def tenants(self) -> list[tuple[int, int]]:
        """``(tenant id, interval in minutes)`` of tenants with an active connection (stretched
        while the stream of Fortnox's topics is healthy)."""
        return active_tenants(self.sessions, self.clock.now())

    async def tick(self) -> float:
        """Submit every sweep that is due; returns seconds until the next slot (capped)."""
        now = self.clock.now()
        nap = MAX_NAP
        for tenant_id, minutes in self.tenants():
            slot = slot_at_or_before(now, minutes, self.offset(tenant_id))
            last = self._last.setdefault(tenant_id, slot)  # first sight: wait for the next slot
            if slot > last:
                self._last[tenant_id] = slot
                await self.dispatcher.submit(Job("sweep", tenant_id, reason="schedule"))
            upcoming = slot + timedelta(minutes=minutes)
            nap = min(nap, (upcoming - now).total_seconds())
        return max(nap, 0.01)

    async def run(self) -> None:
        """Tick forever (cancel the task to stop)."""
        while True:
            await self.sleep(await self.tick())


class PushDebouncer:
    """Turns bursts of host changes into one push per tenant, within about a second."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Clock,
        *,
        sleep: Sleep,
        quiet: float = 0.2,
        max_delay: float = 1.0,
    ) -> None:
        self.dispatcher = dispatcher
        self.clock = clock
        self.sleep = sleep
        self.quiet = quiet
        self.max_delay = max_delay
        self._pending: dict[int, set[tuple[str, str]]] = {}
        self._first: dict[int, datetime] = {}
        self._latest: dict[int, datetime] = {}
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop that runs the pushes (API handlers may call from worker threads)."""
        self._loop = loop

    def changed(self, tenant_id: int, entity: str, external_id: str) -> None:
        """A host record changed (the API calls this after storing it; any thread)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a worker thread of the API: hand over to the engine's loop
            if self._loop is None:
                raise RuntimeError("PushDebouncer.bind(loop) was not called") from None
            self._loop.call_soon_threadsafe(self._record, tenant_id, entity, external_id)
            return
        self._record(tenant_id, entity, external_id)

    def _record(self, tenant_id: int, entity: str, external_id: str) -> None:
        now = self.clock.now()
        self._pending.setdefault(tenant_id, set()).add((entity, external_id))
        self._first.setdefault(tenant_id, now)
        self._latest[tenant_id] = now
        if tenant_id not in self._timers:
            self._timers[tenant_id] = asyncio.get_running_loop().create_task(self._wait(tenant_id))

    async def _wait(self, tenant_id: int) -> None:
        try:
            while True:
                now = self.clock.now()
                quiet_until = self._latest[tenant_id] + timedelta(seconds=self.quiet)
                latest_allowed = self._first[tenant_id] + timedelta(seconds=self.max_delay)
                due = min(quiet_until, latest_allowed)
                if now >= due:
                    break
                await self.sleep((due - now).total_seconds())
            await self.flush(tenant_id)
        finally:
            self._timers.pop(tenant_id, None)

    async def flush(self, tenant_id: int) -> None:
        """Submit the tenant's collected changes now."""
        changes = self._pending.pop(tenant_id, set())
        self._first.pop(tenant_id, None)
        self._latest.pop(tenant_id, None)
        if changes:
            await self.dispatcher.submit(push_job(tenant_id, changes))

    async def drain(self) -> None:
        """Wait for every pending timer (tests, shutdown)."""
        while self._timers:
            await asyncio.gather(*list(self._timers.values()))
