"""Fortnox change → the bridge, through the WebSocket topics; many tenants on one connection.

    python bench/realtime_stream.py [--tenants 1000] [--changes 200] [--gap 0.05] [--quick]

A standalone sandbox (``fortnox-bridge sandbox``) runs in a subprocess; this process is the
bridge in embedded mode as ``serve`` runs it (``open_stack``, ``open_jobs``, SQLite), listening to
``cost-centers``. ``--tenants`` tenants are connected to sandbox companies and added to the one
connection; the first twenty use the projects family, whose cost-centre import listens to the
topic. Then ``--changes`` cost centres are created over the sandbox's API, spread over those
twenty companies, ``--gap`` seconds apart. Per change, end to end: from the write's answer to
the event accepted by the bridge (stored with its offset), to its fetch job starting, and to the
cost centre's ``record.created`` in the tenant's event feed (``GET /api/v1/events``), after the
real targeted read of that one cost centre; and the requests the bridge sent. Also the
bridge process's memory after the tenants were added, and its CPU while the stream is idle
(the lease rounds every 10 s, each looking at every tenant's token). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from fortnox_bridge.config import Settings
from fortnox_bridge.runtime.jobs import EmbeddedJobs, open_jobs
from fortnox_bridge.runtime.stack import open_stack
from fortnox_bridge.store.models import Event, RealtimeEvent
from fortnox_bridge.store.tenants import TenantRepository
from race import free_port

WRITERS = 20


def rss_mib() -> float:
    """The process's resident memory now."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def start_sandbox(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "fortnox_bridge", "sandbox", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/_sandbox/topics/faults", timeout=1).status_code
                < 500
            ):
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the sandbox did not start")


async def measure(tenants: int, changes: int, gap: float, idle: float) -> dict[str, Any]:
    port = free_port()
    sandbox = start_sandbox(port)
    url = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as data:
            settings = Settings(
                data_dir=Path(data), sandbox_url=url, realtime_topics=["cost-centers"]
            )
            async with open_stack(settings) as stack:
                started = time.perf_counter()
                ids = []
                with stack.sessions.begin() as session:
                    repository = TenantRepository(session)
                    for number in range(tenants):
                        tenant = repository.create(f"T{number}", now=stack.clock.now())
                        if number < WRITERS:
                            tenant.families = sorted({*tenant.families, "projects"})
                        ids.append(tenant.id)
                for tenant_id in ids:
                    await stack.connect_sandbox(tenant_id)
                connect_seconds = time.perf_counter() - started
                rss_before = rss_mib()
                jobs = open_jobs(stack)
                assert isinstance(jobs, EmbeddedJobs)
                realtime = jobs.listening.realtime
                assert realtime is not None
                jobs.in_process.start()  # no scheduler: sweeps are not measured here
                jobs.listening.start()
                for _ in range(6000):  # at most a minute
                    if "connected" in realtime.status().values():
                        break
                    await asyncio.sleep(0.01)
                added_seconds = time.perf_counter() - started - connect_seconds
                rss_connected = rss_mib()
                cpu = time.process_time()
                await asyncio.sleep(idle)
                idle_cpu = time.process_time() - cpu
                latency = await stream(stack, ids[:WRITERS], url, changes, gap)
                await jobs.stop()
    finally:
        sandbox.terminate()
        sandbox.wait(30)
    return {
        "tenants": tenants,
        "changes": changes,
        "connect_tenants_s": round(connect_seconds, 1),
        "stream_open_s": round(added_seconds, 2),
        "rss_mib_before_listener": round(rss_before, 1),
        "rss_mib_connected": round(rss_connected, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "idle_cpu_percent": round(100 * idle_cpu / idle, 2),
        **latency,
    }


async def stream(stack: Any, writers: list[int], url: str, changes: int, gap: float) -> Any:
    companies = [await stack.sandbox_company(t) for t in writers]
    async with httpx.AsyncClient(base_url=url) as api:
        before = await _bridge_requests(api, companies)
        tokens = []
        for company in companies:
            issued = await api.post(
                f"/_sandbox/companies/{company}/tokens", json={"scopes": ["costcenter"]}
            )
            tokens.append(issued.json()["access_token"])
        written: dict[str, float] = {}
        for number in range(changes):
            code = f"B{number}"
            made = await api.post(
                "/3/costcenters/",
                json={"CostCenter": {"Code": code, "Description": "Bench"}},
                headers={"Authorization": f"Bearer {tokens[number % len(tokens)]}"},
            )
            assert made.status_code == 201, made.text
            written[code] = time.time()
            await asyncio.sleep(gap)
        feed = select(Event.external_id, Event.created_at).where(
            Event.type == "record.created", Event.entity_type == "cost_center"
        )
        for _ in range(6000):
            with stack.sessions.begin() as session:
                seen = dict(session.execute(feed).all())
            if len(seen.keys() & written.keys()) >= changes:
                break
            await asyncio.sleep(0.01)
        # Less the bench's own writes: what the bridge read.
        requests = await _bridge_requests(api, companies) - before - changes
    query = select(
        RealtimeEvent.entity_id, RealtimeEvent.received_at, RealtimeEvent.handled_at
    ).where(RealtimeEvent.handled_at.is_not(None))
    with stack.sessions.begin() as session:
        rows = session.execute(query).all()
    accepted = [_seconds(r[1]) - written[r[0]] for r in rows]
    fetched = [_seconds(r[2]) - written[r[0]] for r in rows]
    in_feed = [_seconds(seen[code]) - at for code, at in written.items() if code in seen]
    return {
        "read": len(rows),
        "in_feed": len(in_feed),
        "to_accepted_ms": _percentiles(accepted),
        "to_fetch_started_ms": _percentiles(fetched),
        "to_event_feed_ms": _percentiles(in_feed),
        "bridge_requests": requests,
    }


async def _bridge_requests(api: httpx.AsyncClient, companies: list[int]) -> int:
    """Requests the sandbox answered for these companies."""
    total = 0
    for company in companies:
        stats = (await api.get("/_sandbox/stats", params={"tenant_id": company})).json()
        total += int(stats.get("requests_total", 0))
    return total


def _seconds(when: datetime | None) -> float:
    assert when is not None
    return when.timestamp()


def _percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=10)
    return {
        "p50": round(1000 * statistics.median(values), 1),
        "p90": round(1000 * cuts[8], 1),
        "max": round(1000 * max(values), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.05)
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument(
        "--quick", action="store_true", help="30 tenants, 20 changes, 1 s idle (the test suite)"
    )
    args = parser.parse_args()
    if args.quick:
        args.tenants, args.changes, args.idle = 30, 20, 1.0
    result = asyncio.run(measure(args.tenants, args.changes, args.gap, args.idle))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
