"""Dispatch and debounce on the manual clock: nothing waits for real."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.jobs.dispatch import (
    InProcessDispatcher,
    Job,
    fetch_job,
    merge_sweeps,
    note_pushes,
    push_job,
    take_pushes,
)
from fortnox_bridge.engine.jobs.scheduler import (
    PushDebouncer,
    due_sweeps,
    fixed_offset,
    slot_at_or_before,
)


class Recorder:
    """A job handler that records jobs and can hold a sweep until released."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, job: Job) -> None:
        self.jobs.append(job)
        await self.release.wait()


class Submitted:
    """A dispatcher that only keeps what was submitted, and when."""

    def __init__(self, clock: ManualClock | None = None) -> None:
        self.clock = clock
        self.jobs: list[Job] = []
        self.times: list[datetime] = []

    async def submit(self, job: Job) -> None:
        self.jobs.append(job)
        if self.clock is not None:
            self.times.append(self.clock.now())


def test_jobs_round_trip_as_json_for_a_distributed_dispatcher() -> None:
    job = push_job(3, [("employee", "e2"), ("employee", "e1"), ("time_entry", "t1")])
    assert job.records == (("employee", ("e1", "e2")), ("time_entry", ("t1",)))
    assert Job.from_dict(job.to_dict()) == job
    assert job.record_map() == {"employee": ["e1", "e2"], "time_entry": ["t1"]}


async def test_duplicate_sweeps_are_absorbed_and_one_more_runs_after_a_running_one() -> None:
    handler = Recorder()
    dispatcher = InProcessDispatcher(handler, workers=2)
    handler.release.clear()
    dispatcher.start()
    await dispatcher.submit(Job("sweep", 1))
    await asyncio.sleep(0)  # a worker picks it up and holds it
    for _ in range(3):
        await dispatcher.submit(Job("sweep", 1))  # while running: one more, once
    await dispatcher.submit(Job("sweep", 2))
    handler.release.set()
    await dispatcher.join()
    await dispatcher.join()
    await dispatcher.stop()
    assert sorted((j.tenant_id, j.reason) for j in handler.jobs) == [
        (1, "again"),
        (1, "schedule"),
        (2, "schedule"),
    ]


def test_a_sweep_of_some_flows_round_trips_and_merges_with_a_waiting_one() -> None:
    some = Job("sweep", 1, reason="manual", flows=("hr.absence.push",))
    assert Job.from_dict(some.to_dict()) == some
    assert some.only == ("hr.absence.push",)
    other = Job("sweep", 1, flows=("hr.employee.push", "hr.absence.push"))
    assert merge_sweeps(some, other).flows == ("hr.absence.push", "hr.employee.push")
    assert merge_sweeps(some, Job("sweep", 1)).only is None  # every flow wins
    assert merge_sweeps(Job("sweep", 1), some).only is None


async def test_a_waiting_sweep_widens_to_the_flows_of_the_next() -> None:
    handler = Recorder()
    dispatcher = InProcessDispatcher(handler, workers=1)
    handler.release.clear()
    dispatcher.start()
    await dispatcher.submit(Job("sweep", 1, reason="manual", flows=("a.b.push",)))
    await asyncio.sleep(0)  # running, held
    await dispatcher.submit(Job("sweep", 1, reason="manual", flows=("a.c.push",)))
    await dispatcher.submit(Job("sweep", 1, reason="manual", flows=("a.d.push",)))
    handler.release.set()
    await dispatcher.join()
    await dispatcher.stop()
    assert [(job.reason, job.flows) for job in handler.jobs] == [
        ("manual", ("a.b.push",)),
        ("again", ("a.c.push", "a.d.push")),
    ]


async def test_queued_pushes_of_a_tenant_are_merged() -> None:
    handler = Recorder()
    dispatcher = InProcessDispatcher(handler, workers=1)
    await dispatcher.submit(push_job(1, [("employee", "e1")]))
    await dispatcher.submit(push_job(1, [("employee", "e2")]))
    await dispatcher.submit(push_job(2, [("employee", "e9")]))
    dispatcher.start()
    await dispatcher.join()
    await dispatcher.stop()
    assert [(j.tenant_id, j.record_map()) for j in handler.jobs] == [
        (1, {"employee": ["e1", "e2"]}),
        (2, {"employee": ["e9"]}),
    ]


