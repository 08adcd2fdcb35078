"""What one pushed record costs the bridge: CPU of the process and SQL statements per record.

    python bench/push_cost.py [--writes 300] [--runs 3] [--store postgresql|sqlite]
        [--redis-url redis://127.0.0.1:6379/13] [--database-url URL]

A tenant connected to a standalone sandbox (``fortnox-bridge sandbox --rate-limit off`` in its
own process, so its CPU is not counted) gets ``--writes`` new employees, stored as the API stores
them; then one push job sends them, in this process, with the client's rate limit raised out of
the way: what is measured is the bridge's own work per record (the push's plan, the write's
marker before the request and the link after it, the write-back of what Fortnox assigned, the
client, the limiter's Redis round trips, the run's bookkeeping), not Fortnox's budget. The CPU
is the process's (``time.process_time``) during the job, so other load on the machine changes
it little; the sandbox's CPU during the job is read from ``/proc`` beside it (what the stand-in
for Fortnox costs on a machine that runs both); the statements are counted by SQLAlchemy's
``before_cursor_execute`` hook.

Prints one JSON line: the median CPU per record, each run's figures, the statements per record
and the ten most frequent statement kinds (their first words).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import event

from _distributed import POSTGRES, cpu_seconds, load_average, throwaway_database
from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.entities import discover_entities
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.runtime.stack import open_stack
from fortnox_bridge.services.records import EntityWriter, Incoming
from fortnox_bridge.store.db import migrate, open_engine
from fortnox_bridge.store.tenants import TenantRepository
from rate_limit import sandbox_process

#: The client's limit during the run: far above what the sandbox can answer.
NO_LIMIT = "100000/1"


def stored_employees(stack: Any, tenant_id: int, writes: int) -> tuple[str, ...]:
    """Store ``writes`` new employees as the API does; their host ids."""
    entities = discover_entities()
    (entity,) = [e for e in entities if e.entity == "employee"]
    writer = EntityWriter(entity, entities, discover_flows())
    incoming = []
    for index, (external_id, data) in enumerate(demo_employees(writes)):
        payload, issues = writer.validator.payload(data)
        assert not issues, issues
        incoming.append(Incoming(index, external_id, "upsert", payload=payload))
    outcomes = writer.write(stack.sessions, tenant_id, incoming, now=SystemClock().now())
    assert all(o.status == "created" for o in outcomes), outcomes
    return tuple(o.external_id for o in outcomes)


def kind(statement: str) -> str:
    """``SELECT links``, ``INSERT events``, ``SAVEPOINT``: what a statement does to which table."""
    words = statement.split()
    verb = words[0].upper()
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement, re.IGNORECASE)
    return f"{verb} {table.group(1)}" if table and verb != "SAVEPOINT" else verb


async def one_run(settings: Settings, writes: int, sandbox_pid: int) -> dict[str, Any]:
    """One tenant, ``writes`` employees, one push job; the job's CPU and statements."""
    async with open_stack(settings) as stack:
        with stack.sessions.begin() as session:
            tenant_id = TenantRepository(session).create("Cost", now=stack.clock.now()).id
        await stack.connect_sandbox(tenant_id)
        ids = stored_employees(stack, tenant_id, writes)
        statements: Counter[str] = Counter()

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements[kind(statement)] += 1

        event.listen(stack.engine, "before_cursor_execute", count)
        job = Job(kind="push", tenant_id=tenant_id, records=(("employee", ids),), reason="event")
        cpu, wall = time.process_time(), time.perf_counter()
        (sandbox_before,) = cpu_seconds([sandbox_pid]).values()
        await stack.run_job(job)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        (sandbox_after,) = cpu_seconds([sandbox_pid]).values()
        event.remove(stack.engine, "before_cursor_execute", count)
    total = sum(statements.values())
    return {
        "cpu_ms_per_record": round(cpu / writes * 1000, 2),
        "sandbox_cpu_ms_per_record": round(
            (sandbox_after[0] - sandbox_before[0]) / writes * 1000, 2
        ),
        "wall_s": round(wall, 2),
        "statements_per_record": round(total / writes, 2),
        "top_statements": dict(statements.most_common(10)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--store", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="'' for none")
    parser.add_argument("--database-url", default=POSTGRES, help="a PostgreSQL server to use")
    args = parser.parse_args()
    runs = []
    load = load_average()
    for _ in range(args.runs):
        with contextlib.ExitStack() as scope:
            url, sandbox_pid = scope.enter_context(sandbox_process("--rate-limit", "off"))
            tmp = Path(scope.enter_context(tempfile.TemporaryDirectory()))
            if args.store == "postgresql":
                database = scope.enter_context(throwaway_database(args.database_url, "cost"))
            else:
                database = f"sqlite:///{tmp / 'bridge.sqlite'}"
            engine = open_engine(database)
            migrate(engine)
            engine.dispose()
            extra = {"redis_url": args.redis_url} if args.redis_url else {}
            settings = Settings(
                database_url=database,
                sandbox_url=url,
                data_dir=tmp / "var",
                secret_key=Fernet.generate_key().decode(),
                rate_limit=NO_LIMIT,
                **extra,
            )
            runs.append(asyncio.run(one_run(settings, args.writes, sandbox_pid)))
    report = {
        "benchmark": "push_cost",
        "store": args.store,
        "writes": args.writes,
        "redis": args.redis_url or None,
        "cpu_ms_per_record_median": statistics.median(r["cpu_ms_per_record"] for r in runs),
        "sandbox_cpu_ms_per_record_median": statistics.median(
            r["sandbox_cpu_ms_per_record"] for r in runs
        ),
        "statements_per_record": runs[-1]["statements_per_record"],
        "runs": runs,
        "load_average": [load, load_average()],
    }
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
