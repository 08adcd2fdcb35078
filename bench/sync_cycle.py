"""Time a push cycle of N employees through engine + store + in-process sandbox.

    python bench/sync_cycle.py [--employees 500] [--database-url URL]

Prints one JSON line: first-cycle and idle-cycle wall time, requests, and per-record cost. The
sandbox has no rate limit here, so this measures the bridge's own overhead, not Fortnox's budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import httpx

from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.runtime.stack import open_store
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://sandbox.bench"


async def measure(employees: int, database_url: str) -> dict[str, object]:
    clock = SystemClock()
    with open_store(Settings(database_url=database_url), clock=clock) as store:
        sessions = store.sessions
        with sessions.begin() as session:
            tenant = TenantRepository(session).create(f"Bench {time.time_ns()}", now=clock.now())
            mirror = MirrorRepository(session)
            for external_id, payload in demo_employees(employees):
                mirror.upsert(tenant.id, "employee", external_id, payload, now=clock.now())
            tenant_id = tenant.id
        transport = httpx.ASGITransport(app=create_app(SandboxState()))
        async with SandboxControl(URL, transport=transport) as control:
            company = (await control.create_company("Bench AB"))["tenant_id"]
            token = (await control.issue_tokens(company, ["salary"]))["access_token"]
        runner = Runner(sessions, clock=clock)
        async with FortnoxClient(access_token=token, api_url=URL, transport=transport) as client:
            started = time.perf_counter()
            first = await runner.run_cycle(tenant_id, client)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            idle = await runner.run_cycle(tenant_id, client)
            idle_s = time.perf_counter() - started
    return {
        "benchmark": "sync_cycle",
        "backend": database_url.split(":", 1)[0],
        "employees": employees,
        "first_cycle_s": round(first_s, 3),
        "first_cycle_created": first.total("created"),
        "first_cycle_records_per_s": round(employees / first_s, 1),
        "idle_cycle_s": round(idle_s, 4),
        "idle_cycle_requests": idle.requests,
        "idle_cycle_us_per_record": round(idle_s / employees * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        print(json.dumps(asyncio.run(measure(args.employees, url))))


if __name__ == "__main__":
    main()
