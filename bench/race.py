"""Nothing is written twice into Fortnox while everything happens at once.

    python bench/race.py [--mode embedded|distributed|both] [--employees 100] [--entries 20000]
                         [--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]

One tenant, and at the same time: ingest clients sending employees and batches of time entries
(the same employee-days again and again with other hours), event-driven pushes, "sync now" queued
and waited for, and a re-sync of the month. The sandbox is served by this process on a loopback
port (so it outlives the bridge's processes and counts what it receives).

- ``embedded``: one ``fortnox-bridge serve`` with 4 in-process workers on SQLite.
- ``distributed``: ``serve --no-worker`` and 2 ``fortnox-bridge worker`` processes on one
  PostgreSQL database (the procrastinate queue); one worker is killed with SIGKILL in the middle
  of the run and another is started.

At the end Fortnox is read back: no natural key may be there twice (employees by e-mail, salary
transactions by employee, day, cause code, project and cost centre), and Fortnox must equal the
host record by record. Prints one JSON line per mode; exits 1 when any of that does not hold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import create_engine, text

from _race_workload import workload
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

TENANT = "Race AB"


class Writes:
    """ASGI wrapper counting the sandbox's writes as they finish."""

    def __init__(self, app: Any) -> None:
        self.app, self.count = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["path"].startswith("/3/") and scope["method"] != "GET":
            self.count += 1


class Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "fortnox_bridge", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done.stdout


def start(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "fortnox_bridge", *args], env=env, stdout=out, stderr=out
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["embedded", "distributed", "both"], default="both")
    parser.add_argument("--employees", type=int, default=100)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server for the distributed mode; a database is made on it and dropped",
    )
    args = parser.parse_args()
    modes = ["embedded", "distributed"] if args.mode == "both" else [args.mode]
    ok = True
    for mode in modes:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_mode(Path(tmp), mode, args.employees, args.entries, args.database_url)
        print(json.dumps(result), flush=True)
        ok = ok and result["exact"]
    return 0 if ok else 1


def run_mode(tmp: Path, mode: str, employees: int, entries: int, server_url: str) -> dict[str, Any]:
    state, port = SandboxState(), free_port()
    writes, ready = Writes(create_app(state)), threading.Event()
    sandbox = Server(uvicorn.Config(writes, host="127.0.0.1", port=port, log_level="error"), ready)
    threading.Thread(target=sandbox.run, daemon=True).start()
    assert ready.wait(15), "the sandbox did not start"
    env, database = _environment(mode, server_url)
    api_port = free_port()
    common = ["--data-dir", str(tmp / "var"), "--sandbox-url", f"http://127.0.0.1:{port}"]
    added = cli("tenants", "add", TENANT, *common, env=env)
    key_match = re.search(r"API key \(shown once\):\s*(\S+)", added)
    assert key_match, added
    cli("connect", "--tenant", TENANT, *common, env=env)
    race = Race(tmp / "processes.log", env, common, sandbox)
    work, wall = race.run(mode, api_port, key_match.group(1), employees, entries)
    db_url = database or f"sqlite:///{tmp / 'var' / 'fortnox-bridge.sqlite'}"
    result = _verify(state, db_url)
    result["exact"] = result["exact"] and work["settling_syncs"] > 0
    if database is not None:
        _drop_database(server_url, database)
    return {
        "benchmark": "race",
        "mode": mode,
        "backend": "postgresql" if database else "sqlite",
        "processes": "serve + 2 workers (one killed with SIGKILL, one started)"
        if mode == "distributed"
        else "serve with 4 in-process workers",
        "workers_killed": race.killed,
        "writes_received_by_fortnox": writes.count,
        "wall_seconds": round(wall, 1),
        **work,
        **result,
    }


