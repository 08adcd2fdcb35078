"""An idle sweep of a large projects-family tenant, beside a naive full read of Fortnox.

    python bench/projects_idle_sweep.py [--projects 2000] [--customers 5000]
                                        [--vouchers 50000] [--database-url URL] [--quick]

One tenant of the projects family with the project export, the customer export and the voucher
import on (series A, B and D; the family's cost centre and account imports run too, as base
flows), its projects and customers exported and every voucher imported (all synced once through
the engine and the in-process sandbox, no rate limit). Then it times three idle sweeps (nothing
changed in either system): requests sent and CPU seconds (the sandbox runs in the same process,
so its CPU is counted too), beside a naive full read (every voucher read one by one, and every
list of the three registers). ``--quick`` is a small size for the tests. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.runtime.stack import open_store
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.clock import stockholm_stamp
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://sandbox.bench"
SERIES = ("A", "B", "D")
FLOWS = (
    "projects.construction_project.push",
    "projects.project_customer.push",
    "projects.voucher.pull",
)
VOUCHERS = ("projects.voucher.pull",)
SCOPES = ["bookkeeping", "project", "customer", "costcenter"]


def host_records(sessions: Any, projects: int, customers: int) -> int:
    """A tenant with the three flows on and its projects and customers in the mirror."""
    now = SystemClock().now()
    with sessions.begin() as session:
        tenant = TenantRepository(session).create(f"Projekt {time.time_ns()}", now=now)
        tenant.families = sorted({*tenant.families, "projects"})  # its flows run only then
        configs = FlowConfigRepository(session)
        for name in FLOWS:
            configs.put(tenant.id, name, enabled=True, settings={}, now=now)
        mirror = MirrorRepository(session)
        for number in range(1, projects + 1):
            payload = {"number": f"P{number}", "name": f"Projekt {number}", "status_code": 50}
            mirror.upsert(tenant.id, "construction_project", f"p-{number}", payload, now=now)
        for number in range(1, customers + 1):
            payload = {"number": str(number), "name": f"Kund {number}"}
            mirror.upsert(tenant.id, "project_customer", f"c-{number}", payload, now=now)
        return int(tenant.id)


async def book_vouchers(
    state: SandboxState, company: int, client: FortnoxClient, vouchers: int, projects: int
) -> None:
    """``vouchers`` vouchers spread over the series, each with a row on a project: one booked
    through the API, the rest copied from it into the register (booking them one by one would
    measure the sandbox, not the bridge)."""
    for code in SERIES:
        await client.voucher_series.create({"code": code, "description": f"Serie {code}"})
    rows = [{"Account": 4010, "Debit": 100, "Project": "P1", "TransactionInformation": "Virke"},
            {"Account": 1930, "Credit": 100}]  # fmt: skip
    first = await client.vouchers.create(
        {"voucher_series": "A", "transaction_date": date.today().isoformat(),
         "description": "Inköp", "voucher_rows": rows}
    )  # fmt: skip
    register = state.companies[company].register("vouchers")
    template = register.records[client.vouchers.key(first)]
    stamp = stockholm_stamp(state.clock.now())
    numbers = {"A": 1, "B": 0, "D": 0}
    for index in range(1, vouchers):
        series = SERIES[index % len(SERIES)]
        numbers[series] += 1
        record = copy.deepcopy(template)
        record.update(VoucherSeries=series, VoucherNumber=numbers[series])
        record["VoucherRows"][0]["Project"] = f"P{index % projects + 1}"
        register.put(f"{record['Year']}/{series}/{numbers[series]}", record, stamp)
    for series, highest in numbers.items():
        counter = state.companies[company].register(f"vouchers-{series}-{template['Year']}")
        counter.next_number = highest + 1


async def naive_read(client: FortnoxClient) -> dict[str, float]:
    """Every list of the three registers and every voucher read one by one."""
    before, cpu = client.requests_made, time.process_time()
    keys = []
    for series in SERIES:
        page = 1
        while True:
            found = await client.vouchers.sublist(series, page=page, limit=500)
            keys += [client.vouchers.key(row) for row in found.items]
            if page >= (found.meta.total_pages or 1):
                break
            page += 1
    for key in keys:
        await client.vouchers.get(key)
    _ = [row async for row in client.projects.iterate()]
    _ = [row async for row in client.customers.iterate()]
    return {"requests": client.requests_made - before, "cpu_s": time.process_time() - cpu}


async def measure(
    projects: int, customers: int, vouchers: int, database_url: str
) -> dict[str, object]:
    clock = SystemClock()
    state = SandboxState()
    transport = httpx.ASGITransport(app=create_app(state))
    async with SandboxControl(URL, transport=transport) as control:
        company = int((await control.create_company("Projekt AB"))["tenant_id"])
        token = (await control.issue_tokens(company, SCOPES))["access_token"]
    with open_store(Settings(database_url=database_url), clock=clock) as store:
        tenant_id = host_records(store.sessions, projects, customers)
        runner = Runner(store.sessions, clock=clock)
        async with FortnoxClient(access_token=token, api_url=URL, transport=transport) as client:
            started = time.perf_counter()
            exports = await runner.run_cycle(tenant_id, client)
            exports_s = time.perf_counter() - started
            await book_vouchers(state, company, client, vouchers, projects)
            started = time.perf_counter()
            imports = await runner.run_cycle(tenant_id, client)
            imports_s = time.perf_counter() - started
            assert exports.total("created") == projects + customers, exports.to_dict()
            assert imports.total("imported") == vouchers, imports.to_dict()
            idle = [await _idle(runner, tenant_id, client) for _ in range(3)]
            alone = [await _idle(runner, tenant_id, client, VOUCHERS) for _ in range(3)]
            naive = await naive_read(client)
    return {
        "benchmark": "projects_idle_sweep",
        "backend": database_url.split(":", 1)[0],
        "projects": projects,
        "customers": customers,
        "vouchers": vouchers,
        "first_export_s": round(exports_s, 1),
        "first_import_s": round(imports_s, 1),
        "first_import_requests": imports.requests,
        "idle_requests": [r["requests"] for r in idle],
        "idle_write_requests": sum(r["writes"] for r in idle),
        "idle_cpu_s_median": round(statistics.median(r["cpu_s"] for r in idle), 3),
        "idle_wall_s_median": round(statistics.median(r["wall_s"] for r in idle), 3),
        "voucher_import_alone_requests": [r["requests"] for r in alone],
        "voucher_import_alone_cpu_s_median": round(statistics.median(r["cpu_s"] for r in alone), 3),
        "naive_requests": naive["requests"],
        "naive_cpu_s": round(naive["cpu_s"], 2),
    }


async def _idle(
    runner: Runner, tenant_id: int, client: FortnoxClient, only: tuple[str, ...] | None = None
) -> dict[str, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    summary = await runner.run_cycle(tenant_id, client, only=only)
    cpu_s, wall_s = time.process_time() - cpu, time.perf_counter() - wall
    assert summary.total("imported") + summary.total("created") == 0, summary.to_dict()
    writes = sum(flow.write_requests for flow in summary.flows)
    return {"requests": summary.requests, "writes": writes, "cpu_s": cpu_s, "wall_s": wall_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--vouchers", type=int, default=50_000)
    parser.add_argument(
        "--quick", action="store_true", help="20 projects, 50 customers, 300 vouchers"
    )
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    sizes = (20, 50, 300) if args.quick else (args.projects, args.customers, args.vouchers)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        print(json.dumps(asyncio.run(measure(*sizes, url))))


if __name__ == "__main__":
    main()
