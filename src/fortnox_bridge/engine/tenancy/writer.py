"""One writer per tenant: at most one job writes to a tenant's Fortnox at any moment.

Every job that may write to Fortnox — a sweep, an event-driven push, "sync now", a re-sync, the
apply of a first-synchronization plan, a re-write, a repair — holds the tenant's *writer lease*
(``writer:<tenant id>`` in the store's ``leases`` table) while it runs. The lease is taken with a
compare-and-set in the database, so the rule holds across asyncio tasks, processes and machines
that share the store. Inside one process an ``asyncio.Lock`` per tenant queues the jobs first, so
waiting costs no database polling.

Each holding is a *job* with an id of its own (``host:pid:random``). While the job runs, that id
is the owner of every write it marks in ``push_operations``: the per-record claims are the second
line of defence, and they are owned by the job, not by the process, so two jobs of one process can
never both believe a write is theirs.

A holder renews its lease while it runs. One that died (``kill -9``) is replaced at once when it
was a process on this machine, otherwise when its lease runs out (two minutes without renewal).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import TenantBusyError
from fortnox_bridge.engine.tenancy.workers import abandoned, new_worker_id
from fortnox_bridge.store.leases import LeaseRepository

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

#: How long a holder's lease lasts without renewal; a holder renews it every third of that.
WRITER_LEASE = timedelta(minutes=2)
#: How long a job waits for another job of the same tenant before it gives up.
WRITER_WAIT = timedelta(minutes=30)
#: How often a waiting job looks at the lease again.
POLL_SECONDS = 0.5

#: The jobs this task holds the writer of, by tenant id (set while a job runs).
_HELD: ContextVar[dict[int, str] | None] = ContextVar("fortnox_bridge_writer_held", default=None)


def lease_name(tenant_id: int) -> str:
    """The store lease that one writing job of ``tenant_id`` holds."""
    return f"writer:{tenant_id}"


def current_job(tenant_id: int | None = None) -> str | None:
    """The id of the job this task runs for ``tenant_id`` (any tenant when ``None``)."""
    held = _HELD.get()
    if not held:
        return None
    if tenant_id is None:
        return next(iter(held.values()))
    return held.get(tenant_id)


@dataclass
class TenantWriters:
    """Hands out the tenant writer leases of one store."""

    sessions: sessionmaker[Session]
    clock: Clock
    #: Waits between looks at a lease held by another process (the injected clock in tests).
    sleep: Sleep = asyncio.sleep
    #: Waits between renewals of a lease held by this process (real time).
    heartbeat_sleep: Sleep = asyncio.sleep
    lease: timedelta = WRITER_LEASE
    wait: timedelta = WRITER_WAIT
    poll_seconds: float = POLL_SECONDS
    _local: dict[int, asyncio.Lock] = field(default_factory=dict)

    def busy(self, tenant_id: int) -> bool:
        """Whether a job of this process holds (or waits for) the tenant's writer."""
        lock = self._local.get(tenant_id)
        return lock is not None and lock.locked()

    def holder(self, tenant_id: int) -> str | None:
        """The job that holds the tenant's writer lease now, in any process (``None``: free)."""
        with self.sessions.begin() as session:
            held = LeaseRepository(session).holder(lease_name(tenant_id))
        if held is None or held[1] <= self.clock.now():
            return None
        return held[0]

    @contextlib.asynccontextmanager
    async def hold(self, tenant_id: int, purpose: str, *, wait: bool = True) -> AsyncIterator[str]:
        """Run the body as the tenant's one writer; yields the job id.

        Waits for a job that holds the writer now (``wait=False``: raise at once). A job that
        already holds the tenant's writer in this task (a sweep that the apply of a plan starts)
        goes on as the same job. Raises :class:`TenantBusyError` when the writer stays taken
        longer than :attr:`wait`.
        """
        held = _HELD.get() or {}
        if tenant_id in held:
            yield held[tenant_id]
            return
        lock = self._local.setdefault(tenant_id, asyncio.Lock())
        if not wait and lock.locked():
            raise TenantBusyError(_busy_message(purpose))
        async with lock:
            job = new_worker_id()
            await self._acquire(tenant_id, job, purpose, wait)
            token = _HELD.set({**held, tenant_id: job})
            renewing = asyncio.create_task(self._renew(tenant_id, job))
            try:
                yield job
            finally:
                renewing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewing
                _HELD.reset(token)
                self._release(tenant_id, job)

    @contextlib.contextmanager
    def hold_briefly(self, tenant_id: int, purpose: str) -> Iterator[str]:
        """Run a short body of synchronous code (well within :attr:`lease`, which is not
        renewed) as the tenant's one writer; yields the job id. Raises
        :class:`TenantBusyError` at once when a job of any process holds the tenant's writer."""
        if tenant_id in (_HELD.get() or {}) or self.busy(tenant_id):
            raise TenantBusyError(_busy_message(purpose))
        job = new_worker_id()
        if not self._take(tenant_id, job):
            raise TenantBusyError(_busy_message(purpose))
        try:
            yield job
        finally:
            self._release(tenant_id, job)

    async def _acquire(self, tenant_id: int, job: str, purpose: str, wait: bool) -> None:
        deadline = self.clock.now() + self.wait
        while not self._take(tenant_id, job):
            if not wait or self.clock.now() >= deadline:
                raise TenantBusyError(_busy_message(purpose))
            await self.sleep(self.poll_seconds)

    def _take(self, tenant_id: int, job: str) -> bool:
        name = lease_name(tenant_id)
        now = self.clock.now()
        until = now + self.lease
        try:
            with self.sessions.begin() as session:
                leases = LeaseRepository(session)
                if leases.acquire(name, job, until=until, now=now):
                    return True
                held = leases.holder(name)
                if held is None or not abandoned(held[0], held[1], me=job, now=now):
                    return False
                log.warning(
                    "writer lease of a dead worker taken over",
                    extra={"lease": name, "previous_holder": held[0]},
                )
                return leases.take_over(name, held[0], job, until=until)
        except IntegrityError:
            return False  # another job took it in the same instant

    async def _renew(self, tenant_id: int, job: str) -> None:
        every = self.lease.total_seconds() / 3
        while True:
            await self.heartbeat_sleep(every)
            now = self.clock.now()
            with self.sessions.begin() as session:
                if not LeaseRepository(session).renew(
                    lease_name(tenant_id), job, until=now + self.lease
                ):
                    log.error(
                        "writer lease lost while the job ran",
                        extra={"tenant_id": tenant_id, "job": job},
                    )
                    return

    def _release(self, tenant_id: int, job: str) -> None:
        with self.sessions.begin() as session:
            LeaseRepository(session).release(lease_name(tenant_id), job)


def _busy_message(purpose: str) -> str:
    return (
        f"another job is writing to this tenant's Fortnox, so the {purpose} did not start; "
        "it runs when that job has finished — try again in a moment"
    )
