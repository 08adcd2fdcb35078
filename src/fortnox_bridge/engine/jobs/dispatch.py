"""Jobs and their dispatch: the seam between *deciding* to run something and *running* it.

The scheduler, the API ("sync now") and the debouncer of host changes only ``submit`` jobs. The
in-process dispatcher runs them on a few asyncio workers in the same process (embedded mode). The
distributed one (``engine/jobs/queue.py``) implements the same ``submit`` by putting the
job's JSON in a job queue in PostgreSQL; its worker processes call the same handler. Flows never
see which one runs them.

Writers of host records also note the changes a push must send in their session
(:func:`note_pushes`): the distributed dispatcher queues those pushes in the transaction that
stores the records, so a stored change always has its push queued; in embedded mode nobody reads
the notes and the API hands changes to the debouncer after the commit.

In-process, a tenant has at most one job running, one sweep waiting and one push waiting: a sweep
submitted while one waits is absorbed (a sweep of some flows widens the waiting one to them; a sweep
of every flow widens it to every flow); one submitted while one runs is run once more afterwards.
Event-driven pushes of a tenant are merged while they wait, and so are fetches (targeted reads of
entities Fortnox announced on its WebSocket topics, ``engine/realtime/``). Jobs of different tenants
run side by side on the workers. Whatever the dispatcher, a writing job also holds the tenant's
writer lease in the store (``writer.py``), so the rule holds across processes too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
JobKind = Literal["sweep", "push", "fetch"]


@dataclass(frozen=True)
class Job:
    """One unit of work for one tenant."""

    kind: JobKind
    tenant_id: int
    #: For pushes: ``((entity, (host id, ...)), ...)``; for fetches ``((topic, (Fortnox id,
    #: ...)), ...)``.
    records: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Why: ``schedule``, ``manual`` or ``event``.
    reason: str = "schedule"
    #: For sweeps: only these flows (a "sync now" of some flows); empty: every enabled flow.
    flows: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what a distributed dispatcher puts on its queue)."""
        return {
            "kind": self.kind,
            "tenant_id": self.tenant_id,
            "records": {entity: list(ids) for entity, ids in self.records},
            "reason": self.reason,
            "flows": list(self.flows),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """Inverse of :meth:`to_dict`."""
        records = tuple(
            (str(entity), tuple(str(i) for i in ids))
            for entity, ids in sorted(data.get("records", {}).items())
        )
        flows = tuple(str(name) for name in data.get("flows", ()))
        return cls(
            data["kind"], int(data["tenant_id"]), records, str(data.get("reason", "")), flows
        )

    @property
    def only(self) -> tuple[str, ...] | None:
        """The flows a sweep is limited to, or ``None`` for every enabled flow."""
        return self.flows or None

    def record_map(self) -> dict[str, list[str]]:
        """``{entity: [host id, ...]}``."""
        return {entity: list(ids) for entity, ids in self.records}


def merge_sweeps(waiting: Job, job: Job) -> Job:
    """One sweep that does what both would: every flow when either runs every flow, else the
    flows of both."""
    if not waiting.flows or not job.flows:
        flows: tuple[str, ...] = ()
    else:
        flows = tuple(dict.fromkeys((*waiting.flows, *job.flows)))
    return replace(waiting, flows=flows)


def push_job(tenant_id: int, changes: Iterable[tuple[str, str]], reason: str = "event") -> Job:
    """A push of the changed ``(entity, host id)`` records of a tenant."""
    return _grouped("push", tenant_id, changes, reason)


def fetch_job(tenant_id: int, changes: Iterable[tuple[str, str]], reason: str = "event") -> Job:
    """A targeted read of the ``(topic, Fortnox id)`` entities Fortnox said changed."""
    return _grouped("fetch", tenant_id, changes, reason)


def merge_records(waiting: Job, job: Job) -> Job:
    """One push (or fetch) of the records of both."""
    changes = [(e, i) for queued in (waiting, job) for e, ids in queued.records for i in ids]
    return _grouped(waiting.kind, job.tenant_id, changes, waiting.reason)


def _grouped(kind: JobKind, tenant_id: int, changes: Iterable[tuple[str, str]], reason: str) -> Job:
    by_entity: dict[str, set[str]] = {}
    for entity, external_id in changes:
        by_entity.setdefault(entity, set()).add(external_id)
    records = tuple((entity, tuple(sorted(ids))) for entity, ids in sorted(by_entity.items()))
    return Job(kind, tenant_id, records, reason)


#: Where a session keeps the pushes its transaction makes necessary: ``{tenant: {(entity, id)}}``.
PUSHES = "fortnox_bridge.pushes"


def note_pushes(session: Session, tenant_id: int, entity: str, external_ids: Iterable[str]) -> None:
    """The transaction of ``session`` stores changes of these host records: they need a push."""
    noted: dict[int, set[tuple[str, str]]] = session.info.setdefault(PUSHES, {})
    noted.setdefault(tenant_id, set()).update((entity, i) for i in external_ids)


def take_pushes(session: Session) -> list[Job]:
    """The push jobs noted in ``session`` (one per tenant), forgetting them."""
    noted: dict[int, set[tuple[str, str]]] = session.info.pop(PUSHES, {})
    return [push_job(tenant_id, changes) for tenant_id, changes in sorted(noted.items()) if changes]


class Dispatcher(Protocol):
    """Takes jobs; runs them somewhere, some time soon."""

    async def submit(self, job: Job) -> None:
        """Queue ``job``."""
        ...


Handler = Callable[[Job], Awaitable[Any]]


@dataclass
class _TenantSlots:
    #: The tenant is in the queue or one of its jobs runs: never both, never two.
    active: bool = False
    running: JobKind | None = None
    last: JobKind | None = None
    sweep: Job | None = None
    push: Job | None = None
    fetch: Job | None = None

    def take(self) -> Job | None:
        """The next job: a push first (a change waits least), then a fetch, unless a push or
        fetch just ran and a sweep waits (a stream of changes never starves the sweep)."""
        sweep_first = self.last in ("push", "fetch") and self.sweep is not None
        job: Job | None
        if self.push is not None and not sweep_first:
            job, self.push = self.push, None
        elif self.fetch is not None and not sweep_first:
            job, self.fetch = self.fetch, None
        else:
            job, self.sweep = self.sweep, None
        return job

    def waiting(self) -> bool:
        """Whether a job of the tenant waits."""
        return self.sweep is not None or self.push is not None or self.fetch is not None


@dataclass
class InProcessDispatcher:
    """Runs jobs on ``workers`` asyncio tasks in this process, one job per tenant at a time.

    The queue holds tenants, not jobs: a worker takes a tenant and runs its next job, so pushes
    that arrive while the tenant waits are merged into one job, and no two workers ever run jobs
    of the same tenant (the one-writer rule holds in the dispatcher before it holds in the store).
    """

    handler: Handler
    workers: int = 4
    _queue: asyncio.Queue[int] = field(default_factory=asyncio.Queue)
    _slots: dict[int, _TenantSlots] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    done: int = 0

    async def submit(self, job: Job) -> None:
        """Queue a job; duplicate sweeps are absorbed, queued pushes (and fetches) merged."""
        slots = self._slots.setdefault(job.tenant_id, _TenantSlots())
        if job.kind == "sweep":
            if slots.sweep is None:
                again = slots.running == "sweep"
                slots.sweep = replace(job, reason="again") if again else job
            else:  # one sweep waits: it also does what this one asks for
                slots.sweep = merge_sweeps(slots.sweep, job)
        elif job.kind == "fetch":
            slots.fetch = job if slots.fetch is None else merge_records(slots.fetch, job)
        elif slots.push is not None:
            slots.push = replace(merge_records(slots.push, job), reason=job.reason)
        else:
            slots.push = job
        self._enqueue(job.tenant_id, slots)

    def running(self, tenant_id: int) -> JobKind | None:
        """The kind of the tenant's job that runs now, if any."""
        slots = self._slots.get(tenant_id)
        return slots.running if slots else None

    def _enqueue(self, tenant_id: int, slots: _TenantSlots) -> None:
        if not slots.active and slots.waiting():
            slots.active = True
            self._queue.put_nowait(tenant_id)

    def start(self) -> None:
        """Start the worker tasks."""
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def join(self) -> None:
        """Wait until every queued job ran (and the sweeps they caused)."""
        await self._queue.join()

    async def stop(self) -> None:
        """Stop the workers (a running job is cancelled: its writes stay recoverable)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _work(self) -> None:
        while True:
            tenant_id = await self._queue.get()
            slots = self._slots[tenant_id]
            try:
                job = slots.take()
                if job is not None:
                    await self._run(job, slots)
            finally:
                slots.active = False
                self._enqueue(tenant_id, slots)  # before task_done: join() sees no gap
                self._queue.task_done()

    async def _run(self, job: Job, slots: _TenantSlots) -> None:
        slots.running = job.kind
        try:
            await self.handler(job)
        except Exception:  # one tenant's failure never stops the workers
            log.exception("job failed", extra={"tenant_id": job.tenant_id, "kind": job.kind})
        finally:
            self.done += 1
            slots.running, slots.last = None, job.kind
