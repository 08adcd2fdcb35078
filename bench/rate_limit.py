"""Rate-limit use: how much of Fortnox's sliding window the client uses, without a 429.

    python bench/rate_limit.py [--sandbox-url URL] [--requests 300] [--tenants 1]

Creates ``--tenants`` companies through the sandbox control API and makes ``--requests`` writes
(employee creates) for each, all tenants at once, through ``FortnoxClient`` with the bridge's
limiter (one limiter, one budget per company, as ``serve`` runs it), against a standalone sandbox
with its default settings — which enforce Fortnox's 25 requests per sliding 5 s. Without
``--sandbox-url`` it starts one (``fortnox-bridge sandbox``) on a free loopback port and stops it
afterwards.

The window's capacity: N requests need at least ``(ceil(N / 25) - 1) × 5 s`` between the first and
the last (300: 55 s). Prints one JSON line: per tenant that minimum, the time the client took
between its first and its last request, and their ratio ``window_use`` (1.0 = the window used
fully); ``throttled``: the 429 answers the sandbox sent. With several tenants it measures one
tenant alone afterwards, and reports the aggregate rate against tenants × the single-tenant rate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx

from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.client import KEEPALIVE_EXPIRY
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.sandbox.control_client import SandboxControl

FORTNOX = RateLimit(25, 5.0)  # the limit Fortnox and the sandbox enforce
CLIENT = RateLimit()  # the client's default: that limit plus its safety margin
WORKERS_PER_TENANT = 10


@contextlib.contextmanager
def standalone_sandbox(url: str | None) -> Iterator[str]:
    """The given sandbox, or a fresh one (default settings) on a free port for the run."""
    if url:
        yield url.rstrip("/")
        return
    with sandbox_process() as (fresh, _):
        yield fresh


@contextlib.contextmanager
def sandbox_process(*options: str) -> Iterator[tuple[str, int]]:
    """``fortnox-bridge sandbox [options]`` on a free loopback port: its URL and process id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    command = [sys.executable, "-m", "fortnox_bridge", "sandbox", "--port", str(port), *options]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            with contextlib.suppress(httpx.TransportError):
                httpx.get(url + "/", timeout=1)
                break
            time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


class Stamping(httpx.AsyncHTTPTransport):
    """The HTTP transport, noting when each request leaves."""

    def __init__(self) -> None:
        super().__init__(limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY))  # as the client
        self.sent: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Note the time, then send."""
        self.sent.append(time.perf_counter())
        return await super().handle_async_request(request)


def minimum_span(requests: int) -> float:
    """The least time between the first and the last of ``requests`` under Fortnox's window."""
    return (math.ceil(requests / FORTNOX.requests) - 1) * FORTNOX.seconds


async def run_tenant(
    url: str, control: SandboxControl, limiter: SlidingWindowLimiter, number: int, requests: int
) -> dict[str, Any]:
    company = (await control.create_company(f"Bench {number} AB"))["tenant_id"]
    token = (await control.issue_tokens(company, ["salary"]))["access_token"]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(requests):
        queue.put_nowait(index)
    transport = Stamping()
    async with FortnoxClient(
        access_token=token,
        api_url=url,
        transport=transport,
        limiter=limiter,
        limiter_key=f"bench:{company}",
    ) as client:

        async def worker() -> None:
            while not queue.empty():
                index = queue.get_nowait()
                await client.employees.create({"first_name": f"Anna{index}", "last_name": "Bench"})

        await asyncio.gather(*(worker() for _ in range(WORKERS_PER_TENANT)))
    span = transport.sent[-1] - transport.sent[0]
    sent = len(transport.sent)  # retried 429s included
    return {"tenant_id": company, "span_s": span, "sent": sent}


async def measure(url: str, requests: int, tenants: int) -> dict[str, object]:
    limiter = SlidingWindowLimiter(CLIENT)
    async with SandboxControl(url) as control, httpx.AsyncClient() as http:
        limit = (await http.get(f"{url}/_sandbox/rate-limit")).json()
        before = (await control.stats())["responses_by_status"].get("429", 0)
        started = time.perf_counter()
        results = await asyncio.gather(
            *(run_tenant(url, control, limiter, n, requests) for n in range(1, tenants + 1))
        )
        wall = time.perf_counter() - started
        throttled = (await control.stats())["responses_by_status"].get("429", 0) - before
    floor = minimum_span(requests)
    spans = [float(r["span_s"]) for r in results]
    uses = [floor / span for span in spans]
    report: dict[str, object] = {
        "benchmark": "rate_limit",
        "tenants": tenants,
        "requests_per_tenant": requests,
        "sandbox_limit": limit,
        "minimum_span_s": floor,
        "span_s_median": round(sorted(spans)[len(spans) // 2], 2),
        "span_s_max": round(max(spans), 2),
        "window_use_median": round(sorted(uses)[len(uses) // 2], 4),
        "window_use_min": round(min(uses), 4),
        "throttled": throttled,
        "sent": sum(int(r["sent"]) for r in results),
        "wall_s": round(wall, 2),
    }
    if tenants > 1:
        report["aggregate_rps"] = round(requests * tenants / wall, 2)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox-url", default=None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--tenants", type=int, default=1)
    args = parser.parse_args()
    with standalone_sandbox(args.sandbox_url) as url:
        report = asyncio.run(measure(url, args.requests, args.tenants))
        if args.tenants > 1:
            single = asyncio.run(measure(url, args.requests, 1))
            single_rps = args.requests / float(single["wall_s"])  # type: ignore[arg-type]
            aggregate = float(report["aggregate_rps"])  # type: ignore[arg-type]
            report["single_tenant"] = single
            report["aggregate_vs_tenants_x_single"] = round(
                aggregate / (args.tenants * single_rps), 3
            )
        print(json.dumps(report))


if __name__ == "__main__":
    main()
