"""Sweeps and pushes are visible while they run, and a run whose process is gone does not stay
``running`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.recording import STALE_ERROR
from fortnox_bridge.engine.tenancy.workers import new_worker_id
from fortnox_bridge.services.runs import RunService
from fortnox_bridge.store.runs import RunRepository

from .conftest import Bridge, Put, employee


def _runs(sessions: sessionmaker[Session], tenant: int) -> list[dict[str, Any]]:
    with sessions.begin() as session:
        return [
            {
                "id": run.id,
                "kind": run.kind,
                "status": run.status,
                "done": run.progress_done,
                "total": run.progress_total,
                "created": run.counts.get("created", 0),
            }
            for run in RunRepository(session).latest(tenant)
        ]


async def test_a_sweep_shows_its_progress_while_it_runs(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, put: Put
) -> None:
    await bridge.connect()
    for number in range(1, 5):
        put("employee", f"e{number:03d}", employee(number))
    bridge.service.runner.live_every = 0  # every record is written (no throttling)
    runs = RunService(sessions, clock)
    seen: list[dict[str, Any]] = []

    def watch(flow: str, done: int, total: int) -> None:
        if flow == "hr.employee.push":
            # Read as the runs page reads: the run is neither stale nor finished.
            (live,) = [r for r in _runs(sessions, bridge.tenant) if r["status"] == "running"]
            assert runs.get(bridge.tenant, live["id"]).status == "running"
            seen.append(live | {"now": done, "of": total})

    summary = await bridge.service.sweep(bridge.tenant, progress=watch)

    assert summary.total("created") == 4
    # The row is there from the first record on, and moves with each.
    assert [(s["done"], s["total"], s["created"]) for s in seen] == [
        (1, 4, 1),
        (2, 4, 2),
        (3, 4, 3),
        (4, 4, 4),
    ]
    assert all(s["kind"] == "sweep" and s["id"] == summary.run_id for s in seen)
    (last,) = [r for r in _runs(sessions, bridge.tenant) if r["id"] == summary.run_id]
    assert (last["status"], last["done"], last["total"], last["created"]) == (
        "succeeded",
        4,
        4,
        4,
    )


async def test_a_run_that_did_nothing_leaves_no_row(
    bridge: Bridge, sessions: sessionmaker[Session], put: Put
) -> None:
    await bridge.connect()
    put("employee", "e001", employee(1))
    first = await bridge.service.sweep(bridge.tenant)
    assert first.total("created") == 1
    before = _runs(sessions, bridge.tenant)
    # Stored again as it was: the push looks at it (the live row opens) and finds it unchanged.
    put("employee", "e001", employee(1))
    bridge.service.runner.live_every = 0
    opened: list[str] = []

    def watch(flow: str, done: int, total: int) -> None:
        opened.extend(r["status"] for r in _runs(sessions, bridge.tenant) if r not in before)

    again = await bridge.service.sweep(bridge.tenant, progress=watch)
    assert opened == ["running"]
    assert again.run_id is None
    assert again.total("unchanged") >= 1
    assert _runs(sessions, bridge.tenant) == before


async def test_a_crashed_run_is_interrupted_not_running(
    bridge: Bridge, sessions: sessionmaker[Session], put: Put
) -> None:
    await bridge.connect()
    for number in (1, 2, 3):
        put("employee", f"e{number:03d}", employee(number))

    def crash(flow: str, done: int, total: int) -> None:
        if done == 2:
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        await bridge.service.sweep(bridge.tenant, progress=crash)
    (run,) = _runs(sessions, bridge.tenant)
    assert run["status"] == "interrupted"
    assert run["created"] >= 1


def _running(
    sessions: sessionmaker[Session], tenant: int, clock: ManualClock, **params: Any
) -> int:
    with sessions.begin() as session:
        return RunRepository(session).start(tenant, "sweep", now=clock.now(), params=params).id


async def test_a_running_run_whose_job_is_gone_is_marked_interrupted_when_read(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    runs = RunService(sessions, clock)
    writers = bridge.service.writers
    # The job of another machine that no longer holds the tenant's writer: gone.
    gone = _running(sessions, bridge.tenant, clock, job="elsewhere:1:dead", worker="x")
    # The job that holds the writer right now: alive, until its lease runs out unrenewed.
    async with writers.hold(bridge.tenant, "test") as job:
        alive = _running(sessions, bridge.tenant, clock, job=job, worker=new_worker_id())
        assert runs.get(bridge.tenant, gone).status == "interrupted"
        assert runs.get(bridge.tenant, gone).error == STALE_ERROR
        assert runs.get(bridge.tenant, alive).status == "running"
        clock.advance(writers.lease.total_seconds() + 1)
        assert [run.id for run in runs.latest(bridge.tenant)] == [alive, gone]
        assert runs.get(bridge.tenant, alive).status == "interrupted"
    # A run without the writer is judged by its process: this one's lives, a dead pid's not.
    mine = _running(sessions, bridge.tenant, clock, job=None, worker=new_worker_id())
    host = new_worker_id().split(":")[0]
    dead = _running(sessions, bridge.tenant, clock, job=None, worker=f"{host}:999999999:ab")
    assert runs.end_stale() == [dead]
    assert runs.get(bridge.tenant, mine).status == "running"
