"""Throughput of the standalone sandbox: GET requests per second over HTTP, rate limit off.

    python bench/sandbox_throughput.py [--requests 9000] [--clients 3]

Starts ``fortnox-bridge sandbox --seed demo --rate-limit off`` on a free loopback port, takes a
token through the control API, then ``--clients`` processes each send their share of GETs (a mix
of single records and lists of the demo company) in a bounded loop over one keep-alive
connection (httpx's sync client: it costs a client half the CPU of the async one, and client and
server share the machine's cores). Prints one JSON line with the requests per second and the
status counts.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import httpx

PATHS = ("/3/employees/1", "/3/customers/1", "/3/articles/101", "/3/employees", "/3/units")
STARTUP_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    command = [sys.executable, "-m", "fortnox_bridge", "sandbox", "--port", str(port)]
    # Without the limit: Fortnox's 25 requests per 5 s would measure the limit, not the sandbox.
    options = ["--seed", "demo", "--rate-limit", "off"]
    return subprocess.Popen([*command, *options], env=env, stdout=subprocess.DEVNULL)


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the sandbox exited with {process.returncode}")
        try:
            httpx.get(f"{url}/", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("the sandbox did not start")


def _client(url: str, token: str, requests: int) -> dict[int, int]:
    """One client process: ``requests`` GETs in a loop; the status counts."""
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=url, headers=headers) as client:
        for number in range(requests):
            statuses[client.get(PATHS[number % len(PATHS)]).status_code] += 1
    return dict(statuses)


def measure(requests: int, clients: int) -> dict[str, object]:
    """Start the sandbox, drive it, stop it; the figures."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start(port)
    try:
        _wait(url, process)
        scopes = {"scopes": ["salary", "customer", "article", "settings"]}
        token = httpx.post(f"{url}/_sandbox/companies/1/tokens", json=scopes).json()["access_token"]
        _client(url, token, 200)  # warm-up
        share = requests // clients
        with ProcessPoolExecutor(max_workers=clients) as pool:
            list(pool.map(_client, [url] * clients, [token] * clients, [1] * clients))  # start
            started = time.perf_counter()
            results = list(pool.map(_client, [url] * clients, [token] * clients, [share] * clients))
            elapsed = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    statuses: Counter[int] = Counter()
    for result in results:
        statuses.update(result)
    done = sum(statuses.values())
    return {
        "benchmark": "sandbox_throughput",
        "requests": done,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(done / elapsed),
        "clients": clients,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "paths": list(PATHS),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=9000)
    parser.add_argument("--clients", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.requests, args.clients)))


if __name__ == "__main__":
    main()
