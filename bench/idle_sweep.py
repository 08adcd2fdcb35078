"""Idle sweeps of many tenants in embedded mode: wall time and CPU per tenant-sweep.

    python bench/idle_sweep.py [--tenants 1000] [--employees 10] [--database-url URL]

Every tenant has an active connection and host employees that are already in Fortnox (linked,
snapshot agreed), so a sweep finds nothing to do. Each sweep goes through the whole service as
``serve`` runs it (connection check, sweep lease, run record, both push flows, lease release).
The sandbox's request counter must stay at 0. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.base import Flow, fingerprint
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.tenancy.clients import FortnoxEndpoints
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.runtime.stack import open_stack
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://sandbox.bench"


def seed(sessions: object, tenants: int, employees: int, cipher: TokenCipher) -> list[int]:
    """Tenants with active connections and linked, agreed employees."""
    clock, ids = SystemClock(), []
    people = demo_employees(employees)
    with sessions.begin() as session:  # type: ignore[attr-defined]
        for number in range(tenants):
            tenant = TenantRepository(session).create(
                f"Idle {number} {time.time_ns()}", now=clock.now()
            )
            connection = ConnectionRepository(session).create(
                tenant.id, f"idle-{tenant.id}", now=clock.now()
            )
            connection.state = "active"
            connection.facts = {"checked_at": clock.now().isoformat()}
            mirror, links = MirrorRepository(session), LinkRepository(session)
            for index, (external_id, payload) in enumerate(people, start=1):
                record = mirror.upsert(
                    tenant.id, "employee", external_id, payload, now=clock.now()
                ).record
                fields = EmployeePush().map(payload)
                links.save(
                    tenant.id,
                    "employee",
                    external_id,
                    fortnox_id=str(index),
                    version=record.version,
                    snapshot=fields,
                    snapshot_hash=fingerprint(fields),
                    now=clock.now(),
                )
            ids.append(tenant.id)
    return ids


async def measure(tenants: int, employees: int, database_url: str) -> dict[str, object]:
    state = SandboxState()
    transport = httpx.ASGITransport(app=create_app(state))
    cipher = TokenCipher(Fernet.generate_key().decode())
    async with open_stack(
        Settings(database_url=database_url),
        cipher=cipher,
        endpoints=FortnoxEndpoints(URL, URL, transport),
    ) as stack:
        ids = seed(stack.sessions, tenants, employees, cipher)
        return await _sweeps(
            stack.service, stack.flows, ids, state, tenants, employees, database_url
        )


async def _sweeps(
    service: SyncService,
    flows: list[type[Flow]],
    ids: list[int],
    state: SandboxState,
    tenants: int,
    employees: int,
    database_url: str,
) -> dict[str, object]:
    await service.sweep(ids[0])  # warm up imports and caches
    walls, cpus, requests = [], [], 0
    for tenant_id in ids:
        wall, cpu = time.perf_counter(), time.process_time()
        summary = await service.sweep(tenant_id)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
        requests += summary.requests
        assert summary.status == "succeeded", summary.error
    return {
        "benchmark": "idle_sweep",
        "backend": database_url.split(":", 1)[0],
        "tenants": tenants,
        "employees_per_tenant": employees,
        "push_flows_enabled": sum(1 for f in flows if f.direction == "push" and f.default_enabled),
        "total_wall_s": round(sum(walls), 3),
        "wall_ms_per_tenant_sweep_median": round(statistics.median(walls) * 1000, 3),
        "cpu_ms_per_tenant_sweep_median": round(statistics.median(cpus) * 1000, 3),
        "cpu_ms_per_tenant_sweep_mean": round(statistics.mean(cpus) * 1000, 3),
        "fortnox_requests": requests,
        "sandbox_requests_total": state.stats.to_dict()["requests_total"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--employees", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        print(json.dumps(asyncio.run(measure(args.tenants, args.employees, url))))


if __name__ == "__main__":
    main()
