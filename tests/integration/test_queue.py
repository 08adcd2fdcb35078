"""The distributed mode on a real PostgreSQL with real procrastinate workers: pushes queued in the
transaction of the change, one waiting job per kind and tenant, one running job per tenant, the
sweeps of each minute, and jobs of dead workers run again."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.entities import discover_entities
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs import queue as queue_module
from fortnox_bridge.engine.jobs.dispatch import Job, push_job
from fortnox_bridge.engine.jobs.queue import QUEUE, JobQueue
from fortnox_bridge.engine.jobs.queue_schema import ensure_schema
from fortnox_bridge.engine.sync.conflicts import resolve_conflict
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.records import EntityWriter, Incoming
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import Bridge, employee

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(postgres_url: str) -> str:
    """The store on PostgreSQL only: the job queue lives there."""
    return postgres_url


@pytest.fixture
def queue(db_url: str, sessions: sessionmaker[Session]) -> JobQueue:
    """The job queue over the store (no periodic tick: the tests call it), pushes attached."""
    bind = sessions.kw["bind"]
    assert ensure_schema(bind) is True
    assert ensure_schema(bind) is False  # a second start finds the tables
    made = JobQueue(db_url, sessions, poll_seconds=0.05, periodic=False)
    made.attach(sessions)
    return made


def _jobs(sessions: sessionmaker[Session]) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    """``(task, status, lock, args)`` of every job, oldest first."""
    with sessions.begin() as session:
        rows = session.execute(
            text("SELECT task_name, status, lock, args FROM procrastinate_jobs ORDER BY id")
        )
        return [(str(task), str(status), lock, dict(args)) for task, status, lock, args in rows]


def _tenant(
    sessions: sessionmaker[Session], name: str, minutes: int = 30, state: str = "active"
) -> int:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with sessions.begin() as session:
        tenant = TenantRepository(session).create(name, now=now)
        tenant.sweep_interval_minutes = minutes
        ConnectionRepository(session).create(tenant.id, f"k{tenant.id}", now=now).state = state
        return tenant.id


@pytest.fixture
async def api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, queue: JobQueue
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API as ``serve`` runs it in the distributed mode (no debouncer)."""
    await bridge.connect()
    hooks = EngineHooks(dispatcher=queue, service=bridge.service)
    app = api_app(sessions, clock=clock, hooks=hooks)
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(bridge.tenant)
        assert tenant is not None
        key = TenantRepository(session).issue_api_key(tenant, label="test", now=clock.now())
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


async def test_a_stored_change_is_queued_with_it_and_a_worker_sends_it_to_fortnox(
    api: httpx.AsyncClient,
    queue: JobQueue,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    engine_client: FortnoxClient,
) -> None:
    first = await api.put("/api/v1/employees/e1", json=employee(1))
    assert first.status_code == 201
    lock = f"tenant:{bridge.tenant}"
    push = {"tenant_id": bridge.tenant, "records": {"employee": ["e1"]}, "reason": "event"}
    assert _jobs(sessions) == [("fortnox_bridge.push", "todo", lock, push)]
    second = await api.put("/api/v1/employees/e2", json=employee(2))
    assert second.status_code == 201
    same = await api.put("/api/v1/employees/e1", json=employee(1))
    assert same.json()["status"] == "unchanged"
    push["records"] = {"employee": ["e1", "e2"]}
    assert _jobs(sessions) == [("fortnox_bridge.push", "todo", lock, push)]  # merged

    ran: list[Job] = []

    async def handle(job: Job) -> None:
        ran.append(job)
        await bridge.service.push(job.tenant_id, job.record_map())

    await queue.run_worker(handle, concurrency=2, wait=False)
    assert ran == [Job("push", bridge.tenant, (("employee", ("e1", "e2")),), "event")]
    emails = sorted([e.email or "" async for e in engine_client.employees.iterate()])
    assert emails == ["person1@example.se", "person2@example.se"]
    assert _jobs(sessions) == []  # a finished job leaves the table
    operations = (await api.get("/api/v1/operations")).json()["data"]
    assert {op["status"] for op in operations} == {"succeeded"}


async def test_a_rolled_back_write_queues_nothing(
    queue: JobQueue, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, "Rollback AB")
    entities = discover_entities()
    (entity,) = [e for e in entities if e.entity == "employee"]
    writer = EntityWriter(entity, entities, discover_flows())
    payload, issues = writer.validator.payload(employee(1))
    assert issues == []

    def refuse(session: Session, outcomes: list[Any]) -> None:
        raise RuntimeError("the request failed after the write")

    incoming = [Incoming(0, "e1", "upsert", payload=payload)]
    with pytest.raises(RuntimeError, match="after the write"):
        writer.write(sessions, tenant, incoming, now=clock.now(), before_commit=refuse)
    assert _jobs(sessions) == []
    with sessions.begin() as session:
        assert MirrorRepository(session).rows(tenant, "employee", ["e1"]) == {}

    (outcome,) = writer.write(sessions, tenant, incoming, now=clock.now())
    assert outcome.status == "created"
    assert [(task, args["records"]) for task, _, _, args in _jobs(sessions)] == [
        ("fortnox_bridge.push", {"employee": ["e1"]})
    ]


