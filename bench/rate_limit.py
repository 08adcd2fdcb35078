"""Rate-limit utilisation: how close the client gets to Fortnox's budget without a 429.

    python bench/rate_limit.py [--sandbox-url URL] [--requests 300] [--tenants 1]

Creates ``--tenants`` companies through the sandbox control API and makes ``--requests`` writes
(employee creates) for each, all tenants at once, with the client's sliding-window limiter,
against a standalone sandbox that enforces the real 25 requests per 5 s. Without
``--sandbox-url`` it starts one (``fortnox-bridge sandbox --rate-limit 25/5``) on a free loopback
port and stops it afterwards. Prints one JSON line: ``achieved_rps`` (per tenant, mean),
``allowed_rps`` (per tenant), ``utilisation`` (their ratio), ``throttled`` (429 answers the
sandbox sent). With several tenants it first measures one tenant alone, then all together, and
reports the aggregate rate and its ratio to tenants × the single-tenant rate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.sandbox.control_client import SandboxControl

ALLOWED = RateLimit(25, 5.0)
WORKERS_PER_TENANT = 4


@contextlib.contextmanager
def standalone_sandbox(url: str | None) -> Iterator[str]:
    """The given sandbox, or a fresh one on a free port for the duration of the run."""
    if url:
        yield url.rstrip("/")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "fortnox_bridge", "sandbox", "--port", str(port),
               "--rate-limit", f"{ALLOWED.requests}/{ALLOWED.seconds:g}"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            with contextlib.suppress(httpx.TransportError):
                httpx.get(url + "/", timeout=1)
                break
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def run_tenant(
    url: str, control: SandboxControl, number: int, requests: int
) -> dict[str, float]:
    company = (await control.create_company(f"Bench {number} AB"))["tenant_id"]
    token = (await control.issue_tokens(company, ["salary"]))["access_token"]
    limiter = SlidingWindowLimiter(ALLOWED)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(requests):
        queue.put_nowait(index)
    async with FortnoxClient(
        access_token=token, api_url=url, limiter=limiter, limiter_key=f"bench:{company}"
    ) as client:

        async def worker() -> None:
            while not queue.empty():
                index = queue.get_nowait()
                await client.employees.create({"first_name": f"Anna{index}", "last_name": "Bench"})

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(WORKERS_PER_TENANT)))
        elapsed = time.perf_counter() - started
    return {"tenant_id": company, "elapsed_s": elapsed}


async def measure(url: str, requests: int, tenants: int) -> dict[str, object]:
    async with SandboxControl(url) as control:
        before = (await control.stats())["responses_by_status"].get("429", 0)
        started = time.perf_counter()
        results = await asyncio.gather(
            *(run_tenant(url, control, n, requests) for n in range(1, tenants + 1))
        )
        wall = time.perf_counter() - started
        throttled = (await control.stats())["responses_by_status"].get("429", 0) - before
    allowed_rps = ALLOWED.requests / ALLOWED.seconds
    achieved = [requests / r["elapsed_s"] for r in results]
    report: dict[str, object] = {
        "benchmark": "rate_limit",
        "tenants": tenants,
        "requests_per_tenant": requests,
        "achieved_rps": round(sum(achieved) / len(achieved), 3),
        "allowed_rps": allowed_rps,
        "utilisation": round(sum(achieved) / len(achieved) / allowed_rps, 3),
        "throttled": throttled,
        "wall_s": round(wall, 2),
    }
    if tenants > 1:
        aggregate = requests * tenants / wall
        report["aggregate_rps"] = round(aggregate, 2)
        report["aggregate_vs_tenants_x_allowed"] = round(aggregate / (tenants * allowed_rps), 3)
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
            aggregate = float(report["aggregate_rps"])  # type: ignore[arg-type]
            single_rps = float(single["achieved_rps"])  # type: ignore[arg-type]
            report["single_tenant_rps"] = single_rps
            report["aggregate_vs_tenants_x_single"] = round(
                aggregate / (args.tenants * single_rps), 3
            )
        print(json.dumps(report))


if __name__ == "__main__":
    main()
