"""Host change → written to Fortnox, real time, Fortnox's 25 requests / 5 s client limit on.

    python bench/push_latency.py [--changes 40] [--quiet 0.2] [--max-delay 1.0]
    python bench/push_latency.py --mode distributed [--workers 1] [--changes 40]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--redis-url URL]

- ``embedded`` (the default): the API app, the debouncer, workers and the sandbox in one
  process; each change is a ``PUT /api/v1/employees/{id}`` through the API app.
- ``distributed``: ``fortnox-bridge serve --no-worker`` and ``--workers`` ``fortnox-bridge
  worker`` processes on a throw-away PostgreSQL database (``bench_latency_<random>``, dropped at
  the end); the push is queued in the transaction of the change (no debounce). The sandbox is
  served by this process on a loopback port; each change is a ``PUT`` over HTTP to ``serve``.

The clock stops when the sandbox has applied the write (woken by each write it finishes). Changes
are spaced (``--gap``) so that they do not merge into one push. Prints one JSON line with p50,
p90 and the maximum.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography.fernet import Fernet

from _distributed import POSTGRES, Processes, bridge_env, load_average, throwaway_database
from fortnox_bridge.api import create_app as create_api
from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.tenancy.clients import FortnoxEndpoints
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.runtime.jobs import EmbeddedJobs
from fortnox_bridge.runtime.stack import Stack, open_stack
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services
from fortnox_bridge.store.tenants import TenantRepository
from race import cli, free_port

URL = "http://sandbox.bench"
EMPLOYEES = 20


class Applied:
    """ASGI wrapper: wakes waiters whenever the sandbox finished a write, and notes when each
    Fortnox API request arrived."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.changed = asyncio.Condition()
        self.arrivals: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/3/"):
            self.arrivals.append(time.perf_counter())
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] != "GET":
            async with self.changed:
                self.changed.notify_all()


async def measure(
    changes: int, quiet: float, max_delay: float, gap: float, database_url: str
) -> dict[str, Any]:
    state = SandboxState()
    applied = Applied(create_app(state))
    transport = httpx.ASGITransport(app=applied)
    settings = Settings(
        database_url=database_url,
        push_debounce_seconds=quiet,
        push_max_delay_seconds=max_delay,
        workers=4,
    )
    async with open_stack(
        settings,
        cipher=TokenCipher(Fernet.generate_key().decode()),
        endpoints=FortnoxEndpoints(URL, URL, transport),
    ) as stack:
        key, company = await _connected_tenant(stack, transport)
        jobs = EmbeddedJobs(stack)  # serve's workers and debouncer, without its scheduler
        api = create_api(
            build_services(
                stack.sessions,
                clock=stack.clock,
                flows=stack.flows,
                hooks=EngineHooks(on_change=jobs.on_change, dispatcher=jobs.dispatcher),
            )
        )
        jobs.in_process.start()
        try:
            async with httpx.AsyncClient(
                base_url="http://bridge",
                transport=httpx.ASGITransport(app=api),
                headers={"Authorization": f"Bearer {key}"},
            ) as http:
                measured = await _changes(http, applied, state, company, changes, gap)
        finally:
            await jobs.in_process.stop()
    return {
        "benchmark": "push_latency",
        "mode": "embedded",
        "backend": database_url.split(":", 1)[0],
        "changes": len(measured),
        "debounce_quiet_s": quiet,
        "debounce_max_delay_s": max_delay,
        **_percentiles(measured),
        "fortnox_requests": state.stats.to_dict()["requests_total"],
    }


async def _connected_tenant(stack: Stack, transport: httpx.AsyncBaseTransport) -> tuple[str, int]:
    """A new tenant connected to a new sandbox company: its API key and the company."""
    clock = stack.clock
    with stack.sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create(f"Latency {time.time_ns()}", now=clock.now())
        tenant_id, key = tenant.id, tenants.issue_api_key(tenant, label="bench", now=clock.now())
    async with SandboxControl(URL, transport=transport) as control:
        company = int((await control.create_company("Latency AB"))["tenant_id"])
        issued = await control.issue_tokens(company, ["salary"])
    tokens = TokenSet(
        issued["access_token"],
        clock.now() + timedelta(hours=1),
        issued["refresh_token"],
        issued["scope"],
    )
    await stack.connections.connect(
        tenant_id,
        tokens,
        client_id=issued["client_id"],
        client_secret=issued["client_secret"],
        fortnox_tenant_id=company,
    )
    return key, company


