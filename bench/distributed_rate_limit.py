"""One rate limit per Fortnox connection across worker processes: many tenants' pushes spread over
several ``fortnox-bridge worker`` processes sharing the limit through Redis.

    python bench/distributed_rate_limit.py [--tenants 20] [--writes 300] [--batch 30]
        [--workers 4] [--concurrency 8] [--sandbox-url URL] [--poll-seconds S]
        [--redis-url redis://127.0.0.1:6379/14]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Fortnox is a standalone sandbox in its own process enforcing its rate limit per company
(``fortnox-bridge sandbox`` with its defaults, started by ``rate_limit.py``'s helper on a free
loopback port unless ``--sandbox-url`` names one; the limit it enforces is read and printed).
The store is a throw-away PostgreSQL database (``bench_ratelimit_<random>``, dropped at the
end). Each tenant gets ``--writes`` new employees,
stored as the API stores them (their push queued in the same transaction) in batches of
``--batch``: the next batch of a tenant is stored once its previous push job has started, so
each push job carries one batch, and the queue's per-tenant lock runs a tenant's jobs one after
another on whichever worker takes them. The workers run with the client's default limit and
``FORTNOX_BRIDGE_REDIS_URL``, so every process sees the same window per connection
(``--redis-url ''`` runs them without it, each process with its own window, for comparison).

Prints one JSON line: the aggregate request rate against tenants × 5 requests/s — over the
wall time from the first batch stored to the last job done, and between the first and the last
request the sandbox received (as ``rate_limit.py`` measures one process) — each tenant's
rate (its requests between its first and its last, from the sandbox's request log), the 429
answers the sandbox sent (its stats), the wall time, how often a tenant's next job ran on another
process than its previous one, and the CPU the workers and PostgreSQL used. The rate limits of the
sandbox and of the client are read, not assumed, so the script measures whatever the code does
when it is run. Exit 1 when an employee is missing in Fortnox.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
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
    machine_busy,
    throwaway_database,
)
from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.entities import discover_entities
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.queue import PUSH_TASK, JobQueue
from fortnox_bridge.engine.jobs.queue_schema import ensure_schema
from fortnox_bridge.fortnox.ratelimit import RateLimit
from fortnox_bridge.runtime.stack import open_stack
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.records import EntityWriter, Incoming
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.models import Tenant
from fortnox_bridge.store.tenants import TenantRepository
from rate_limit import standalone_sandbox

REDIS = "redis://127.0.0.1:6379/14"
PREFIX = "fortnox-bridge:ratelimit:"
#: Fortnox's budget per company: 25 requests per 5 s.
FORTNOX_RPS = 25 / 5
#: A pause between two requests of a tenant longer than this is a stall (the pacing's own
#: pauses are shorter: 5 requests per 1.02 s).
STALL = 1.5
#: How often the feeder looks at the queue (a push of one batch lasts seconds).
LOOK = 0.2


async def make_tenants(settings: Settings, count: int) -> list[tuple[int, int, str]]:
    """``(tenant id, sandbox company, limiter key)`` of ``count`` tenants connected to the
    sandbox, as ``fortnox-bridge connect`` connects them."""
    made = []
    async with open_stack(settings) as stack:
        for number in range(1, count + 1):
            with stack.sessions.begin() as session:
                tenant = TenantRepository(session).create(f"Rate {number}", now=stack.clock.now())
                tenant.sweep_interval_minutes = DAILY  # no scheduled sweep during the run
                tenant_id = tenant.id
            await stack.connect_sandbox(tenant_id)
            with stack.sessions.begin() as session:
                connection = ConnectionRepository(session).for_tenant(tenant_id)
                found = TenantRepository(session).get(tenant_id)
                assert connection is not None
                assert found is not None
                assert found.fortnox_tenant_id is not None
                made.append((tenant_id, found.fortnox_tenant_id, connection.token_key))
    return made


class Feeder:
    """Stores each tenant's employees a batch at a time, the next once the last push started."""

    def __init__(
        self, sessions: sessionmaker[Session], tenants: list[int], writes: int, batch: int
    ) -> None:
        entities = discover_entities()
        (entity,) = [e for e in entities if e.entity == "employee"]
        self.writer = EntityWriter(entity, entities, discover_flows())
        self.sessions = sessions
        people = demo_employees(writes)
        batches = [people[i : i + batch] for i in range(0, len(people), batch)]
        self.left = {tenant: list(batches) for tenant in tenants}
        #: job id → (tenant, worker id), as seen running.
        self.ran: dict[int, tuple[int, int]] = {}

    def store(self, tenant_id: int) -> None:
        incoming = []
        for index, (external_id, data) in enumerate(self.left[tenant_id].pop(0)):
            payload, issues = self.writer.validator.payload(data)
            assert not issues, issues
            incoming.append(Incoming(index, external_id, "upsert", payload=payload))
        outcomes = self.writer.write(self.sessions, tenant_id, incoming, now=SystemClock().now())
        assert all(o.status == "created" for o in outcomes), outcomes

    def look(self, connection: psycopg.Connection[Any]) -> bool:
        """Store the next batch of each tenant whose push runs; ``False`` once all is done."""
        rows = connection.execute(
            "SELECT id, status, worker_id, (args->>'tenant_id')::int FROM procrastinate_jobs "
            "WHERE task_name = %s",
            (PUSH_TASK,),
        ).fetchall()
        waiting = set()
        for job_id, status, worker_id, tenant_id in rows:
            if status == "todo":
                waiting.add(tenant_id)
            elif status == "doing" and worker_id is not None:
                self.ran.setdefault(job_id, (tenant_id, worker_id))
        for tenant_id, left in self.left.items():
            if left and tenant_id not in waiting:
                self.store(tenant_id)
        return bool(rows) or any(self.left.values())

    def switches(self) -> tuple[int, int]:
        """``(consecutive jobs of a tenant on another process, consecutive pairs seen)``."""
        by_tenant: dict[int, list[int]] = defaultdict(list)
        for _, (tenant_id, worker_id) in sorted(self.ran.items()):
            by_tenant[tenant_id].append(worker_id)
        pairs = [(a, b) for ws in by_tenant.values() for a, b in itertools.pairwise(ws)]
        return sum(1 for a, b in pairs if a != b), len(pairs)


