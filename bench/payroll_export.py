"""Payroll export: one month of 100 employees to Fortnox within the 25 requests / 5 s budget.

    python bench/payroll_export.py [--employees 100] [--month 2026-03] [--real-time]
                                   [--database-url URL]

A tenant with ``--employees`` employees, five projects and four cost centres (all created in
Fortnox first, as a real company has them, not measured) and a month of time entries: 8 hours of
project work every weekday, overtime (ÖT1) on some days, vacation, sick days and half days of VAB.
Then one sweep of the payroll flows (``payroll.attendance.push``, ``payroll.absence.push``)
through the engine, the store and the in-process sandbox with its rate limit ON (25 requests per
sliding 5 s, as Fortnox), and the client's limiter pacing the requests. Prints one JSON line:
transactions written, Fortnox requests (one per transaction, plus one listing each of the projects
and cost centres the lines are checked against) and 429 answers, the time the export took on the
Fortnox clock, the theoretical minimum (requests / 25 × 5 s) and their ratio, the wall time spent
by the bridge itself, an idle re-run (must make 0 requests), and a re-sync of the whole month
(``payroll``: every transaction deleted and written again) with its requests and time. Exits 1
when Fortnox does not hold exactly the expected transactions.

By default the sandbox, the limiter and the retries share a manual clock that moves when the
client waits for the budget, so the run takes seconds of wall time while the pacing is exactly
what it would be at the real rate. ``--real-time`` uses the system clock instead and takes as
long as Fortnox would (about 8 minutes for 100 employees).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.clock import Clock, ManualClock, SystemClock
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.flow.sources import FixedClient
from fortnox_bridge.engine.maintenance.resync import Resync
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.traffic import Stats
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Run
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://sandbox.bench"
BUDGET = RateLimit(25, 5.0)
PAYROLL = ("payroll.attendance.push", "payroll.absence.push")
SCOPES = ["salary", "bookkeeping", "settings", "companyinformation", "project", "costcenter"]
PROJECTS = {f"p{n}": f"P{n}00" for n in range(1, 6)}
COST_CENTERS = [f"CC{n}" for n in range(1, 5)]
ABSENCE_TYPES = {
    "semester": {"code": "semester", "name": "Semester"},
    "sjuk": {"code": "sjuk", "name": "Sjuk", "paxml_code": "SJK"},
    "vab": {"code": "vab", "name": "Vård av barn", "paxml_code": "VAB"},
}


def month_of_time(employees: int, first: date) -> dict[str, dict[str, Any]]:
    """Time entries of one month: work on projects, some overtime and absence (seeded)."""
    rng = random.Random(9)
    days = []
    day = first
    while day.month == first.month:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    entries: dict[str, dict[str, Any]] = {}
    for number in range(1, employees + 1):
        person = f"emp-{number:04d}"
        cost_center = COST_CENTERS[number % len(COST_CENTERS)]
        vacation = set(rng.sample(days, 5)) if number % 7 == 0 else set()
        sick = {rng.choice(days)} if rng.random() < 0.2 else set()
        vab = {rng.choice(days)} if rng.random() < 0.1 else set()
        overtime = rng.random() < 0.3
        for index, day in enumerate(days):
            key, base = f"{person}/{day}", {"employee": person, "date": day.isoformat()}
            if day in vacation:
                entries[key] = {**base, "hours": "8", "absence_type": "semester"}
                continue
            if day in sick:
                entries[key] = {**base, "hours": "8", "absence_type": "sjuk"}
                continue
            project = f"p{(number + index // 5) % len(PROJECTS) + 1}"
            work = {**base, "project": project, "cost_center": cost_center}
            if day in vab:
                entries[key + "/vab"] = {**base, "hours": "4", "absence_type": "vab"}
                entries[key] = {**work, "hours": "4"}
                continue
            entries[key] = {**work, "hours": "8"}
            if overtime and day.weekday() == 3:
                entries[key + "/ot"] = {**work, "hours": "1.5", "paxml_code": "ÖT1"}
    return entries


def expected_transactions(entries: dict[str, dict[str, Any]]) -> Counter[str]:
    """How many attendance and absence transactions the entries become (one per employee,
    day, code, project and cost centre)."""
    keys = {
        (
            "absence" if "absence_type" in e else "attendance",
            e["employee"],
            e["date"],
            e.get("paxml_code") or e.get("absence_type") or "TID",
            e.get("project"),
            e.get("cost_center"),
        )
        for e in entries.values()
    }
    return Counter(kind for kind, *_ in keys)


async def measure(
    employees: int, month: date, real_time: bool, database_url: str
) -> dict[str, Any]:
    manual = None if real_time else ManualClock(datetime.combine(month, datetime.min.time(), UTC))
    clock: Clock = manual or SystemClock()
    sleep = manual.sleep if manual is not None else asyncio.sleep
    state, transport, company, token = await _sandbox(clock)
    engine, sessions, tenant_id, entries = _store(database_url, clock, employees, month)
    runner = Runner(sessions, clock=clock)
    limiter = SlidingWindowLimiter(BUDGET, clock=clock, sleep=sleep)
    retry = RetryPolicy(sleep=sleep, max_total_wait=600)
    client = FortnoxClient(
        access_token=token, api_url=URL, transport=transport, limiter=limiter, retry=retry
    )
    async with client:
        setup = await runner.run_cycle(tenant_id, client, only=["hr.employee.push"])
        assert setup.total("created") == employees, setup.to_dict()
        await _registers(client)
        stats = state.stats_by_tenant[company]
        export, exported = await _export(runner, tenant_id, client, state, stats, clock)
        # The month re-synced ("send Fortnox salary data" again): delete and write it all.
        resyncs = Resync(sessions, clock, runner)
        resync, resynced = await _resync(resyncs, tenant_id, client, stats, clock, month)
    engine.dispose()
    want = expected_transactions(entries)
    written = export.total("created")
    requests, fortnox_s = exported["requests"], exported["fortnox_s"]
    found, resync_requests = exported["found"], resynced["requests"]
    minimum_s = requests / BUDGET.requests * BUDGET.seconds
    return {
        "benchmark": "payroll_export",
        "backend": database_url.split(":", 1)[0],
        "clock": "real" if real_time else "manual",
        "employees": employees,
        "month": month.strftime("%Y-%m"),
        "time_entries": len(entries),
        "transactions_written": written,
        "attendance_transactions": found["attendance"],
        "absence_transactions": found["absence"],
        "exact": found == want and written == sum(want.values()) and not export.total("failed"),
        "requests": requests,
        "requests_per_transaction": round(requests / max(written, 1), 3),
        "throttled_429": exported["throttled"],
        "fortnox_time_s": round(fortnox_s, 1),
        "theoretical_minimum_s": round(minimum_s, 1),
        "transactions_minimum_s": round(written / BUDGET.requests * BUDGET.seconds, 1),
        "pacing_vs_minimum": round(fortnox_s / minimum_s, 3) if minimum_s else None,
        "achieved_requests_per_s": round(requests / fortnox_s, 2) if fortnox_s else None,
        "bridge_wall_s": round(exported["wall_s"], 2),
        "idle_rerun_requests": exported["idle_requests"],
        "idle_rerun_created": exported["idle"].total("created"),
        "resync_status": resync.status,
        "resync_deleted": resync.counts.get("deleted"),
        "resync_written_days": resync.counts.get("written"),
        "resync_requests": resync_requests,
        "resync_fortnox_time_s": round(resynced["seconds"], 1),
        "resync_minimum_s": round(resync_requests / BUDGET.requests * BUDGET.seconds, 1),
        "resync_exact": resynced["after"] == want,
    }


async def _registers(client: FortnoxClient) -> None:
    """The projects and cost centres the time is reported on, in Fortnox as in a real company
    (otherwise the payroll flows hold the days back)."""
    for number in PROJECTS.values():
        await client.projects.create({"project_number": number, "description": number})
    for code in COST_CENTERS:
        await client.cost_centers.create({"code": code, "description": code})


async def _sandbox(clock: Clock) -> tuple[SandboxState, httpx.ASGITransport, int, str]:
    """The in-process sandbox with its rate limit on, one company and its access token."""
    state = SandboxState(clock=clock)
    state.limiter.configure(enabled=True, requests=BUDGET.requests, seconds=BUDGET.seconds)
    transport = httpx.ASGITransport(app=create_app(state))
    async with SandboxControl(URL, transport=transport) as control:
        company = int((await control.create_company("Lön AB"))["tenant_id"])
        token = (await control.issue_tokens(company, SCOPES))["access_token"]
    return state, transport, company, token


def _store(
    database_url: str, clock: Clock, employees: int, month: date
) -> tuple[Engine, sessionmaker[Session], int, dict[str, dict[str, Any]]]:
    """A migrated store with one tenant: its flows on, its employees, projects, absence types
    and the month's time entries mirrored."""
    engine = open_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    entries = month_of_time(employees, month)
    with sessions.begin() as session:
        tenant_id = TenantRepository(session).create(f"Lön {time.time_ns()}", now=clock.now()).id
        configs = FlowConfigRepository(session)
        for name in ("hr.employee.push", *PAYROLL):
            configs.put(tenant_id, name, enabled=True, settings={}, now=clock.now())
        mirror = MirrorRepository(session)
        for number, (_, payload) in enumerate(demo_employees(employees), start=1):
            mirror.upsert(tenant_id, "employee", f"emp-{number:04d}", payload, now=clock.now())
        for host_id, number in PROJECTS.items():
            mirror.upsert(
                tenant_id, "project", host_id, {"number": number, "name": number}, now=clock.now()
            )
        for host_id, payload in ABSENCE_TYPES.items():
            mirror.upsert(tenant_id, "absence_type", host_id, payload, now=clock.now())
        for host_id, payload in entries.items():
            mirror.upsert(tenant_id, "time_entry", host_id, payload, now=clock.now())
    return engine, sessions, tenant_id, entries


