"""The distributed mode: jobs wait in PostgreSQL (procrastinate) and worker processes run them.

:class:`JobQueue` is a :class:`~fortnox_bridge.engine.jobs.dispatch.Dispatcher`: ``submit`` puts a
sweep or a push in procrastinate's job table, in the store's own database, and every
``fortnox-bridge worker`` (and ``serve``, unless it runs with ``--no-worker``) takes jobs from it
and runs them with the same handler as the embedded mode.

- **One job of a tenant at a time**, however many workers run: every job carries the lock
  ``tenant:<id>``, and procrastinate starts no job while another job with its lock runs.
- **At most one sweep, one push and one fetch waiting per tenant** (queueing locks ``sweep:<id>``,
  ``push:<id>``, ``fetch:<id>``; a fetch is the targeted read of entities Fortnox announced on its
  WebSocket topics, merged like pushes). A sweep submitted while one waits is absorbed. A push (or
  fetch) submitted while one waits is merged into it: its records join the waiting job's, and the
  waiting job's row stays locked until the submitting transaction commits, so the job cannot start
  before the records it has to send are visible.
- **Pushes are queued in the transaction that stores the change** (:meth:`JobQueue.attach`):
  writers note the records a push must send in their session (``dispatch.note_pushes``) and the
  push is deferred just before the commit. A change is never stored without its push, and a
  rolled-back write queues nothing.
- **Sweeps on the tenants' slots**: a periodic job runs every minute (procrastinate defers it once
  per minute whatever the number of workers) and queues a sweep of each tenant whose slot fell
  within that minute, with the scheduler's slot rules.
- **A dead worker's job runs again**: workers send heartbeats; a running job whose worker has
  sent none for ``stalled_seconds`` is put back in the queue by the recovery loop every worker
  runs (one at a time, under an advisory lock). The tenant's writer lease and the pending-create
  markers make the second run safe.

Job handlers never raise into procrastinate: a failure is logged and the next sweep looks at the
tenant again, as in embedded mode (a job retried by procrastinate could collide with the next one
queued for the same tenant and stay blocked). A job cancelled because its worker stops is queued
again, merged like any other. Finished jobs are deleted from the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import psycopg
from procrastinate import App, JobContext, SyncPsycopgConnector
from procrastinate import exceptions as queue_errors
from procrastinate import jobs as queue_jobs
from procrastinate.manager import JobManager
from psycopg.types.json import Jsonb
from sqlalchemy import event, text
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.jobs.dispatch import (
    Handler,
    Job,
    merge_records,
    merge_sweeps,
    take_pushes,
)
from fortnox_bridge.engine.jobs.queue_schema import analyze_jobs, libpq_url
from fortnox_bridge.engine.jobs.scheduler import active_tenants, due_sweeps, fixed_offset
from fortnox_bridge.engine.jobs.wakeups import WakefulWorker, WakingConnector

log = logging.getLogger(__name__)

#: procrastinate's queue of the bridge's jobs.
QUEUE = "fortnox-bridge"
SWEEP_TASK = "fortnox_bridge.sweep"
PUSH_TASK = "fortnox_bridge.push"
FETCH_TASK = "fortnox_bridge.fetch"
TASKS = {"sweep": SWEEP_TASK, "push": PUSH_TASK, "fetch": FETCH_TASK}
TICK_TASK = "fortnox_bridge.sweep_tick"
#: The sweep tick runs every minute and looks at the minute before its scheduled time.
TICK_CRON = "* * * * *"
TICK = timedelta(minutes=1)
#: A waiting push of a tenant runs before its waiting sweep (a host change is waited for).
PUSH_PRIORITY = 1
#: How long a stopping worker lets running jobs finish before it cancels them.
SHUTDOWN_GRACE = 10.0
#: The key of the advisory lock that lets one worker at a time recover stalled jobs.
RECOVERY_LOCK = 0x466E_4272_5153_0002
#: Where a job finds its handler in procrastinate's job context.
HANDLER = "fortnox_bridge.handler"
#: Tries to queue a push when the waiting one starts at the same moment.
ATTEMPTS = 3
#: Queueing this many sweeps at once refreshes the job table's statistics (see analyze_jobs).
ANALYZE_AT = 100


def tenant_lock(tenant_id: int) -> str:
    """The lock every job of the tenant carries: one of them runs at a time."""
    return f"tenant:{tenant_id}"


def queueing_lock(job: Job) -> str:
    """At most one job of this kind waits per tenant."""
    return f"{job.kind}:{job.tenant_id}"


def _kwargs(job: Job) -> dict[str, Any]:
    """What procrastinate keeps of a job (its task tells the kind)."""
    data = job.to_dict()
    del data["kind"]
    del data["records" if job.kind == "sweep" else "flows"]
    if not data.get("flows", True):
        del data["flows"]  # a sweep of every flow
    return data


class JobQueue:
    """Sweeps and pushes in procrastinate's job queue, in the store's PostgreSQL database."""

    def __init__(
        self,
        database_url: str,
        sessions: sessionmaker[Session],
        *,
        spread_seconds: float = 0.0,
        poll_seconds: float = 1.0,
        stalled_seconds: float = 20.0,
        pool_size: int = 8,
        periodic: bool = True,
        shutdown_grace: float = SHUTDOWN_GRACE,
    ) -> None:
        self.sessions = sessions
        self.shutdown_grace = shutdown_grace
        self.spread = spread_seconds
        self.poll_seconds = poll_seconds
        self.stalled_seconds = stalled_seconds
        self.connector = WakingConnector(
            conninfo=libpq_url(database_url), min_size=1, max_size=max(pool_size, 3)
        )
        self.app = App(connector=self.connector)
        #: Defers jobs on connections it is handed (a session's, inside its transaction).
        self._deferrer = JobManager(SyncPsycopgConnector())
        self._register(periodic)

    # -- submitting ----------------------------------------------------------------------------

    async def submit(self, job: Job) -> None:
        """Queue ``job`` (a sweep is absorbed by a waiting one, a push merged into it)."""
        await asyncio.to_thread(self.defer, job)

    def defer(self, job: Job) -> None:
        """:meth:`submit` from a thread, in a transaction of its own."""
        with self.sessions.begin() as session:
            self.defer_in(session, job)

    def defer_in(self, session: Session, job: Job) -> None:
        """Queue ``job`` in the transaction of ``session``: it exists once that commits."""
        raw = cast(psycopg.Connection[Any], session.connection().connection.driver_connection)
        if raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            # Nothing ran in the session's transaction yet, so psycopg has not begun it: its
            # transaction block below would be a transaction of its own, committed at once.
            session.execute(text("SELECT 1"))
        queued = self.app.tasks[TASKS[job.kind]].configure(
            lock=tenant_lock(job.tenant_id),
            queueing_lock=queueing_lock(job),
            task_kwargs=_kwargs(job),
        )
        for _ in range(ATTEMPTS):
            try:
                with raw.transaction():  # a savepoint: a refused insert leaves the rest intact
                    self._deferrer.defer_job(queued.job, connection=raw)
                return
            except queue_errors.AlreadyEnqueued:
                # A waiting sweep absorbs this one (widened to its flows); a waiting push takes
                # this one's records.
                if self._merge(raw, job) or job.kind == "sweep":
                    return
        log.warning("push not queued", extra={"tenant_id": job.tenant_id, "job": job.to_dict()})

    def _merge(self, raw: psycopg.Connection[Any], job: Job) -> bool:
        """Add a push's records to the tenant's waiting push (a sweep's flows to its waiting
        sweep), keeping that job's row locked until this transaction ends; ``False`` if none
        waits any more (it has just started)."""
        with raw.cursor() as cursor:
            row = cursor.execute(
                "SELECT id, args FROM procrastinate_jobs "
                "WHERE queueing_lock = %s AND status = 'todo' FOR UPDATE",
                (queueing_lock(job),),
            ).fetchone()
            if row is None:
                return False
            job_id, args = row
            waiting = Job.from_dict({**args, "kind": job.kind})
            merged = (
                merge_sweeps(waiting, job) if job.kind == "sweep" else merge_records(waiting, job)
            )
            if (merged.records, merged.flows) != (waiting.records, waiting.flows):
                cursor.execute(
                    "UPDATE procrastinate_jobs SET args = %s WHERE id = %s",
                    (Jsonb(_kwargs(merged)), job_id),
                )
        return True

    def attach(self, sessions: sessionmaker[Session]) -> None:
        """Queue the pushes that writers note in sessions of ``sessions``, in their transaction."""
        event.listen(sessions, "before_commit", self._queue_noted)
        event.listen(sessions, "after_rollback", _forget_noted)

    def _queue_noted(self, session: Session) -> None:
        for job in take_pushes(session):
            self.defer_in(session, job)

    # -- sweeps on the tenants' slots ----------------------------------------------------------

    def offset(self, tenant_id: int) -> float:
        """The tenant's shift of its sweep slots (the same in every process)."""
        return fixed_offset(tenant_id, self.spread)

    async def tick(self, timestamp: int) -> list[int]:
        """Queue a sweep of every active tenant with a slot in the minute up to ``timestamp``
        (seconds since the epoch); returns those tenants. Running it twice queues nothing more
        while the sweeps wait."""
        return await asyncio.to_thread(self._tick, timestamp)

    def _tick(self, timestamp: int) -> list[int]:
        until = datetime.fromtimestamp(timestamp, UTC)
        due = due_sweeps(active_tenants(self.sessions, until), until - TICK, until, self.offset)
        for chunk in _chunks(due, 200):
            with self.sessions.begin() as session:
                self.queue_sweeps(session, chunk, reason="schedule")
        return due

    def queue_sweeps(self, session: Session, tenant_ids: list[int], *, reason: str) -> None:
        """Queue a sweep of each tenant in the transaction of ``session``; from
        :data:`ANALYZE_AT` at once, the job table's statistics are refreshed with them."""
        for tenant_id in tenant_ids:
            self.defer_in(session, Job("sweep", tenant_id, reason=reason))
        if len(tenant_ids) >= ANALYZE_AT:
            analyze_jobs(session)

    # -- workers -------------------------------------------------------------------------------

    async def run_worker(
        self,
        handler: Handler,
        *,
        concurrency: int = 4,
        wait: bool = True,
        install_signal_handlers: bool = False,
        name: str = "worker",
    ) -> None:
        """Run jobs with ``handler`` until stopped (signal, cancel) or, without ``wait``, until
        the queue is empty. A waiting worker also recovers the jobs of dead workers."""
        async with self.app.open_async():
            recovering = asyncio.create_task(self._recover_forever()) if wait else None
            try:
                worker = WakefulWorker(
                    self.app,
                    queues=[QUEUE],
                    name=name,
                    concurrency=concurrency,
                    wait=wait,
                    fetch_job_polling_interval=self.poll_seconds,
                    abort_job_polling_interval=max(self.poll_seconds, 5.0),
                    shutdown_graceful_timeout=self.shutdown_grace,
                    listen_notify=True,
                    delete_jobs=queue_jobs.DeleteJobCondition.SUCCESSFUL,
                    additional_context={HANDLER: handler},
                    install_signal_handlers=install_signal_handlers,
                    update_heartbeat_interval=self.stalled_seconds / 4,
                    stalled_worker_timeout=self.stalled_seconds,
                )
                await worker.run()  # type: ignore[no-untyped-call]
            finally:
                if recovering is not None:
                    recovering.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await recovering

    async def _recover_forever(self) -> None:
        while True:
            await asyncio.sleep(self.stalled_seconds / 4)
            try:
                await self.recover_stalled()
            except Exception:  # the database may be away for a moment: try again later
                log.exception("recovering stalled jobs failed")

    async def recover_stalled(self) -> int:
        """Put the running jobs of workers without a recent heartbeat back in the queue (one
        process at a time); returns how many. The app must be open."""
        manager = self.app.job_manager
        async with self.connector.pool.connection() as lock:
            await lock.set_autocommit(True)  # the lock is the session's, not a transaction's
            try:
                taken = await lock.execute("SELECT pg_try_advisory_lock(%s)", (RECOVERY_LOCK,))
                got = await taken.fetchone()
                if not got or not got[0]:
                    return 0
                try:
                    stalled = await manager.get_stalled_jobs(
                        queue=QUEUE, seconds_since_heartbeat=self.stalled_seconds
                    )
                    return sum([await self._run_again(job) for job in stalled])
                finally:
                    await lock.execute("SELECT pg_advisory_unlock(%s)", (RECOVERY_LOCK,))
            finally:
                await lock.set_autocommit(False)

    async def _run_again(self, job: queue_jobs.Job) -> bool:
        manager = self.app.job_manager
        extra = {"job_id": job.id, "task": job.task_name, "lock": job.lock}
        try:
            await manager.retry_job(job)
        except queue_errors.UniqueViolation:
            # The same kind of job waits already for the tenant: it does this one's work (a
            # push takes this one's records first).
            kind = next(k for k, task in TASKS.items() if task == job.task_name)
            if kind != "sweep":
                await self.submit(Job.from_dict({**job.task_kwargs, "kind": kind}))
            await manager.finish_job(job, status=queue_jobs.Status.ABORTED, delete_job=True)
            log.warning("job of a dead worker merged into the waiting one", extra=extra)
            return True
        except queue_errors.ConnectorException:
            return False  # it is not running any more (finished late, or recovered already)
        log.warning("job of a dead worker queued again", extra=extra)
        return True

    async def _run(self, context: JobContext, job: Job) -> None:
        handler: Handler = context.additional_context[HANDLER]
        try:
            await handler(job)
        except Exception:  # one tenant's failure never stops the worker; the next sweep retries
            log.exception("job failed", extra={"tenant_id": job.tenant_id, "kind": job.kind})
        except asyncio.CancelledError:  # the worker stops: queue the job again for another
            try:
                self.defer(job)
            except Exception:
                log.exception("a stopped job could not be queued again", extra=job.to_dict())
            raise

    def _register(self, periodic: bool) -> None:
        app = self.app

        @app.task(name=SWEEP_TASK, queue=QUEUE, pass_context=True)
        async def sweep(
            context: JobContext,
            tenant_id: int,
            reason: str = "schedule",
            flows: list[str] | None = None,
        ) -> None:
            job = Job("sweep", tenant_id, reason=reason, flows=tuple(flows or ()))
            await self._run(context, job)

        @app.task(name=PUSH_TASK, queue=QUEUE, pass_context=True, priority=PUSH_PRIORITY)
        async def push(
            context: JobContext,
            tenant_id: int,
            records: dict[str, list[str]] | None = None,
            reason: str = "event",
        ) -> None:
            data = {"kind": "push", "tenant_id": tenant_id, "records": records or {}}
            await self._run(context, Job.from_dict({**data, "reason": reason}))

        @app.task(name=FETCH_TASK, queue=QUEUE, pass_context=True, priority=PUSH_PRIORITY)
        async def fetch(
            context: JobContext,
            tenant_id: int,
            records: dict[str, list[str]] | None = None,
            reason: str = "event",
        ) -> None:
            data = {"kind": "fetch", "tenant_id": tenant_id, "records": records or {}}
            await self._run(context, Job.from_dict({**data, "reason": reason}))

        @app.task(name=TICK_TASK, queue=QUEUE, pass_context=True, queueing_lock=TICK_TASK)
        async def sweep_tick(context: JobContext, timestamp: int) -> None:
            try:
                due = await self.tick(timestamp)
            except Exception:
                log.exception("queueing the sweeps of a minute failed", extra={"at": timestamp})
            else:
                log.info("sweeps queued", extra={"at": timestamp, "tenants": len(due)})

        if periodic:
            app.periodic(cron=TICK_CRON, periodic_id="sweeps")(sweep_tick)


def _forget_noted(session: Session) -> None:
    take_pushes(session)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