def per_tenant(log: list[dict[str, Any]]) -> tuple[float, float, float]:
    """``(requests per second between the first and the last, span, seconds in stalls)`` of one
    tenant; a stall is a pause of more than :data:`STALL` seconds between two requests (a
    back-off after a 429, a job handing over to the next one, a worker waiting for a core)."""
    times = sorted(datetime.fromisoformat(e["at"]).timestamp() for e in log)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    stalls = sum(b - a for a, b in itertools.pairwise(times) if b - a > STALL)
    return ((len(times) - 1) / span if span else 0.0), span, stalls


async def sandbox_figures(
    url: str, companies: dict[int, int], before: dict[str, Any]
) -> dict[str, Any]:
    async with SandboxControl(url) as control:
        stats = await control.stats()
        employees, rates, spans, stalls, throttled = 0, [], [], [], {}
        times: list[float] = []
        for tenant_id, company in companies.items():
            log = await control.requests(company, limit=10_000)
            log = [e for e in log if e["path"].startswith("/3/")]
            times += [datetime.fromisoformat(e["at"]).timestamp() for e in log]
            rate, span, stalled = per_tenant([e for e in log if e["status"] != 429])
            rates.append(rate)
            spans.append(span)
            stalls.append(stalled)
            mine = await control.stats(company)
            throttled[tenant_id] = mine["responses_by_status"].get("429", 0)
            employees += mine["responses_by_status"].get("201", 0)
    async with httpx.AsyncClient(base_url=url) as http:
        limit = (await http.get("/_sandbox/rate-limit")).json()
    requests = stats["requests_total"] - before["requests_total"]
    between = max(times) - min(times)
    return {
        "first_to_last_request_s": round(between, 1),
        "aggregate_rps_first_to_last": round(len(times) / between, 2),
        "sandbox_rate_limit": limit,
        "requests": requests,
        "throttled_429": stats["responses_by_status"].get("429", 0)
        - before["responses_by_status"].get("429", 0),
        "tenants_with_a_429": sum(1 for n in throttled.values() if n),
        "per_tenant_rps_median": round(statistics.median(rates), 3),
        "per_tenant_rps_min": round(min(rates), 3),
        "per_tenant_rps_max": round(max(rates), 3),
        "per_tenant_span_s_median": round(statistics.median(spans), 1),
        "per_tenant_stalls_s_median": round(statistics.median(stalls), 1),
        "employees_created": employees,
    }


def forget_windows(redis_url: str, keys: list[str]) -> None:
    """Delete this run's rate-limit windows from Redis (and nothing else)."""
    client = redis.Redis.from_url(redis_url)
    try:
        names = [PREFIX + key for key in keys]
        if names:
            client.delete(*names)
    finally:
        client.close()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--batch", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sandbox-url", default=None)
    parser.add_argument(
        "--redis-url", default=REDIS, help="'' for none: each process keeps its own window"
    )
    parser.add_argument("--database-url", default=POSTGRES, help="a PostgreSQL server to use")
    parser.add_argument("--poll-seconds", type=float, default=None, help="queue_poll_seconds")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    with (
        standalone_sandbox(args.sandbox_url) as sandbox_url,
        tempfile.TemporaryDirectory() as tmp,
        throwaway_database(args.database_url, "ratelimit") as url,
    ):
        env, engine, sessions, tenants = _prepare(args, url, sandbox_url, Path(tmp))
        feeder = Feeder(sessions, [t for t, _, _ in tenants], args.writes, args.batch)
        bridge = Processes(env, Path(tmp) / "logs")
        try:
            workers = bridge.workers(args.workers, args.concurrency)
            before, wall, cpu, busy, load = _drive(url, sandbox_url, workers, feeder)
        finally:
            codes = bridge.stop()
            if args.redis_url:
                forget_windows(args.redis_url, [key for _, _, key in tenants])
            output = bridge.log_text()
        engine.dispose()
        companies = {tenant: company for tenant, company, _ in tenants}
        sandbox = asyncio.run(sandbox_figures(sandbox_url, companies, before))
    expected = args.tenants * args.writes
    report = _report(args, feeder, sandbox, wall, cpu, busy, load, codes)
    print(json.dumps(report), flush=True)
    if sandbox["employees_created"] != expected or "Traceback" in output:
        print(output[-4000:], file=sys.stderr)
        return 1
    return 0