async def _export(
    runner: Runner,
    tenant_id: int,
    client: FortnoxClient,
    state: SandboxState,
    stats: Stats,
    clock: Clock,
) -> tuple[RunSummary, dict[str, Any]]:
    """The measured export sweep, then an idle re-run and a count of what Fortnox holds."""
    requests_before = stats.to_dict()["requests_total"]
    throttled_before = state.stats.to_dict()["responses_by_status"].get("429", 0)
    fortnox_started, wall_started = clock.now(), time.perf_counter()
    export = await runner.run_cycle(tenant_id, client, only=PAYROLL)
    wall_s = time.perf_counter() - wall_started
    fortnox_s = (clock.now() - fortnox_started).total_seconds()
    requests = stats.to_dict()["requests_total"] - requests_before
    throttled = state.stats.to_dict()["responses_by_status"].get("429", 0) - throttled_before
    idle_before = stats.to_dict()["requests_total"]
    idle = await runner.run_cycle(tenant_id, client, only=PAYROLL)
    idle_requests = stats.to_dict()["requests_total"] - idle_before
    found = await _count(client)
    return export, {
        "wall_s": wall_s,
        "fortnox_s": fortnox_s,
        "requests": requests,
        "throttled": throttled,
        "idle": idle,
        "idle_requests": idle_requests,
        "found": found,
    }