async def measure_distributed(
    changes: int, workers: int, gap: float, server_url: str, redis_url: str | None
) -> dict[str, Any]:
    """serve --no-worker and ``workers`` worker processes; the sandbox served by this loop."""
    state = SandboxState()
    applied = Applied(create_app(state, standalone=True))
    port = free_port()
    sandbox = uvicorn.Server(
        uvicorn.Config(applied, host="127.0.0.1", port=port, log_level="error")
    )
    serving = asyncio.create_task(sandbox.serve())
    while not sandbox.started:  # noqa: ASYNC110 (uvicorn offers no event; it starts in ms)
        await asyncio.sleep(0.01)
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            throwaway_database(server_url, "latency") as database,
        ):
            extra = {"redis_url": redis_url} if redis_url else {}
            env = bridge_env(database, f"http://127.0.0.1:{port}", Path(tmp) / "var", **extra)
            added = await asyncio.to_thread(cli, "tenants", "add", "Latency AB", env=env)
            key = added.split("API key (shown once):", 1)[1].split()[0]
            await asyncio.to_thread(cli, "connect", "--tenant", "Latency AB", env=env)
            (company,) = state.companies
            bridge, api_port = Processes(env, Path(tmp) / "logs"), free_port()
            load = load_average()
            try:
                await asyncio.to_thread(
                    bridge.start, "serve", "--no-worker", "--port", str(api_port)
                )
                await asyncio.to_thread(bridge.workers, workers, 4)
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{api_port}",
                    headers={"Authorization": f"Bearer {key}"},
                    timeout=30,
                ) as http:
                    measured = await _changes(http, applied, state, company, changes, gap)
            finally:
                codes = await asyncio.to_thread(bridge.stop)
            if any(codes):
                print(bridge.log_text()[-4000:], file=sys.stderr)
    finally:
        sandbox.should_exit = True
        await serving
    return {
        "benchmark": "push_latency",
        "mode": "distributed",
        "backend": "postgresql",
        "processes": f"serve --no-worker + {workers} worker (4 slots each)",
        "redis": bool(redis_url),
        "changes": len(measured),
        "gap_s": gap,
        **_percentiles(measured),
        "fortnox_requests": state.stats.to_dict()["requests_total"],
        "exit_codes": codes,
        "load_average": [load, load_average()],
    }


async def _changes(
    http: httpx.AsyncClient,
    applied: Applied,
    state: SandboxState,
    company: int,
    changes: int,
    gap: float,
) -> list[tuple[float, float, float, int]]:
    """PUT changes one after another. For each measured one, seconds from the PUT until: the
    bridge answered it, the first Fortnox request arrived, Fortnox held it; and the requests."""
    employees = demo_employees(EMPLOYEES)
    measured = []
    for number in range(changes + EMPLOYEES):
        external_id, payload = employees[number % EMPLOYEES]
        payload = {**payload, "city": f"Stad {number}"}
        started, seen = time.perf_counter(), len(applied.arrivals)
        response = await http.put(f"/api/v1/employees/{external_id}", json=payload)
        answered = time.perf_counter() - started
        assert response.status_code in (200, 201), response.text
        await _written(applied, state, company, payload)
        if number >= EMPLOYEES:  # the first round creates; the measured ones update
            arrivals = applied.arrivals[seen:]
            first = arrivals[0] - started if arrivals else float("nan")
            total = time.perf_counter() - started
            measured.append((total, answered, first, len(arrivals)))
        await asyncio.sleep(gap)  # the host's next edit comes a moment later
    return measured


def _percentiles(measured: list[tuple[float, float, float, int]]) -> dict[str, Any]:
    ordered = sorted(m[0] for m in measured)
    return {
        "p50_s": round(statistics.median(ordered), 3),
        "p90_s": round(ordered[int(len(ordered) * 0.9) - 1], 3),
        "max_s": round(ordered[-1], 3),
        # Medians of the parts: the bridge's answer to the PUT, the first Fortnox request.
        "put_answered_p50_s": round(statistics.median(m[1] for m in measured), 3),
        "first_fortnox_request_p50_s": round(statistics.median(m[2] for m in measured), 3),
        "fortnox_requests_per_change": round(statistics.mean(m[3] for m in measured), 2),
    }


async def _written(
    applied: Applied, state: SandboxState, company: int, payload: dict[str, Any]
) -> None:
    """Wait until the sandbox holds the change (woken by each write, not by polling)."""

    def holds() -> bool:
        rows = state.companies[company].employees.values()
        return any(
            r.get("Email") == payload["email"] and r.get("City") == payload["city"] for r in rows
        )

    async with applied.changed:
        await asyncio.wait_for(applied.changed.wait_for(holds), timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["embedded", "distributed"], default="embedded")
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--quiet", type=float, default=0.2, help="embedded: debounce quiet time")
    parser.add_argument("--max-delay", type=float, default=1.0, help="embedded: debounce limit")
    parser.add_argument("--workers", type=int, default=1, help="distributed: worker processes")
    parser.add_argument(
        "--gap", type=float, default=None, help="seconds between a write and the next change "
        "(default 0.05 embedded, 0.5 distributed: the previous job has finished)"
    )  # fmt: skip
    parser.add_argument(
        "--database-url",
        default=None,
        help="embedded: the store (default a temporary SQLite file); distributed: a PostgreSQL "
        f"server on which a database is made and dropped (default {POSTGRES})",
    )
    parser.add_argument("--redis-url", default=None, help="distributed: the shared rate limit")
    args = parser.parse_args()
    if args.mode == "distributed":
        gap = 0.5 if args.gap is None else args.gap
        server = args.database_url or POSTGRES
        report = asyncio.run(
            measure_distributed(args.changes, args.workers, gap, server, args.redis_url)
        )
        print(json.dumps(report))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        gap = 0.05 if args.gap is None else args.gap
        print(json.dumps(asyncio.run(measure(args.changes, args.quiet, args.max_delay, gap, url))))


if __name__ == "__main__":
    main()