def _prepare(
    args: argparse.Namespace, url: str, sandbox_url: str, tmp: Path
) -> tuple[dict[str, str], Engine, sessionmaker[Session], list[tuple[int, int, str]]]:
    """The workers' environment, a migrated store with the queue attached, and the tenants."""
    shared = {"redis_url": args.redis_url} if args.redis_url else {}
    if args.poll_seconds is not None:
        shared["queue_poll_seconds"] = str(args.poll_seconds)
    env = bridge_env(url, sandbox_url, tmp / "var", **shared)
    engine = open_engine(url)
    migrate(engine)
    ensure_schema(engine)
    sessions = session_factory(engine)
    settings = Settings(
        database_url=url,
        sandbox_url=sandbox_url,
        data_dir=tmp / "var",
        queue="procrastinate",
        secret_key=env["FORTNOX_BRIDGE_SECRET_KEY"],
    )
    tenants = asyncio.run(make_tenants(settings, args.tenants))
    with sessions.begin() as session:
        session.execute(update(Tenant).values(sweep_interval_minutes=DAILY))
    JobQueue(url, sessions, periodic=False).attach(sessions)
    return env, engine, sessions, tenants


def _drive(
    url: str, sandbox_url: str, workers: list[subprocess.Popen[bytes]], feeder: Feeder
) -> tuple[dict[str, Any], float, Usage, Any, list[float]]:
    """Feed the batches until every push job is done: ``(sandbox stats before, wall seconds,
    the workers' CPU, how busy the machine was, the load average at the start)``."""
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        before = asyncio.run(_stats(sandbox_url))
        meter = CpuMeter(connection, [w.pid for w in workers])
        meter.begin()
        busy = machine_busy()
        load = load_average()
        started = time.perf_counter()
        deadline = started + 30 * 60
        while feeder.look(connection) and time.perf_counter() < deadline:
            time.sleep(LOOK)  # a bench may wait; a push of one batch lasts seconds
        wall = time.perf_counter() - started
        cpu = meter.end()
        busy = machine_busy(busy)
    return before, wall, cpu, busy, load


def _report(
    args: argparse.Namespace,
    feeder: Feeder,
    sandbox: dict[str, Any],
    wall: float,
    cpu: Usage,
    busy: Any,
    load: list[float],
    codes: list[int | None],
) -> dict[str, Any]:
    switched, pairs = feeder.switches()
    aggregate = sandbox["requests"] / wall
    return {
        "benchmark": "distributed_rate_limit",
        "tenants": args.tenants,
        "writes_per_tenant": args.writes,
        "batch": args.batch,
        "workers": f"{args.workers} processes x {args.concurrency} slots",
        "client_rate_limit": asdict(RateLimit.parse(Settings().rate_limit)),
        "redis": args.redis_url or None,
        "queue_poll_seconds": args.poll_seconds or Settings().queue_poll_seconds,
        "wall_s": round(wall, 1),
        "aggregate_rps": round(aggregate, 2),
        "aggregate_vs_tenants_x_5": round(aggregate / (args.tenants * FORTNOX_RPS), 3),
        "first_to_last_vs_tenants_x_5": round(
            sandbox["aggregate_rps_first_to_last"] / (args.tenants * FORTNOX_RPS), 3
        ),
        **sandbox,
        "push_jobs_seen": len(feeder.ran),
        "next_job_on_another_process": f"{switched} of {pairs}",
        "worker_cpu_s": round(cpu.cpu, 1),
        "worker_cpu_wait_s": round(cpu.cpu_wait, 1),
        "postgres_cpu_s": round(cpu.postgres, 1),
        "postgres_cpu_wait_s": round(cpu.postgres_wait, 1),
        "machine_cpu_busy": busy,
        "load_average": [load, load_average()],
        "exit_codes": codes,
    }


async def _stats(url: str) -> dict[str, Any]:
    async with SandboxControl(url) as control:
        return await control.stats()


if __name__ == "__main__":
    sys.exit(main())
