"""A sweep writing 500 records is killed with SIGKILL at random points, restarted, and in the end
Fortnox holds exactly the expected records — none missing, none twice.

    python bench/crash_recovery.py [--records 500] [--kills 10] [--seed 11] [--database-url URL]

The sandbox is served by this process (a thread on a loopback port), so it outlives the workers.
Each worker is ``fortnox-bridge sync`` in a subprocess on the same data directory; it is killed
with SIGKILL after a random number of Fortnox writes (counted by the sandbox as they happen).
After the kills, one more sync runs to the end, then an idle one must cost no request. Prints one
JSON line; exit 1 if Fortnox's employees differ from the host's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import func, select

from fortnox_bridge.cli.work.demo_data import demo_employees
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link, PushOperation
from fortnox_bridge.store.tenants import TenantRepository

TENANT = "Crash AB"


class Writes:
    """ASGI wrapper counting the sandbox's finished writes, for threads that wait on them."""

    def __init__(self, app: Any) -> None:
        self.app, self.count, self.changed = app, 0, threading.Condition()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["path"].startswith("/3/") and scope["method"] != "GET":
            with self.changed:
                self.count += 1
                self.changed.notify_all()

    def wait_beyond(self, count: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count >= count, timeout)


class Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def cli(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``fortnox-bridge`` to completion."""
    done = subprocess.run(
        [sys.executable, "-m", "fortnox_bridge", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=600,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"{args[0]} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database-url", default=None, help="default: SQLite in the data dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(
            Path(tmp), args.records, args.kills, random.Random(args.seed), args.database_url
        )
    print(json.dumps(result))
    return 0 if result["exact"] else 1


def run(
    tmp: Path, records: int, kills: int, rng: random.Random, database_url: str | None
) -> dict[str, Any]:
    state, port = SandboxState(), _free_port()
    writes, ready = Writes(create_app(state)), threading.Event()
    server = Server(uvicorn.Config(writes, host="127.0.0.1", port=port, log_level="error"), ready)
    threading.Thread(target=server.run, daemon=True).start()
    assert ready.wait(15), "the sandbox did not start"
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    env["FORTNOX_BRIDGE_RATE_LIMIT"] = "1000/1"  # Fortnox's 25/5 would make a run take 100 s
    if database_url:
        env["FORTNOX_BRIDGE_DATABASE_URL"] = database_url
    common = ["--data-dir", str(tmp / "var"), "--sandbox-url", url]
    cli("tenants", "add", TENANT, *common, env=env)
    cli("connect", "--tenant", TENANT, *common, env=env)
    db = database_url or f"sqlite:///{tmp / 'var' / 'fortnox-bridge.sqlite'}"
    _host_records(db, records)
    started = time.perf_counter()
    kill_points = [_kill_one(writes, rng, records, env, common) for _ in range(kills)]
    final = cli("sync", "--tenant", TENANT, *common, env=env, check=False)
    idle = cli("sync", "--tenant", TENANT, *common, env=env, check=False)
    wall = time.perf_counter() - started
    server.should_exit = True
    return _verify(state, db, records, kill_points, final, idle, wall)


def _kill_one(
    writes: Writes, rng: random.Random, records: int, env: dict[str, str], common: list[str]
) -> int:
    """Start a worker and SIGKILL it after a random number of writes; returns the write count."""
    target = writes.count + rng.randint(1, max(1, records // 12))
    worker = subprocess.Popen(
        [sys.executable, "-m", "fortnox_bridge", "sync", "--tenant", TENANT, *common],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while worker.poll() is None and writes.count < target and time.monotonic() < deadline:
        writes.wait_beyond(target, timeout=0.2)  # a bench may wait; it also watches the worker
    if worker.poll() is None:
        os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    return writes.count if worker.returncode == -signal.SIGKILL else -writes.count


def _host_records(database_url: str, records: int) -> None:
    engine = open_engine(database_url)
    with session_factory(engine).begin() as session:
        tenant = TenantRepository(session).by_name(TENANT)
        assert tenant is not None
        mirror = MirrorRepository(session)
        for external_id, payload in demo_employees(records):
            mirror.upsert(tenant.id, "employee", external_id, payload, now=SystemClock().now())
    engine.dispose()


def _verify(
    state: SandboxState,
    database_url: str,
    records: int,
    kill_points: list[int],
    final: subprocess.CompletedProcess[str],
    idle: subprocess.CompletedProcess[str],
    wall: float,
) -> dict[str, Any]:
    (company,) = state.companies.values()
    emails = [str(row.get("Email")) for row in company.employees.values()]
    expected = {str(payload["email"]) for _, payload in demo_employees(records)}
    engine = open_engine(database_url)
    with session_factory(engine).begin() as session:
        links = session.scalar(select(func.count()).select_from(Link)) or 0
        recovered = (
            session.scalar(
                select(func.count()).select_from(PushOperation).where(PushOperation.attempts > 1)
            )
            or 0
        )
        active = (
            session.scalar(
                select(func.count())
                .select_from(PushOperation)
                .where(PushOperation.status.in_(("pending", "processing")))
            )
            or 0
        )
    engine.dispose()
    idle_requests = _totals(idle.stdout).get("requests", -1)
    return {
        "benchmark": "crash_recovery",
        "backend": database_url.split(":", 1)[0],
        "records": records,
        "kills": len(kill_points),
        "writes_at_each_kill": kill_points,
        "workers_that_finished_before_their_kill": sum(1 for point in kill_points if point < 0),
        "final_sync_exit": final.returncode,
        "final_sync_adopted": _totals(final.stdout).get("adopted", 0),
        "employees_in_fortnox": len(emails),
        "duplicates": len(emails) - len(set(emails)),
        "missing": len(expected - set(emails)),
        "unexpected": len(set(emails) - expected),
        "links": links,
        "writes_recovered_after_a_kill": recovered,
        "writes_still_in_flight": active,
        "idle_sync_requests": idle_requests,
        "wall_s": round(wall, 1),
        "exact": set(emails) == expected and len(emails) == records and idle_requests == 0,
    }


def _totals(output: str) -> dict[str, int]:
    for line in output.splitlines():
        if line.startswith("Totals:"):
            return {k: int(v) for k, v in (part.split("=") for part in line.split()[1:])}
    return {}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
