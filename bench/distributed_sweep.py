"""Idle sweeps of many tenants through the distributed mode's job queue, by 1 and by 4 worker
processes on PostgreSQL: tenants per second, and where the time goes.

    python bench/distributed_sweep.py [--tenants 2000] [--employees 10] [--runs 3]
        [--layouts 1x4,4x4,1x1,4x1,1x2,2x2,1x8,2x4] [--no-diagnostics] [--analyze-at N]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

The tenants are made as ``idle_sweep.py`` makes them (an active connection, employees already
in Fortnox: a sweep has nothing to do) in a throw-away database ``bench_sweep_<random>``, which
is dropped at the end. A layout ``PxC`` is P ``fortnox-bridge worker --concurrency C``
processes. For each run the workers are started and waited for, one sweep per tenant is queued
with ``JobQueue.queue_sweeps`` (what the minute's tick does) in one transaction, and the clock
runs from its commit until the queue holds no sweep any more. ``--analyze-at`` overrides from how
many sweeps at once the queue refreshes the job table's statistics (a number above
``--tenants`` measures the queue without that refresh). CPU seconds of the
workers and of the PostgreSQL backends serving the database are read from ``/proc`` over the same
interval. The sandbox (served by this process) must receive no request.

Unless ``--no-diagnostics``, three in-process runs follow (no subprocess): the same sweeps
called one after another without the queue; the queue with a handler that does nothing (the
queue's own cost per job); and the queue with the workers' real handler and 4 slots.

One JSON line per layout and diagnostic, then a summary line with the speedups.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg
from cryptography.fernet import Fernet
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from _distributed import (
    DAILY,
    POSTGRES,
    CpuMeter,
    Processes,
    Usage,
    bridge_env,
    libpq,
    load_average,
    served,
    throwaway_database,
)
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.jobs import queue as queue_module
from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.engine.jobs.queue import SWEEP_TASK, JobQueue
from fortnox_bridge.engine.jobs.queue_schema import ensure_schema
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.runtime.stack import open_stack
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.models import Tenant
from idle_sweep import seed

#: Connections a worker may open: the queue's pool (slots + 4) and the store's pool (about one
#: per slot); layouts beyond this budget are skipped on a shared server.
CONNECTION_BUDGET = 60


def queue_sweeps(sessions: sessionmaker[Session], queue: JobQueue, ids: list[int]) -> Session:
    """A session whose open transaction holds one queued sweep per tenant, queued as the minute's
    tick queues them (commit to release)."""
    session = sessions()
    session.begin()
    queue.queue_sweeps(session, ids, reason="schedule")
    session.flush()
    return session


def waiting_sweeps(connection: psycopg.Connection[Any]) -> int:
    row = connection.execute(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s", (SWEEP_TASK,)
    ).fetchone()
    return int(row[0]) if row else 0


def wait_drained(connection: psycopg.Connection[Any], timeout: float = 600.0) -> float:
    """Poll (every 20 ms) until no sweep is in the queue; the time it happened."""
    deadline = time.perf_counter() + timeout
    while waiting_sweeps(connection):
        if time.perf_counter() > deadline:
            raise RuntimeError("the sweeps were not all done within the timeout")
        time.sleep(0.02)  # a bench may wait; the resolution is well below a run's seconds
    return time.perf_counter()


def figures(tenants: int, walls: list[float], usage: list[Usage]) -> dict[str, Any]:
    """Median throughput and CPU split of some runs (per sweep: CPU used and time spent ready to
    run while the machine's cores were busy with other processes)."""
    rates = [tenants / wall for wall in walls]
    wall = statistics.median(walls)

    def per_sweep(field: str) -> float:
        return round(statistics.median(getattr(u, field) for u in usage) / tenants * 1000, 3)

    busy = statistics.median(u.cpu + u.postgres for u in usage)
    return {
        "tenants_per_s_runs": [round(rate) for rate in rates],
        "tenants_per_s": round(statistics.median(rates)),
        "wall_s": round(wall, 2),
        "bridge_cpu_ms_per_sweep": per_sweep("cpu"),
        "bridge_cpu_wait_ms_per_sweep": per_sweep("cpu_wait"),
        "postgres_cpu_ms_per_sweep": per_sweep("postgres"),
        "postgres_cpu_wait_ms_per_sweep": per_sweep("postgres_wait"),
        "cores_busy": round(busy / wall, 2),
    }


def run_layout(
    env: dict[str, str],
    logs: Path,
    processes: int,
    concurrency: int,
    sessions: sessionmaker[Session],
    queue: JobQueue,
    ids: list[int],
    connection: psycopg.Connection[Any],
) -> tuple[float, Usage, float]:
    """One run: ``(wall seconds, what the workers and PostgreSQL used, queueing seconds)``."""
    bridge = Processes(env, logs)
    try:
        workers = bridge.workers(processes, concurrency)
        meter = CpuMeter(connection, [w.pid for w in workers])
        queued = time.perf_counter()
        session = queue_sweeps(sessions, queue, ids)
        queueing = time.perf_counter() - queued
        meter.begin()
        started = time.perf_counter()
        session.commit()
        session.close()
        wall = wait_drained(connection) - started
        cpu = meter.end()
    finally:
        codes = bridge.stop()
    output = bridge.log_text()
    if "job failed" in output or "Traceback" in output or any(codes):
        raise RuntimeError(f"a worker failed (exit codes {codes}):\n{output[-4000:]}")
    return wall, cpu, queueing


async def in_process(
    settings: Settings,
    sessions: sessionmaker[Session],
    ids: list[int],
    connection: psycopg.Connection[Any],
    runs: int,
) -> list[dict[str, Any]]:
    """The diagnostics: no queue, the queue alone, the queue with the real handler."""

    async def noop(job: Job) -> None:
        return None

    async with open_stack(settings) as stack:
        queue = JobQueue(settings.effective_database_url, sessions, periodic=False, pool_size=8)

        async def direct() -> None:
            for tenant_id in ids:
                await stack.run_job(Job("sweep", tenant_id, reason="schedule"))

        def through_queue(handler: Callable[[Job], Awaitable[None]]) -> Callable[[], Any]:
            async def drain() -> None:
                await queue.run_worker(handler, concurrency=4, wait=False)

            return drain

        kinds: list[tuple[str, Callable[[], Any], bool]] = [
            ("in_process_sweeps_without_queue", direct, False),
            ("in_process_queue_noop_handler_4_slots", through_queue(noop), True),
            ("in_process_queue_4_slots", through_queue(stack.run_job), True),
        ]
        lines = []
        for kind, work, queued in kinds:
            walls: list[float] = []
            cpus: list[Usage] = []
            for _ in range(runs):
                if queued:
                    session = queue_sweeps(sessions, queue, ids)
                    session.commit()
                    session.close()
                meter = CpuMeter(connection, [os.getpid()])
                meter.begin()
                started = time.perf_counter()
                await work()
                walls.append(time.perf_counter() - started)
                cpus.append(meter.end())
                assert waiting_sweeps(connection) == 0
            line = {"benchmark": "distributed_sweep", "layout": kind, "tenants": len(ids)}
            lines.append({**line, **figures(len(ids), walls, cpus), "load_average": load_average()})
        return lines


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=2000)
    parser.add_argument("--employees", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layouts", default="1x4,4x4,1x1,4x1,1x2,2x2,1x8,2x4")
    parser.add_argument("--no-diagnostics", action="store_true")
    parser.add_argument("--analyze-at", type=int, default=queue_module.ANALYZE_AT)
    parser.add_argument("--database-url", default=POSTGRES, help="a PostgreSQL server to use")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    queue_module.ANALYZE_AT = args.analyze_at
    layouts = [tuple(int(n) for n in item.split("x")) for item in args.layouts.split(",")]
    with (
        tempfile.TemporaryDirectory() as tmp,
        throwaway_database(args.database_url, "sweep") as url,
    ):
        engine, sessions, ids = _seeded_store(url, args.tenants, args.employees)
        state = SandboxState()
        queue = JobQueue(url, sessions, periodic=False)
        results: dict[tuple[int, int], dict[str, Any]] = {}
        with (
            served(create_app(state, standalone=True)) as (sandbox_url, _),
            psycopg.connect(libpq(url), autocommit=True) as connection,
        ):
            env = bridge_env(url, sandbox_url, Path(tmp) / "var")
            for processes, concurrency in layouts:
                if processes * (2 * concurrency + 4) > CONNECTION_BUDGET:
                    print(f"# {processes}x{concurrency} skipped: too many connections",
                          file=sys.stderr)  # fmt: skip
                    continue
                layout = (processes, concurrency)
                line = _layout_line(
                    args, layout, env, Path(tmp), sessions, queue, ids, connection, state
                )
                results[(processes, concurrency)] = line
                print(json.dumps(line), flush=True)
            if not args.no_diagnostics:
                settings = Settings(
                    database_url=url,
                    sandbox_url=sandbox_url,
                    data_dir=Path(tmp) / "var",
                    queue="procrastinate",
                    secret_key=env["FORTNOX_BRIDGE_SECRET_KEY"],
                )
                for line in asyncio.run(in_process(settings, sessions, ids, connection, args.runs)):
                    print(json.dumps(line), flush=True)
        engine.dispose()
    summary = _summary(results, state)
    print(json.dumps(summary), flush=True)
    return 0 if summary["fortnox_requests"] == 0 else 1


def _seeded_store(
    url: str, tenants: int, employees: int
) -> tuple[Engine, sessionmaker[Session], list[int]]:
    """A migrated store with the queue's schema and the seeded tenants (no scheduled sweep)."""
    engine = open_engine(url)
    migrate(engine)
    ensure_schema(engine)
    sessions = session_factory(engine)
    seeded = time.perf_counter()
    ids = seed(sessions, tenants, employees, TokenCipher(Fernet.generate_key().decode()))
    with sessions.begin() as session:
        session.execute(update(Tenant).values(sweep_interval_minutes=DAILY))
    print(f"# seeded {len(ids)} tenants in {time.perf_counter() - seeded:.0f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    return engine, sessions, ids


def _layout_line(
    args: argparse.Namespace,
    layout: tuple[int, int],
    env: dict[str, str],
    tmp: Path,
    sessions: sessionmaker[Session],
    queue: JobQueue,
    ids: list[int],
    connection: psycopg.Connection[Any],
    state: SandboxState,
) -> dict[str, Any]:
    """``--runs`` sweeps of every tenant with ``layout`` (processes, slots): their medians."""
    processes, concurrency = layout
    walls, queueing = [], []
    cpus: list[Usage] = []
    for run in range(args.runs):
        logs = tmp / f"logs-{processes}x{concurrency}-{run}"
        wall, cpu, queued = run_layout(
            env, logs, processes, concurrency, sessions, queue, ids, connection
        )
        walls.append(wall)
        cpus.append(cpu)
        queueing.append(queued)
    return {
        "benchmark": "distributed_sweep",
        "layout": f"{processes} processes x {concurrency} slots",
        "tenants": len(ids),
        **figures(len(ids), walls, cpus),
        "queueing_s": round(statistics.median(queueing), 2),
        "analyze_at": args.analyze_at,
        "fortnox_requests": state.stats.to_dict()["requests_total"],
        "load_average": load_average(),
    }


def _summary(results: dict[tuple[int, int], dict[str, Any]], state: SandboxState) -> dict[str, Any]:
    summary: dict[str, Any] = {"benchmark": "distributed_sweep_summary"}
    for four, one in (((4, 4), (1, 4)), ((4, 1), (1, 1)), ((4, 1), (1, 4))):
        if four in results and one in results:
            name = f"speedup_{four[0]}x{four[1]}_vs_{one[0]}x{one[1]}"
            ratio = results[four]["tenants_per_s"] / results[one]["tenants_per_s"]
            summary[name] = round(ratio, 2)
    if results:
        best = max(results.values(), key=lambda line: int(line["tenants_per_s"]))
        summary["best_layout"] = best["layout"]
        summary["best_tenants_per_s"] = best["tenants_per_s"]
    summary["fortnox_requests"] = state.stats.to_dict()["requests_total"]
    return summary


if __name__ == "__main__":
    sys.exit(main())