def _environment(mode: str, server_url: str) -> tuple[dict[str, str], str | None]:
    """The bridge processes' environment, and the PostgreSQL database made for the distributed
    mode (``None`` in the embedded mode)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    env["FORTNOX_BRIDGE_RATE_LIMIT"] = "1000/1"  # the race, not Fortnox's budget, is measured
    database = None
    if mode == "distributed":
        database = _create_database(server_url)
        env["FORTNOX_BRIDGE_DATABASE_URL"] = database
        env["FORTNOX_BRIDGE_QUEUE"] = "procrastinate"
    else:
        env["FORTNOX_BRIDGE_WORKERS"] = "4"
    return env, database


class Race:
    """The bridge's processes during the workload: started, one worker killed and replaced in
    the distributed mode, and stopped (with the sandbox) whatever happens."""

    def __init__(self, log: Path, env: dict[str, str], common: list[str], sandbox: Server) -> None:
        self.log, self.env, self.common, self.sandbox = log, env, common, sandbox
        self.processes: list[subprocess.Popen[bytes]] = []
        self.killed = 0
        self.mode = ""

    def run(
        self, mode: str, api_port: int, key: str, employees: int, entries: int
    ) -> tuple[dict[str, Any], float]:
        """``(what the workload reports, its wall seconds)``."""
        self.mode = mode
        serve_args = ["serve", "--port", str(api_port), *self.common]
        env, log, processes = self.env, self.log, self.processes
        try:
            if mode == "embedded":
                processes.append(start(*serve_args, env=env, log=log))
            else:
                processes.append(start(*serve_args, "--no-worker", env=env, log=log))
                processes += [start("worker", *self.common, env=env, log=log) for _ in range(2)]
            api = f"http://127.0.0.1:{api_port}"
            _wait_healthy(api, processes[0])
            started = time.perf_counter()
            work = asyncio.run(workload(api, key, employees, entries, self.kill_one))
            wall = time.perf_counter() - started
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            self.sandbox.should_exit = True
        return work, wall

    def kill_one(self) -> None:
        if self.mode == "distributed":
            victim = self.processes[1]
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
            self.killed += 1
            self.processes.append(start("worker", *self.common, env=self.env, log=self.log))


def _verify(state: SandboxState, database_url: str) -> dict[str, Any]:
    (company,) = state.companies.values()
    emails = Counter(str(row.get("Email")) for row in company.employees.values())
    rows: Counter[tuple[str, ...]] = Counter()
    fortnox: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    attendance = [r for name, r in company.registers.items() if "attendance" in name]
    for row in (row for register in attendance for row in register.records.values()):
        key = (
            str(row["EmployeeId"]),
            str(row["Date"]),
            str(row["CauseCode"]),
            str(row.get("Project") or ""),
            str(row.get("CostCenter") or ""),
        )
        rows[key] += 1
        fortnox[(key[0], key[1])] += Decimal(str(row["Hours"]))
    engine = open_engine(database_url)
    with session_factory(engine).begin() as session:
        tenant = TenantRepository(session).by_name(TENANT)
        assert tenant is not None
        links = LinkRepository(session).by_external_id(tenant.id, "employee")
        ids = {external_id: link.fortnox_id for external_id, link in links.items()}
        mirror = MirrorRepository(session)
        host_emails = {
            str(record.payload["email"])
            for record, _ in mirror.with_links(tenant.id, "employee")
            if not record.deleted
        }
        host: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for record, _ in mirror.with_links(tenant.id, "time_entry"):
            if not record.deleted:
                data = record.payload
                host[(ids[data["employee"]], data["date"])] += Decimal(str(data["hours"]))
    engine.dispose()
    duplicated_keys = sum(1 for count in rows.values() if count > 1)
    duplicated_emails = sum(1 for count in emails.values() if count > 1)
    differing_days = sum(1 for key in set(host) | set(fortnox) if host.get(key) != fortnox.get(key))
    exact = (
        duplicated_keys == 0
        and duplicated_emails == 0
        and set(emails) == host_emails
        and differing_days == 0
    )
    return {
        "fortnox_employees": sum(emails.values()),
        "host_employees": len(host_emails),
        "duplicated_emails": duplicated_emails,
        "attendance_rows": sum(rows.values()),
        "attendance_keys": len(rows),
        "duplicated_keys": duplicated_keys,
        "employee_days_differing_from_host": differing_days,
        "exact": exact,
    }


def _wait_healthy(api: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode}")
        try:
            if httpx.get(f"{api}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # a bench may wait for a process to start
    raise RuntimeError("serve did not answer within a minute")


def _create_database(server_url: str) -> str:
    name = f"race_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(server_url: str, database: str) -> None:
    name = database.rsplit("/", 1)[1]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