async def test_a_job_queued_first_in_a_transaction_exists_once_it_commits(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    tenant = _tenant(sessions, "First AB")
    with sessions() as session:
        session.begin()
        queue.defer_in(session, Job("sweep", tenant, reason="manual"))
        queue.defer_in(session, Job("sweep", tenant, reason="schedule"))  # absorbed
        assert _jobs(sessions) == []  # not before the commit
        session.rollback()
    assert _jobs(sessions) == []
    with sessions.begin() as session:
        queue.defer_in(session, Job("sweep", tenant, reason="manual"))
    assert [(task, status) for task, status, _, _ in _jobs(sessions)] == [
        ("fortnox_bridge.sweep", "todo")
    ]


async def test_a_tenant_has_one_sweep_and_one_push_waiting(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    tenant, other = _tenant(sessions, "One AB"), _tenant(sessions, "Two AB")
    await queue.submit(Job("sweep", tenant, reason="manual"))
    await queue.submit(Job("sweep", tenant, reason="schedule"))
    await queue.submit(push_job(tenant, [("employee", "e2")]))
    await queue.submit(push_job(tenant, [("employee", "e1"), ("absence", "a1")]))
    # A waiting sweep of some flows widens to the flows of the next.
    await queue.submit(Job("sweep", other, reason="manual", flows=("hr.absence.push",)))
    await queue.submit(Job("sweep", other, reason="manual", flows=("hr.employee.push",)))
    assert _jobs(sessions) == [
        (
            "fortnox_bridge.sweep",
            "todo",
            f"tenant:{tenant}",
            {"tenant_id": tenant, "reason": "manual"},
        ),
        (
            "fortnox_bridge.push",
            "todo",
            f"tenant:{tenant}",
            {
                "tenant_id": tenant,
                "records": {"absence": ["a1"], "employee": ["e1", "e2"]},
                "reason": "event",
            },
        ),
        (
            "fortnox_bridge.sweep",
            "todo",
            f"tenant:{other}",
            {
                "tenant_id": other,
                "reason": "manual",
                "flows": ["hr.absence.push", "hr.employee.push"],
            },
        ),
    ]


async def test_a_waiting_push_cannot_start_before_the_change_merged_into_it_commits(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    tenant = _tenant(sessions, "Pinned AB")
    await queue.submit(push_job(tenant, [("employee", "e1")]))
    async with queue.app.open_async():
        manager = queue.app.job_manager
        worker = await manager.register_worker()
        for added in ("e1", "e2"):  # nothing new, then a record more: locked either way
            with sessions.begin() as session:
                queue.defer_in(session, push_job(tenant, [("employee", added)]))
                assert await manager.fetch_job(queues=[QUEUE], worker_id=worker) is None
        fetched = await manager.fetch_job(queues=[QUEUE], worker_id=worker)
        assert fetched is not None
        assert fetched.task_kwargs["records"] == {"employee": ["e1", "e2"]}


async def test_jobs_of_a_tenant_never_run_at_the_same_time(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    tenants = [_tenant(sessions, f"Parallel {n} AB") for n in range(3)]
    for tenant in tenants:  # the push is fetched first (priority), then the sweep if unlocked
        await queue.submit(Job("sweep", tenant))
        await queue.submit(push_job(tenant, [("employee", "e1")]))
    expected, slots = 2 * len(tenants), 4
    running: Counter[int] = Counter()
    peak: Counter[int] = Counter()
    spans: dict[int, list[tuple[str, float, float]]] = {t: [] for t in tenants}
    started, finished, most, found_nothing = 0, 0, 0, 0
    changed = asyncio.Condition()
    done = asyncio.Event()
    manager = queue.app.job_manager
    fetch = manager.fetch_job

    async def counted_fetch(*args: Any, **kwargs: Any) -> Any:
        nonlocal found_nothing
        job = await fetch(*args, **kwargs)
        if job is None:
            async with changed:
                found_nothing += 1
                changed.notify_all()
        return job

    manager.fetch_job = counted_fetch  # type: ignore[method-assign]

    async def handle(job: Job) -> None:
        nonlocal started, finished, most
        began = time.monotonic()
        async with changed:
            running[job.tenant_id] += 1
            peak[job.tenant_id] = max(peak[job.tenant_id], running[job.tenant_id])
            started += 1
            most = max(most, sum(running.values()))
            changed.notify_all()
            # Hold the job until the worker found nothing more it may start (or every slot is
            # taken, or every job started): jobs that may overlap do so.
            looked = found_nothing
            await asyncio.wait_for(
                changed.wait_for(
                    lambda: (
                        found_nothing > looked
                        or started == expected
                        or sum(running.values()) == slots
                    )
                ),
                timeout=30,
            )
            running[job.tenant_id] -= 1
            finished += 1
        spans[job.tenant_id].append((job.kind, began, time.monotonic()))
        if finished == expected:
            done.set()

    working = asyncio.create_task(queue.run_worker(handle, concurrency=slots))
    try:
        await asyncio.wait_for(done.wait(), timeout=60)
    finally:
        working.cancel()
        await asyncio.gather(working, return_exceptions=True)
    assert dict(peak) == dict.fromkeys(tenants, 1)
    assert most == len(tenants)  # the tenants ran side by side
    for tenant in tenants:
        assert [kind for kind, _, _ in spans[tenant]] == ["push", "sweep"]
        (_, _, push_ended), (_, sweep_began, _) = spans[tenant]
        assert push_ended <= sweep_began
    assert _jobs(sessions) == []


async def test_each_minute_queues_a_sweep_of_the_tenants_due_once(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    half, hour = _tenant(sessions, "Half AB", 30), _tenant(sessions, "Hour AB", 60)
    _tenant(sessions, "Paused AB", 30, "paused")
    at_ten = int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())
    assert await queue.tick(at_ten) == [half, hour]
    assert await queue.tick(at_ten) == [half, hour]  # a second run queues nothing more
    assert await queue.tick(at_ten + 60) == []
    assert [(task, args) for task, _, _, args in _jobs(sessions)] == [
        ("fortnox_bridge.sweep", {"tenant_id": half, "reason": "schedule"}),
        ("fortnox_bridge.sweep", {"tenant_id": hour, "reason": "schedule"}),
    ]
    assert await queue.tick(at_ten + 30 * 60) == [half]
    assert len(_jobs(sessions)) == 2  # the waiting sweep absorbed it


async def test_a_minute_with_many_sweeps_refreshes_the_job_table_statistics(
    queue: JobQueue, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planned with the statistics of an empty job table, procrastinate's fetch reads every
    waiting job before taking one; a tick that queues many sweeps analyzes the table with them."""
    monkeypatch.setattr(queue_module, "ANALYZE_AT", 3)

    def rows_known() -> float:
        with sessions.begin() as session:
            return float(
                session.execute(
                    text("SELECT reltuples FROM pg_class WHERE relname = 'procrastinate_jobs'")
                ).scalar_one()
            )

    before = rows_known()
    few = [_tenant(sessions, f"Few {n} AB", 30) for n in range(2)]
    at_ten = int(datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())
    assert await queue.tick(at_ten) == few
    assert rows_known() == before  # two sweeps: the statistics are left to autovacuum
    more = [_tenant(sessions, f"More {n} AB", 30) for n in range(3)]
    assert await queue.tick(at_ten + 30 * 60) == few + more
    assert rows_known() == 5  # the waiting sweeps, counted as the tick committed them
    assert len(_jobs(sessions)) == 5


async def test_the_periodic_tick_is_registered_once_a_minute(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    with_tick = JobQueue(db_url, sessions)
    (periodic,) = with_tick.app.periodic_registry.periodic_tasks.values()
    assert (periodic.task.name, periodic.cron, periodic.task.queueing_lock) == (
        "fortnox_bridge.sweep_tick",
        "* * * * *",
        "fortnox_bridge.sweep_tick",
    )


def _dead(engine: Engine, worker: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' "
                "WHERE id = :id"
            ),
            {"id": worker},
        )


async def test_the_job_of_a_dead_worker_runs_again(
    queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    tenant, other = _tenant(sessions, "Crash AB"), _tenant(sessions, "Other AB")
    await queue.submit(push_job(tenant, [("employee", "e1")]))
    await queue.submit(Job("sweep", other))
    async with queue.app.open_async():
        manager = queue.app.job_manager
        dead = await manager.register_worker()
        taken = [await manager.fetch_job(queues=[QUEUE], worker_id=dead) for _ in range(2)]
        assert [job.task_name for job in taken if job] == [
            "fortnox_bridge.push",
            "fortnox_bridge.sweep",
        ]
        # A change comes while the dead worker's push "runs": it waits behind it.
        await queue.submit(push_job(tenant, [("employee", "e2")]))
        assert await queue.recover_stalled() == 0  # its heartbeat is recent
        _dead(sessions.kw["bind"], dead)
        assert await queue.recover_stalled() == 2
        assert await queue.recover_stalled() == 0
    assert sorted(
        (task, status, args.get("records")) for task, status, _, args in _jobs(sessions)
    ) == [
        ("fortnox_bridge.push", "todo", {"employee": ["e1", "e2"]}),  # the dead one merged in
        ("fortnox_bridge.sweep", "todo", None),
    ]
    ran: list[Job] = []

    async def handle(job: Job) -> None:
        ran.append(job)

    await queue.run_worker(handle, wait=False)
    assert sorted(ran, key=lambda job: job.kind) == [
        Job("push", tenant, (("employee", ("e1", "e2")),), "event"),
        Job("sweep", other, reason="schedule"),
    ]
    assert _jobs(sessions) == []


async def test_a_job_stopped_with_its_worker_is_queued_again(
    db_url: str, queue: JobQueue, sessions: sessionmaker[Session]
) -> None:
    tenant = _tenant(sessions, "Stopping AB")
    await queue.submit(push_job(tenant, [("employee", "e1")]))
    impatient = JobQueue(db_url, sessions, periodic=False, shutdown_grace=0)
    running = asyncio.Event()

    async def handle(job: Job) -> None:
        running.set()
        await asyncio.Event().wait()  # until the worker stops

    working = asyncio.create_task(impatient.run_worker(handle))
    await asyncio.wait_for(running.wait(), timeout=30)
    working.cancel()
    await asyncio.gather(working, return_exceptions=True)
    records = {"employee": ["e1"]}
    assert [(status, args["records"]) for _, status, _, args in _jobs(sessions)] == [
        ("aborted", records),
        ("todo", records),
    ]


async def test_a_conflict_decided_for_the_bridge_queues_its_push(
    queue: JobQueue, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant = _tenant(sessions, "Conflict AB")
    with sessions.begin() as session:
        conflicts = [
            ConflictRepository(session).open_or_update(
                tenant,
                flow="hr.employee.pull",
                entity_type="employee",
                external_id=external_id,
                fortnox_id=str(number),
                fields={"family_name": {"base": "Ek", "bridge": "Berg", "fortnox": "Fors"}},
                now=clock.now(),
            )
            for number, external_id in enumerate(("e1", "e2"), start=1)
        ]
        fortnox_wins, bridge_wins = (conflict.id for conflict in conflicts)
    resolve_conflict(sessions, clock, tenant, fortnox_wins, "fortnox")
    assert _jobs(sessions) == []  # Fortnox's values go into the host record: nothing to send
    resolve_conflict(sessions, clock, tenant, bridge_wins, "bridge")
    assert [(task, args["records"]) for task, _, _, args in _jobs(sessions)] == [
        ("fortnox_bridge.push", {"employee": ["e2"]})
    ]


async def test_a_tenants_next_job_starts_when_its_previous_one_ends_not_at_the_next_poll(
    db_url: str, sessions: sessionmaker[Session], queue: JobQueue
) -> None:
    # A worker that looks at the table only once a minute: the waiting job can start within
    # this test's time only if the end of the running one wakes the worker.
    slow = JobQueue(db_url, sessions, poll_seconds=60, periodic=False)
    tenant = _tenant(sessions, "Handover AB")
    await slow.submit(push_job(tenant, [("employee", "e1")]))
    await slow.submit(Job("sweep", tenant))  # waits on the tenant's lock
    ran: list[str] = []
    found_nothing = asyncio.Event()
    done = asyncio.Event()
    manager = slow.app.job_manager
    fetch = manager.fetch_job

    async def listening() -> bool:
        """Whether the worker's connection for notifications has run its LISTEN (it is the
        only one in this test's database)."""
        row = await slow.connector.execute_query_one_async(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle' AND query LIKE 'LISTEN %%'"
        )
        return bool(row["n"])

    async def counted_fetch(*args: Any, **kwargs: Any) -> Any:
        job = await fetch(*args, **kwargs)
        if job is None and await listening():
            found_nothing.set()
        return job

    manager.fetch_job = counted_fetch  # type: ignore[method-assign]

    async def handle(job: Job) -> None:
        ran.append(job.kind)
        if job.kind == "push":
            # Held until the worker, listening for notifications, looked for more and found only
            # the locked sweep: from then on only a notification wakes it (or its poll a minute
            # later). A worker whose first look came before its LISTEN looks again once that is
            # up (a job ending in between would have woken nobody).
            await asyncio.wait_for(found_nothing.wait(), timeout=15)
        else:
            done.set()

    working = asyncio.create_task(slow.run_worker(handle, concurrency=2))
    try:
        await asyncio.wait_for(done.wait(), timeout=15)
    finally:
        working.cancel()
        await asyncio.gather(working, return_exceptions=True)
    assert ran == ["push", "sweep"]
    with sessions.begin() as session:
        names = session.execute(
            text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'fortnox_bridge_%' ORDER BY 1")
        ).scalars()
        assert list(names) == ["fortnox_bridge_job_deleted", "fortnox_bridge_job_ended"]
