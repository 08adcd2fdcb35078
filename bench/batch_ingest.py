"""Batch ingest through the host API: 10,000 employees in 10 batches of 1,000.

    python bench/batch_ingest.py [--records 10000] [--batch 1000] [--runs 3] [--database-url URL]

Each run starts from an empty store (a fresh SQLite file unless ``--database-url`` names a
PostgreSQL database, which is emptied first) and sends ``POST /api/v1/employees:batch`` over HTTP
to the API app in-process (``httpx.ASGITransport``: the whole request path — authentication,
idempotency key, JSON, validation, unique e-mail check, one transaction per batch with the mirror
rows and the change operations — without a socket). Request bodies are encoded before the clock
starts (that is the host's work). After the creates the same batches are sent again (every record
unchanged). Prints one JSON line with the median of the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from fortnox_bridge.api import create_app
from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.runtime.stack import open_store
from fortnox_bridge.services.root import build_services
from fortnox_bridge.store.models import ChangeOperation, MirrorRecord
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://bridge.bench"


def batches(records: int, size: int) -> list[bytes]:
    """The request bodies: demo employees (unique e-mail and phone), ``size`` per batch."""
    people = demo_employees(records)
    items = [
        {"external_id": external_id, "data": {**payload, "phone": f"070-{number:07d}"}}
        for number, (external_id, payload) in enumerate(people)
    ]
    return [
        json.dumps({"records": items[start : start + size]}).encode()
        for start in range(0, len(items), size)
    ]


def empty_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


async def send(http: httpx.AsyncClient, bodies: list[bytes], key: str) -> tuple[float, float]:
    """Send every batch; wall and CPU seconds."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    wall, cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        answer = await http.post("/api/v1/employees:batch", content=body, headers=headers)
        if answer.status_code != 200 or answer.json()["counts"]["rejected"]:
            raise SystemExit(f"batch refused: {answer.status_code} {answer.text[:500]}")
    return time.perf_counter() - wall, time.process_time() - cpu


async def run_once(bodies: list[bytes], records: int, database_url: str) -> dict[str, float]:
    clock = SystemClock()
    with open_store(Settings(database_url=database_url), clock=clock) as store:
        sessions = store.sessions
        with sessions.begin() as session:
            tenants = TenantRepository(session)
            key = tenants.issue_api_key(
                tenants.create(f"Bench {time.time_ns()}", now=clock.now()),
                label="b",
                now=clock.now(),
            )
        app = create_app(build_services(sessions, clock=clock))
        async with httpx.AsyncClient(base_url=URL, transport=httpx.ASGITransport(app=app)) as http:
            await http.get("/healthz")  # the first request builds what FastAPI caches
            created_wall, created_cpu = await send(http, bodies, key)
            unchanged_wall, _ = await send(http, bodies, key)
        with sessions.begin() as session:
            stored = session.scalar(select(func.count()).select_from(MirrorRecord))
            operations = session.scalar(select(func.count()).select_from(ChangeOperation))
    if stored != records or operations != records:
        raise SystemExit(f"expected {records} records and operations, found {stored}/{operations}")
    return {
        "created_seconds": created_wall,
        "created_cpu_seconds": created_cpu,
        "unchanged_seconds": unchanged_wall,
    }


async def measure(records: int, size: int, runs: int, database_url: str | None) -> dict[str, Any]:
    bodies = batches(records, size)
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            url = database_url or f"sqlite:///{Path(folder) / 'bridge.sqlite'}"
            if database_url:
                empty_postgres(database_url)
            results.append(await run_once(bodies, records, url))
    created = statistics.median(r["created_seconds"] for r in results)
    unchanged = statistics.median(r["unchanged_seconds"] for r in results)
    backend = make_url(database_url).get_backend_name() if database_url else "sqlite"
    return {
        "benchmark": "batch_ingest",
        "store": backend,
        "records": records,
        "batch_size": size,
        "runs": runs,
        "created_seconds": round(created, 3),
        "created_records_per_second": round(records / created),
        "created_cpu_seconds": round(
            statistics.median(r["created_cpu_seconds"] for r in results), 3
        ),
        "unchanged_seconds": round(unchanged, 3),
        "unchanged_records_per_second": round(records / unchanged),
        "ms_per_batch": round(created / len(bodies) * 1000, 1),
        "goal_records_per_second": 2000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (emptied first)")
    args = parser.parse_args()
    result = asyncio.run(measure(args.records, args.batch, args.runs, args.database_url))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
