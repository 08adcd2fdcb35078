"""Sweeps under injected faults converge to the exact expected state, with no duplicates.

    python bench/fault_tolerance.py [--records 500] [--seed 7] [--database-url URL]

The sandbox answers 20 % of requests with 429, 5 % with a 5xx and applies-then-drops 2 % (the
write happens, the answer is lost). The engine sweeps until a sweep has nothing left to do: first
500 creates, then 100 changes and 20 deletions (deactivations) under the same faults. Then the
faults stop and Fortnox is compared with the host records field by field. Retry waits run on a
manual clock, so the run takes seconds. Prints one JSON line; exit 1 if it did not converge.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://sandbox.bench"
FAULTS = (("429", 0.20, {}), ("5xx", 0.05, {"status": 500}), ("drop_response", 0.02, {}))
MAX_ROUNDS = 30


async def converge(runner: Runner, tenant_id: int, client: FortnoxClient) -> dict[str, int]:
    """Sweep until one sweep fails nothing and changes nothing."""
    totals = {"rounds": 0, "requests": 0, "adopted": 0, "failed_items": 0}
    for _ in range(MAX_ROUNDS):
        summary = await runner.run_cycle(tenant_id, client)
        totals["rounds"] += 1
        totals["requests"] += summary.requests
        totals["adopted"] += summary.total("adopted")
        totals["failed_items"] += summary.total("failed")
        busy = sum(summary.total(c) for c in ("created", "updated", "deleted", "adopted"))
        if not summary.total("failed") and not busy:
            return totals
    totals["rounds"] = -1
    return totals


def expected(host: dict[str, dict[str, Any]], deleted: set[str]) -> dict[str, dict[str, Any]]:
    """What Fortnox must hold, by e-mail."""
    wanted = {}
    for external_id, payload in host.items():
        fields = EmployeePush().map(payload)
        fields["inactive"] = external_id in deleted
        wanted[str(fields["email"])] = fields
    return wanted


async def actual(client: FortnoxClient) -> tuple[dict[str, dict[str, Any]], int]:
    """What Fortnox holds, by e-mail, and how many employees there are."""
    found: dict[str, dict[str, Any]] = {}
    count = 0
    async for row in client.employees.iterate():
        count += 1
        full = (await client.employees.get(str(row.employee_id))).model_dump(mode="json")
        found[str(full["email"])] = full
    return found, count


def mismatches(wanted: dict[str, dict[str, Any]], found: dict[str, dict[str, Any]]) -> int:
    """Records whose fields differ from what the host has."""
    bad = 0
    for email, fields in wanted.items():
        stored = found.get(email)
        if stored is None or any(_value(stored.get(k)) != v for k, v in fields.items()):
            bad += 1
    return bad


def _value(value: Any) -> Any:
    return None if value in ("", None) else value


async def run(records: int, seed: int, database_url: str) -> dict[str, Any]:
    clock = ManualClock()
    state = SandboxState(clock=clock, fault_seed=seed)
    transport = SandboxTransport(create_app(state))
    engine = open_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    host = dict(demo_employees(records))
    with sessions.begin() as session:
        tenant_id = TenantRepository(session).create(f"Faults {time.time_ns()}", now=clock.now()).id
        mirror = MirrorRepository(session)
        for external_id, payload in host.items():
            mirror.upsert(tenant_id, "employee", external_id, payload, now=clock.now())
    async with SandboxControl(URL, transport=transport) as control:
        company = (await control.create_company("Faults AB"))["tenant_id"]
        token = (await control.issue_tokens(company, ["salary"]))["access_token"]
        for kind, probability, extra in FAULTS:
            await control.add_fault(kind, probability=probability, **extra)

        async def sleep(seconds: float) -> None:
            clock.advance(seconds)

        retry = RetryPolicy(sleep=sleep, rng=random.Random(seed), max_total_wait=600)
        client = FortnoxClient(access_token=token, api_url=URL, transport=transport, retry=retry)
        runner = Runner(sessions, clock=clock, flows=[EmployeePush])
        started = time.perf_counter()
        creates = await converge(runner, tenant_id, client)
        changed, deleted = _change(sessions, clock, tenant_id, host, random.Random(seed))
        changes = await converge(runner, tenant_id, client)
        wall = time.perf_counter() - started
        stats = await control.stats(company)
        await control.clear_faults()
        found, count = await actual(client)
        idle = await runner.run_cycle(tenant_id, client)
        await client.aclose()
    engine.dispose()
    wanted = expected(host, deleted)
    by_status = stats["responses_by_status"]
    return {
        "benchmark": "fault_tolerance",
        "backend": database_url.split(":", 1)[0],
        "records": records,
        "faults": {kind: probability for kind, probability, _ in FAULTS},
        "create_rounds": creates["rounds"],
        "change_rounds": changes["rounds"],
        "changed": changed,
        "deleted": len(deleted),
        "requests": stats["requests_total"],
        "answered_429": by_status.get("429", 0),
        "answered_5xx": sum(v for k, v in by_status.items() if k.startswith("5")),
        "faults_injected": stats.get("faults_injected", {}),
        "adopted_after_lost_answers": creates["adopted"] + changes["adopted"],
        "employees_in_fortnox": count,
        "duplicates": count - len(found),
        "mismatched_records": mismatches(wanted, found) + (len(found) - len(wanted)),
        "idle_requests_after": idle.requests,
        "engine_wall_s": round(wall, 2),
        "converged": creates["rounds"] > 0 and changes["rounds"] > 0,
    }


def _change(
    sessions: Any,
    clock: ManualClock,
    tenant_id: int,
    host: dict[str, dict[str, Any]],
    rng: random.Random,
) -> tuple[int, set[str]]:
    ids = sorted(host)
    picked = rng.sample(ids, min(120, len(ids)))
    changed, deleted = picked[:100], set(picked[100:])
    with sessions.begin() as session:
        mirror = MirrorRepository(session)
        for external_id in changed:
            host[external_id] = {**host[external_id], "city": f"Ort {external_id}"}
            mirror.upsert(tenant_id, "employee", external_id, host[external_id], now=clock.now())
        for external_id in deleted:
            mirror.delete(tenant_id, "employee", external_id, now=clock.now())
    return len(changed), deleted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        result = asyncio.run(run(args.records, args.seed, url))
    print(json.dumps(result))
    ok = result["converged"] and not result["duplicates"] and not result["mismatched_records"]
    return 0 if ok and result["idle_requests_after"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
