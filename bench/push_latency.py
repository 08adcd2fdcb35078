"""Host change → written to Fortnox, in embedded mode (API, debouncer, workers and the sandbox in
one process, real time, Fortnox's 25 requests / 5 s client limit on).

    python bench/push_latency.py [--changes 40] [--quiet 0.2] [--max-delay 1.0]

Each change is a ``PUT /api/v1/employees/{id}`` through the API app; the clock stops when the
sandbox has applied the write. Prints one JSON line with p50, p90 and the maximum.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from fortnox_bridge.api import create_app as create_api
from fortnox_bridge.api.app import ApiHooks
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.demo import demo_employees
from fortnox_bridge.engine.clients import ConnectionClients, FortnoxEndpoints
from fortnox_bridge.engine.connections import ConnectionService
from fortnox_bridge.engine.crypto import TokenCipher
from fortnox_bridge.engine.dispatch import InProcessDispatcher, Job
from fortnox_bridge.engine.registry import discover_flows
from fortnox_bridge.engine.scheduler import PushDebouncer
from fortnox_bridge.engine.service import SyncService
from fortnox_bridge.engine.token_vault import TokenVault
from fortnox_bridge.fortnox.ratelimit import SlidingWindowLimiter
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.tenants import TenantRepository

URL = "http://sandbox.bench"
EMPLOYEES = 20


class Applied:
    """ASGI wrapper: wakes waiters whenever the sandbox finished a write."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.changed = asyncio.Condition()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] != "GET":
            async with self.changed:
                self.changed.notify_all()


async def measure(
    changes: int, quiet: float, max_delay: float, database_url: str
) -> dict[str, Any]:
    clock, state = SystemClock(), SandboxState()
    applied = Applied(create_app(state))
    transport = httpx.ASGITransport(app=applied)
    engine = open_engine(database_url)
    migrate(engine)
    sessions = session_factory(engine)
    cipher, flows = TokenCipher(Fernet.generate_key().decode()), discover_flows()
    connections = ConnectionService(sessions, clock, cipher, flows=flows)
    clients = ConnectionClients(
        sessions,
        TokenVault(engine, cipher, clock=clock),
        cipher,
        clock=clock,
        endpoints=FortnoxEndpoints(URL, URL, transport),
        limiter=SlidingWindowLimiter(clock=clock),
    )
    service = SyncService(
        sessions, clock=clock, clients=clients, connections=connections, flows=flows
    )
    with sessions.begin() as session:
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
    await connections.connect(
        tenant_id,
        tokens,
        client_id=issued["client_id"],
        client_secret=issued["client_secret"],
        fortnox_tenant_id=company,
    )

    async def handle(job: Job) -> None:
        await service.push(job.tenant_id, job.record_map())

    dispatcher = InProcessDispatcher(handle, workers=4)
    debouncer = PushDebouncer(
        dispatcher, clock, sleep=asyncio.sleep, quiet=quiet, max_delay=max_delay
    )
    debouncer.bind(asyncio.get_running_loop())
    api = create_api(
        sessions,
        clock=clock,
        flows=flows,
        hooks=ApiHooks(on_change=debouncer.changed, dispatcher=dispatcher),
    )
    dispatcher.start()
    employees = demo_employees(EMPLOYEES)
    latencies = []
    async with httpx.AsyncClient(
        base_url="http://bridge",
        transport=httpx.ASGITransport(app=api),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        for number in range(changes + EMPLOYEES):
            external_id, payload = employees[number % EMPLOYEES]
            payload = {**payload, "city": f"Stad {number}"}
            started = time.perf_counter()
            response = await http.put(f"/api/v1/employees/{external_id}", json=payload)
            assert response.status_code in (200, 201), response.text
            await _written(applied, state, company, payload)
            if number >= EMPLOYEES:  # the first round creates; the measured ones update
                latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)  # the host's next edit comes a moment later
    await dispatcher.stop()
    engine.dispose()
    ordered = sorted(latencies)
    return {
        "benchmark": "push_latency",
        "backend": database_url.split(":", 1)[0],
        "changes": len(latencies),
        "debounce_quiet_s": quiet,
        "debounce_max_delay_s": max_delay,
        "p50_s": round(statistics.median(ordered), 3),
        "p90_s": round(ordered[int(len(ordered) * 0.9) - 1], 3),
        "max_s": round(ordered[-1], 3),
        "fortnox_requests": state.stats.to_dict()["requests_total"],
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
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--quiet", type=float, default=0.2)
    parser.add_argument("--max-delay", type=float, default=1.0)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        print(json.dumps(asyncio.run(measure(args.changes, args.quiet, args.max_delay, url))))


if __name__ == "__main__":
    main()
