"""Who runs the jobs of ``serve`` and ``worker``: asyncio workers in the process (embedded) or
the PostgreSQL job queue (distributed, ``queue = "procrastinate"``).

Embedded: an in-process dispatcher, the scheduler on the tenants' slots and the debouncer of host
changes, all in ``serve``. Distributed: ``serve`` queues jobs (pushes in the transaction of the
change, "sync now" and the like with ``submit``) and, unless ``--no-worker``, runs a worker
beside the API; ``fortnox-bridge worker`` processes run the rest, and the sweeps on the slots come
from the queue's periodic job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from fortnox_bridge.config import Settings
from fortnox_bridge.engine.jobs.dispatch import Dispatcher, InProcessDispatcher, Job
from fortnox_bridge.engine.jobs.scheduler import PushDebouncer, Scheduler
from fortnox_bridge.runtime.errors import SetupError
from fortnox_bridge.runtime.stack import Stack
from fortnox_bridge.services.hooks import OnChange

if TYPE_CHECKING:
    from fortnox_bridge.engine.jobs.queue import JobQueue
    from fortnox_bridge.engine.realtime.intake import DeferIn
    from fortnox_bridge.engine.realtime.service import RealtimeService

log = logging.getLogger(__name__)


def distributed_problem(config: Settings, *, several_processes: bool) -> str | None:
    """Why the distributed mode cannot run on ``config`` (``None`` if it can)."""
    problem = config.queue_problem()
    if problem is not None:
        return problem
    if several_processes and config.fortnox_mode == "sandbox" and not config.sandbox_url:
        return (
            "workers and API processes must all reach the same Fortnox, and an in-process "
            "sandbox lives in one process only: start a standalone one (fortnox-bridge sandbox) "
            "and set FORTNOX_BRIDGE_SANDBOX_URL (or --sandbox-url), or configure the Fortnox app "
            "(FORTNOX_BRIDGE_FORTNOX_CLIENT_ID and _SECRET)"
        )
    return None


def queue_place(config: Settings) -> str:
    """Where the job queue is, for people: ``host/database`` of the store's database."""
    url = make_url(config.effective_database_url)
    return f"{url.host or 'localhost'}/{url.database}"


def open_queue(stack: Stack) -> JobQueue:
    """The job queue in the store's database, its tables made if missing."""
    try:
        from fortnox_bridge.engine.jobs.queue import JobQueue
        from fortnox_bridge.engine.jobs.queue_schema import ensure_schema
    except ImportError as exc:  # the postgres extra is not installed
        raise SetupError(
            f"the distributed mode needs procrastinate ({exc}): "
            "pip install 'fortnox-bridge[postgres]'"
        ) from None
    config = stack.settings
    ensure_schema(stack.engine)
    return JobQueue(
        config.effective_database_url,
        stack.sessions,
        spread_seconds=config.sweep_spread_seconds,
        poll_seconds=config.queue_poll_seconds,
        stalled_seconds=config.queue_stalled_seconds,
        pool_size=config.workers + 4,
    )


def realtime_for(
    stack: Stack, dispatcher: Dispatcher, *, defer_in: DeferIn | None = None
) -> RealtimeService | None:
    """The process's real-time listener (``None``: off, nothing to listen to, or the
    ``websockets`` package is missing)."""
    try:
        from fortnox_bridge.runtime.realtime import open_realtime
    except ImportError as exc:
        log.warning("real time from Fortnox is off: %s (pip install websockets)", exc)
        return None
    return open_realtime(stack, dispatcher, defer_in=defer_in)


class Listening:
    """A real-time service run as a task of the process (nothing when there is none)."""

    def __init__(self, realtime: RealtimeService | None) -> None:
        self.realtime = realtime
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the rounds (claiming the leases, listening where held)."""
        if self.realtime is not None and self._task is None:
            self._task = asyncio.create_task(self.realtime.run())

    async def stop(self) -> None:
        """Stop listening and give the leases back."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class Jobs:
    """What ``serve`` needs of whoever runs the jobs."""

    #: The real-time listener of this process.
    listening: Listening = Listening(None)

    dispatcher: Dispatcher
    scheduler: Scheduler
    #: Told about each stored host change after its commit (embedded mode only).
    on_change: OnChange | None = None

    async def start(self) -> None:
        """Start running jobs."""

    async def stop(self) -> None:
        """Stop running jobs (a running one is cancelled; its writes stay recoverable)."""

    def describe(self) -> str:
        """Where the jobs run, for the "Serving on" line."""
        return ""


