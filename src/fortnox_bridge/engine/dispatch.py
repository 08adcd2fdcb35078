"""Jobs and their dispatch: the seam between *deciding* to run something and *running* it.

The scheduler, the API ("sync now") and the debouncer of host changes only ``submit`` jobs. The
in-process dispatcher runs them on a few asyncio workers in the same process (embedded mode). A
distributed dispatcher (Celery workers over Redis, see ``docs/architecture.md``) implements the
same ``submit`` by sending the job's JSON to a queue; its workers call the same handler. Flows
never see which one runs them.

In-process, a tenant has at most one sweep queued and one running: a sweep submitted while one
is queued is absorbed; one submitted while one runs is run once more afterwards. Event-driven
pushes of a tenant are merged while queued and run beside sweeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)
JobKind = Literal["sweep", "push"]


@dataclass(frozen=True)
class Job:
    """One unit of work for one tenant."""

    kind: JobKind
    tenant_id: int
    #: For pushes: ``((entity, (host id, ...)), ...)``.
    records: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Why: ``schedule``, ``manual`` or ``event``.
    reason: str = "schedule"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what a distributed dispatcher puts on its queue)."""
        return {
            "kind": self.kind,
            "tenant_id": self.tenant_id,
            "records": {entity: list(ids) for entity, ids in self.records},
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """Inverse of :meth:`to_dict`."""
        records = tuple(
            (str(entity), tuple(str(i) for i in ids))
            for entity, ids in sorted(data.get("records", {}).items())
        )
        return cls(data["kind"], int(data["tenant_id"]), records, str(data.get("reason", "")))

    def record_map(self) -> dict[str, list[str]]:
        """``{entity: [host id, ...]}``."""
        return {entity: list(ids) for entity, ids in self.records}


def push_job(tenant_id: int, changes: Iterable[tuple[str, str]], reason: str = "event") -> Job:
    """A push of the changed ``(entity, host id)`` records of a tenant."""
    by_entity: dict[str, set[str]] = {}
    for entity, external_id in changes:
        by_entity.setdefault(entity, set()).add(external_id)
    records = tuple((entity, tuple(sorted(ids))) for entity, ids in sorted(by_entity.items()))
    return Job("push", tenant_id, records, reason)


class Dispatcher(Protocol):
    """Takes jobs; runs them somewhere, some time soon."""

    async def submit(self, job: Job) -> None:
        """Queue ``job``."""
        ...


Handler = Callable[[Job], Awaitable[Any]]


@dataclass
class _TenantSlots:
    sweep_queued: bool = False
    sweep_running: bool = False
    sweep_again: bool = False
    push_queued: Job | None = None


@dataclass
class InProcessDispatcher:
    """Runs jobs on ``workers`` asyncio tasks in this process."""

    handler: Handler
    workers: int = 4
    _queue: asyncio.Queue[Job] = field(default_factory=asyncio.Queue)
    _slots: dict[int, _TenantSlots] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    done: int = 0

    async def submit(self, job: Job) -> None:
        """Queue a job; duplicate sweeps are absorbed, queued pushes merged."""
        slots = self._slots.setdefault(job.tenant_id, _TenantSlots())
        if job.kind == "sweep":
            if slots.sweep_queued:
                return
            if slots.sweep_running:
                slots.sweep_again = True
                return
            slots.sweep_queued = True
        elif slots.push_queued is not None:
            merged = push_job(
                job.tenant_id,
                [
                    (e, i)
                    for queued in (slots.push_queued, job)
                    for e, ids in queued.records
                    for i in ids
                ],
                job.reason,
            )
            slots.push_queued = merged
            return
        else:
            slots.push_queued = job
        self._queue.put_nowait(job)

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
            job = await self._queue.get()
            try:
                await self._run(job)
            finally:
                self._queue.task_done()

    async def _run(self, job: Job) -> None:
        slots = self._slots.setdefault(job.tenant_id, _TenantSlots())
        if job.kind == "sweep":
            slots.sweep_queued, slots.sweep_running = False, True
        else:
            job, slots.push_queued = slots.push_queued or job, None
        try:
            await self.handler(job)
        except Exception:  # one tenant's failure never stops the workers
            log.exception("job failed", extra={"tenant_id": job.tenant_id, "kind": job.kind})
        finally:
            self.done += 1
            if job.kind == "sweep":
                slots.sweep_running = False
                if slots.sweep_again:
                    slots.sweep_again = False
                    await self.submit(Job("sweep", job.tenant_id, reason="again"))