async def _resync(
    resyncs: Resync, tenant_id: int, client: FortnoxClient, stats: Stats, clock: Clock, month: date
) -> tuple[Run, dict[str, Any]]:
    """A re-sync of the whole month: its run, requests, time and what Fortnox holds after."""
    source = FixedClient(client)
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    resync_requests_before = stats.to_dict()["requests_total"]
    resync_started = clock.now()
    plan = await resyncs.plan(tenant_id, "payroll", month, last, source)
    resync = await resyncs.run(tenant_id, resyncs.start(tenant_id, plan), source)
    resync_s = (clock.now() - resync_started).total_seconds()
    resync_requests = stats.to_dict()["requests_total"] - resync_requests_before
    after_resync = await _count(client)
    return resync, {"seconds": resync_s, "requests": resync_requests, "after": after_resync}


async def _count(client: FortnoxClient) -> Counter[str]:
    return Counter(
        {
            "attendance": len([r async for r in client.attendance_transactions.iterate()]),
            "absence": len([r async for r in client.absence_transactions.iterate()]),
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100)
    parser.add_argument("--month", default="2026-03", help="YYYY-MM")
    parser.add_argument("--real-time", action="store_true", help="wait for real (minutes)")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    month = date.fromisoformat(args.month + "-01")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        report = asyncio.run(measure(args.employees, month, args.real_time, url))
    print(json.dumps(report))
    ok = report["exact"] and report["resync_exact"] and report["idle_rerun_requests"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