class EmbeddedJobs(Jobs):
    """The in-process dispatcher, the scheduler and the push debouncer (the default)."""

    def __init__(self, stack: Stack) -> None:
        config = stack.settings
        self.in_process = InProcessDispatcher(stack.run_job, workers=config.workers)
        self.dispatcher = self.in_process
        self.scheduler = Scheduler(
            stack.sessions,
            self.dispatcher,
            stack.clock,
            sleep=asyncio.sleep,
            spread_seconds=config.sweep_spread_seconds,
            rng=random.Random(),
        )
        debouncer = PushDebouncer(
            self.dispatcher,
            stack.clock,
            sleep=asyncio.sleep,
            quiet=config.push_debounce_seconds,
            max_delay=config.push_max_delay_seconds,
        )
        debouncer.bind(asyncio.get_running_loop())
        self.on_change = debouncer.changed
        self._ticking: asyncio.Task[None] | None = None
        self.listening = Listening(realtime_for(stack, self.dispatcher))

    async def start(self) -> None:
        self.in_process.start()
        self.listening.start()
        for tenant_id, _ in self.scheduler.tenants():  # catch up at start, then on the slots
            await self.dispatcher.submit(Job("sweep", tenant_id, reason="start"))
        self._ticking = asyncio.create_task(self.scheduler.run())

    async def stop(self) -> None:
        await self.listening.stop()
        if self._ticking is not None:
            self._ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticking
        await self.in_process.stop()


class DistributedJobs(Jobs):
    """The PostgreSQL job queue; with ``worker``, a worker in this process too."""

    def __init__(self, stack: Stack, *, worker: bool) -> None:
        self.stack = stack
        self.worker = worker
        self.queue = open_queue(stack)
        self.queue.attach(stack.sessions)  # pushes of stored changes, in their transaction
        self.dispatcher = self.queue
        # Never run: the admin UI reads the next slot from it (the queue's periodic job sweeps).
        self.scheduler = Scheduler(
            stack.sessions,
            self.queue,
            stack.clock,
            sleep=asyncio.sleep,
            spread_seconds=stack.settings.sweep_spread_seconds,
            offsets=self.queue.offset,
        )
        self._working: asyncio.Task[None] | None = None
        if worker:
            realtime = realtime_for(stack, self.queue, defer_in=self.queue.defer_in)
            self.listening = Listening(realtime)

    async def start(self) -> None:
        if self.worker:
            self._working = asyncio.create_task(self._work())
            self.listening.start()

    async def _work(self) -> None:
        try:
            await self.queue.run_worker(self.stack.run_job, concurrency=self.stack.settings.workers)
        except Exception:  # the API goes on; the jobs wait for another worker
            log.exception("the worker in this process stopped")

    async def stop(self) -> None:
        await self.listening.stop()
        if self._working is not None:
            self._working.cancel()  # running jobs get a moment to finish, then are cancelled
            with contextlib.suppress(asyncio.CancelledError):
                await self._working

    def describe(self) -> str:
        if self.worker:
            return f"; jobs from the PostgreSQL queue, {self.stack.settings.workers} at once here"
        return "; jobs from the PostgreSQL queue, run by worker processes"


def open_jobs(stack: Stack, *, worker: bool = True) -> Jobs:
    """Who runs the jobs of ``stack``'s settings: the job queue (``queue = "procrastinate"``;
    with ``worker``, a worker in this process too) or the in-process workers."""
    if stack.settings.queue == "procrastinate":
        return DistributedJobs(stack, worker=worker)
    return EmbeddedJobs(stack)
