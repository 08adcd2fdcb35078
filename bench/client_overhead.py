"""Client overhead per request: the Fortnox client against the in-process sandbox, no rate limit.

    python bench/client_overhead.py [--requests 3000]

Times N GETs of one employee through ``FortnoxClient`` (auth flow, limiter, retry wrapper, error
mapping, model parsing) and the same N GETs through a bare ``httpx.AsyncClient`` on the same
transport; the difference per call is what the client adds. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl

URL = "http://sandbox.bench"


async def measure(requests: int) -> dict[str, object]:
    transport = httpx.ASGITransport(app=create_app(SandboxState()))
    async with SandboxControl(URL, transport=transport) as control:
        company = (await control.create_company("Bench AB", seed="demo"))["tenant_id"]
        token = (await control.issue_tokens(company, ["salary"]))["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=URL, transport=transport, headers=headers) as bare:
        await bare.get("/3/employees/1")
        started = time.perf_counter()
        for _ in range(requests):
            (await bare.get("/3/employees/1")).json()
        bare_s = time.perf_counter() - started
    # An unlimited budget, so the limiter's own bookkeeping is measured but never waits.
    limiter = SlidingWindowLimiter(RateLimit(requests * 10, 5.0))
    async with FortnoxClient(
        access_token=token, api_url=URL, transport=transport, limiter=limiter
    ) as client:
        await client.employees.get("1")
        started = time.perf_counter()
        for _ in range(requests):
            await client.employees.get("1")
        client_s = time.perf_counter() - started
    return {
        "benchmark": "client_overhead",
        "requests": requests,
        "bare_httpx_us_per_call": round(bare_s / requests * 1e6, 1),
        "client_us_per_call": round(client_s / requests * 1e6, 1),
        "client_overhead_us_per_call": round((client_s - bare_s) / requests * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.requests))))


if __name__ == "__main__":
    main()
