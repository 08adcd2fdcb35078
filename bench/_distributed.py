"""What the benchmarks of the distributed mode share (not a benchmark itself).

- a throw-away PostgreSQL database per run, named ``bench_<script>_<random>`` and dropped at the
  end whatever happens;
- the environment every bridge process of one run gets (the distributed mode's settings, the
  same secret key and data directory);
- ``fortnox-bridge worker`` and ``serve --no-worker`` processes, each logging to its own file,
  waited for until they print their ready line, stopped together (SIGINT, then reaped);
- CPU readings of processes from ``/proc`` — the workers' and the PostgreSQL backends serving the
  throw-away database — so a figure can say where the time went;
- the machine's load average (the machine is shared: every figure carries it).

The in-process sandbox server and the process helpers come from ``race.py``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import uvicorn
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from race import Server, free_port, start

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: A sweep interval for the benchmarks' tenants: once a day (at midnight UTC), so the workers' own
#: minute tick queues no sweep while a run lasts.
DAILY = 24 * 60
READY = {"worker": "Worker ", "serve": "Serving on"}
TICKS = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def throwaway_database(server_url: str, script: str) -> Iterator[str]:
    """A new database ``bench_<script>_<random>`` on the server of ``server_url``; dropped after."""
    name = f"bench_{script}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def libpq(database_url: str) -> str:
    """The psycopg connection string of a SQLAlchemy URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def bridge_env(
    database_url: str, sandbox_url: str, data_dir: Path, **settings: str
) -> dict[str, str]:
    """The environment of every bridge process of a run: this shell's, without its own
    ``FORTNOX_BRIDGE_*`` settings, plus the distributed mode's and ``settings``
    (``rate_limit="25/5"`` → ``FORTNOX_BRIDGE_RATE_LIMIT=25/5``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    env.update(
        FORTNOX_BRIDGE_QUEUE="procrastinate",
        FORTNOX_BRIDGE_DATABASE_URL=database_url,
        FORTNOX_BRIDGE_SANDBOX_URL=sandbox_url,
        FORTNOX_BRIDGE_DATA_DIR=str(data_dir),
        FORTNOX_BRIDGE_SECRET_KEY=Fernet.generate_key().decode(),
        PYTHONUNBUFFERED="1",  # the ready lines reach the logs at once
    )
    env.update({f"FORTNOX_BRIDGE_{name.upper()}": value for name, value in settings.items()})
    return env


class Processes:
    """The bridge's processes of one run; :meth:`stop` ends and reaps them all."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: list[subprocess.Popen[bytes]] = []
        self._count = 0
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, *args: str, timeout: float = 90.0) -> subprocess.Popen[bytes]:
        """Start ``fortnox-bridge <args>`` and wait for its ready line."""
        self._count += 1
        log = self.logs / f"{args[0]}-{self._count}.log"
        process = start(*args, env=self.env, log=log)
        self.running.append(process)
        deadline = time.monotonic() + timeout
        while READY[args[0]] not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(args)} did not start: {log.read_text()}")
            time.sleep(0.05)  # a bench may wait for a process to start
        return process

    def workers(self, count: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
        """``count`` worker processes with ``concurrency`` slots each, all ready."""
        return [self.start("worker", "--concurrency", str(concurrency)) for _ in range(count)]

    def log_text(self) -> str:
        """Everything the processes printed so far."""
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    def stop(self) -> list[int | None]:
        """SIGINT to every process still running, then wait (a kill after 30 s); exit codes."""
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        codes = [p.returncode for p in self.running]
        self.running = []
        return codes


@contextlib.contextmanager
def served(app: Any) -> Iterator[tuple[str, Server]]:
    """``app`` served by uvicorn in a thread of this process on a free loopback port."""
    port, ready = free_port(), threading.Event()
    server = Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"), ready)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert ready.wait(15), "the sandbox did not start"
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(10)


def cpu_seconds(pids: list[int]) -> dict[int, tuple[float, float]]:
    """``(CPU seconds, seconds waited for a CPU)`` of each live process in ``pids``: user +
    system time from ``/proc/<pid>/stat``, the run-queue wait of its threads from their
    ``schedstat`` (time it was ready to run while other processes held the cores)."""
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            waited = sum(
                int(task.read_text().split()[1])
                for task in Path(f"/proc/{pid}/task").glob("*/schedstat")
            )
            seconds[pid] = ((int(fields[11]) + int(fields[12])) / TICKS, waited / 1e9)
    return seconds


def backend_pids(connection: psycopg.Connection[Any]) -> list[int]:
    """The PostgreSQL server processes serving the database ``connection`` is on (not itself)."""
    rows = connection.execute(
        "SELECT pid FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchall()
    return [int(pid) for (pid,) in rows]


@dataclass
class Usage:
    """CPU seconds used and seconds spent waiting for a CPU, by some processes and by the
    PostgreSQL backends of one database."""

    cpu: float = 0.0
    cpu_wait: float = 0.0
    postgres: float = 0.0
    postgres_wait: float = 0.0


class CpuMeter:
    """:class:`Usage` between :meth:`begin` and :meth:`end` of some processes and of the
    PostgreSQL backends of one database (backends that appear in between count from zero)."""

    def __init__(self, connection: psycopg.Connection[Any], pids: list[int]) -> None:
        self.connection, self.pids = connection, pids
        self.before: dict[int, tuple[float, float]] = {}
        self.backends_before: dict[int, tuple[float, float]] = {}

    def begin(self) -> None:
        self.before = cpu_seconds(self.pids)
        self.backends_before = cpu_seconds(backend_pids(self.connection))

    def end(self) -> Usage:
        """What was used since :meth:`begin`."""
        own = _since(cpu_seconds(self.pids), self.before)
        database = _since(cpu_seconds(backend_pids(self.connection)), self.backends_before)
        return Usage(own[0], own[1], database[0], database[1])


def _since(
    after: dict[int, tuple[float, float]], before: dict[int, tuple[float, float]]
) -> tuple[float, float]:
    used = [(a[0] - before.get(pid, (0.0, 0.0))[0], a[1] - before.get(pid, (0.0, 0.0))[1])
            for pid, a in after.items()]  # fmt: skip
    return sum(u[0] for u in used), sum(u[1] for u in used)


def machine_busy(since: tuple[int, int] | None = None) -> Any:
    """The machine's ``(busy, total)`` CPU ticks from ``/proc/stat``; given an earlier reading,
    the fraction of all cores that was busy since then (every process, not only ours)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    now = (sum(fields) - idle, sum(fields))
    if since is None:
        return now
    return round((now[0] - since[0]) / max(now[1] - since[1], 1), 3)


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]