async def test_waiting_fetches_of_a_tenant_merge_and_the_sweep_is_not_starved() -> None:
    handler = Recorder()
    dispatcher = InProcessDispatcher(handler, workers=1)
    await dispatcher.submit(fetch_job(1, [("vouchers", "A-1")]))
    await dispatcher.submit(Job("sweep", 1))
    await dispatcher.submit(fetch_job(1, [("vouchers", "A-2"), ("cost-centers", "CC1")]))
    await dispatcher.submit(push_job(1, [("employee", "e1")]))
    await dispatcher.submit(fetch_job(1, [("vouchers", "A-1")]))
    dispatcher.start()
    await dispatcher.join()
    await dispatcher.stop()
    assert [(j.kind, j.record_map()) for j in handler.jobs] == [
        ("push", {"employee": ["e1"]}),
        ("sweep", {}),
        ("fetch", {"cost-centers": ["CC1"], "vouchers": ["A-1", "A-2"]}),
    ]
    fetch = handler.jobs[-1]
    assert Job.from_dict(fetch.to_dict()) == fetch


async def test_a_failing_job_does_not_stop_the_workers() -> None:
    seen: list[int] = []

    async def handler(job: Job) -> None:
        seen.append(job.tenant_id)
        if job.tenant_id == 1:
            raise RuntimeError("boom")

    dispatcher = InProcessDispatcher(handler, workers=1)
    dispatcher.start()
    await dispatcher.submit(Job("sweep", 1))
    await dispatcher.submit(Job("sweep", 2))
    await dispatcher.join()
    await dispatcher.stop()
    assert (seen, dispatcher.done) == ([1, 2], 2)


async def test_changes_are_pushed_after_a_quiet_pause_or_at_most_one_second() -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    submitted = Submitted(clock)
    debouncer = PushDebouncer(submitted, clock, sleep=clock.sleep, quiet=0.2, max_delay=1.0)
    start = clock.now()
    debouncer.changed(1, "employee", "e1")
    debouncer.changed(1, "employee", "e2")
    await debouncer.drain()
    assert [j.record_map() for j in submitted.jobs] == [{"employee": ["e1", "e2"]}]
    assert (clock.now() - start).total_seconds() == 0.2

    # a steady stream of changes is still pushed within max_delay of the first one
    submitted.jobs.clear()
    submitted.times.clear()
    first = clock.now()

    async def stream() -> None:
        for n in range(20):
            debouncer.changed(1, "employee", f"s{n}")
            clock.advance(0.1)
            await asyncio.sleep(0)

    await asyncio.gather(stream(), debouncer.drain())
    await debouncer.drain()
    assert len(submitted.jobs) >= 2  # no change waits for the stream to end
    assert (submitted.times[0] - first).total_seconds() <= 1.1
    pushed = [i for job in submitted.jobs for i in job.record_map()["employee"]]
    assert sorted(pushed) == sorted(f"s{n}" for n in range(20))


def test_slots_are_aligned_to_the_hour_and_shifted_by_the_offset() -> None:
    at = datetime(2026, 3, 2, 9, 44, 10, tzinfo=UTC)
    assert slot_at_or_before(at, 30, 0) == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert slot_at_or_before(at, 30, 900) == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert slot_at_or_before(at, 45, 0) == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert slot_at_or_before(at, 60, 0) == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_pushes_noted_in_a_session_are_one_job_per_tenant_and_taken_once() -> None:
    session = Session()
    note_pushes(session, 2, "employee", ["e2", "e1"])
    note_pushes(session, 1, "absence", ["a1"])
    note_pushes(session, 2, "employee", ["e1"])
    note_pushes(session, 2, "absence", [])
    assert take_pushes(session) == [
        Job("push", 1, (("absence", ("a1",)),), "event"),
        Job("push", 2, (("employee", ("e1", "e2")),), "event"),
    ]
    assert take_pushes(session) == []


def test_the_distributed_slots_are_a_fixed_function_of_the_tenant() -> None:
    assert fixed_offset(7, 0) == 0.0
    offsets = [fixed_offset(tenant, 600) for tenant in range(1, 50)]
    assert offsets == [fixed_offset(tenant, 600) for tenant in range(1, 50)]  # any process
    assert all(0 <= offset < 600 for offset in offsets)
    assert len(set(offsets)) == len(offsets)


def test_each_minute_finds_the_tenants_whose_slot_fell_in_it_once_per_interval() -> None:
    tenants = [(1, 30), (2, 60), (3, 45)]

    def offset(tenant_id: int) -> float:
        return {1: 0.0, 2: 90.0, 3: 1799.0}[tenant_id]

    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    due: dict[int, list[str]] = {1: [], 2: [], 3: []}
    for minute in range(1, 181):  # three hours of ticks, each looking at the minute before it
        until = start + timedelta(minutes=minute)
        for tenant_id in due_sweeps(tenants, until - timedelta(minutes=1), until, offset):
            due[tenant_id].append(until.strftime("%H:%M"))
    assert due[1] == ["00:30", "01:00", "01:30", "02:00", "02:30", "03:00"]
    assert due[2] == ["00:02", "01:02", "02:02"]  # slot at :01:30, found by the :02 tick
    assert due[3] == ["00:30", "01:15", "02:00", "02:45"]  # 00:29:59 + 45 minutes apart
