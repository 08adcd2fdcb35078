"""The distributed mode: an accepted event's fetch job is queued in the transaction that stores
its offset, fetches of a tenant waiting merge, a duplicate queues nothing, and a procrastinate
worker runs the job (PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.engine.jobs.queue import FETCH_TASK, JobQueue
from fortnox_bridge.engine.jobs.queue_schema import ensure_schema
from fortnox_bridge.engine.realtime.fetch import run_fetch
from fortnox_bridge.store.realtime import RealtimeRepository, StreamEvent

from .conftest import APP, World

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(postgres_url: str) -> str:
    """The store on PostgreSQL only: the job queue lives there."""
    return postgres_url


@pytest.fixture
def queue(db_url: str, sessions: sessionmaker[Session]) -> JobQueue:
    ensure_schema(sessions.kw["bind"])
    return JobQueue(db_url, sessions, poll_seconds=0.05, periodic=False)


def _fetches(sessions: sessionmaker[Session]) -> list[tuple[str, dict[str, Any]]]:
    with sessions.begin() as session:
        rows = session.execute(
            text("SELECT task_name, args FROM procrastinate_jobs WHERE task_name = :task"),
            {"task": FETCH_TASK},
        )
        return [(str(task), dict(args)) for task, args in rows]


async def test_an_event_is_queued_with_its_offset_and_run_by_a_worker(
    world: World, queue: JobQueue
) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")
    intake = world.intake(defer_in=queue.defer_in)
    events = [
        StreamEvent("vouchers", f"0000000{n}", "voucher-created-v1", 501, f"A-{n}") for n in (1, 2)
    ]
    assert await intake.accept(APP, events[0], tenant)
    assert await intake.accept(APP, events[1], tenant)
    assert not await intake.accept(APP, events[0], tenant)  # delivered again: nothing queued

    # One waiting fetch of the tenant, both entities in it; the offset stored with it.
    assert _fetches(world.sessions) == [
        (
            FETCH_TASK,
            {"tenant_id": tenant, "records": {"vouchers": ["A-1", "A-2"]}, "reason": "event"},
        )
    ]
    with world.sessions.begin() as session:
        assert RealtimeRepository(session).offsets(APP) == {"vouchers": "00000002"}
    assert (intake.accepted, intake.duplicates) == (2, 1)

    fetched: list[Job] = []

    async def handle(job: Job) -> None:
        await run_fetch(world.service, job)
        fetched.append(job)

    await queue.run_worker(handle, concurrency=1, wait=False)
    assert [(j.tenant_id, j.record_map()) for j in fetched] == [
        (tenant, {"vouchers": ["A-1", "A-2"]})
    ]
    assert _fetches(world.sessions) == []
    with world.sessions.begin() as session:
        owed = RealtimeRepository(session).owed(APP)
        assert owed == []
        handled = session.scalars(text("SELECT handled_at FROM realtime_events")).all()
        assert len(handled) == 2
        assert all(handled)


async def test_a_rolled_back_event_moves_no_offset_and_queues_nothing(
    world: World, queue: JobQueue
) -> None:
    tenant = await world.connect("Alfa AB", 501, "token-a")

    def failing(session: Session, job: Job) -> None:
        queue.defer_in(session, job)
        raise RuntimeError("the database went away")

    intake = world.intake(defer_in=failing)
    event = StreamEvent("vouchers", "00000001", "voucher-created-v1", 501, "A-1")
    with pytest.raises(RuntimeError):
        await intake.accept(APP, event, tenant)
    assert _fetches(world.sessions) == []
    with world.sessions.begin() as session:
        assert RealtimeRepository(session).offsets(APP) == {}
    # The same event delivered again (after a reconnect) is accepted then.
    assert await world.intake(defer_in=queue.defer_in).accept(APP, event, tenant)
    assert len(_fetches(world.sessions)) == 1
