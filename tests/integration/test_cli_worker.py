"""The distributed mode's commands as scripts start them: ``worker`` processes beside
``serve --no-worker`` on PostgreSQL and a standalone sandbox; what they refuse, and why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app

from .conftest import LiveSandbox, employee, free_port
from .test_cli_service import _company, _connected

#: Variables a test must not inherit from the shell that runs it.
CLEARED = ("FORTNOX_BRIDGE_DATABASE_URL", "FORTNOX_BRIDGE_QUEUE", "FORTNOX_BRIDGE_SANDBOX_URL")


def _invoke(*args: str, **env: str | None) -> Result:
    environment: dict[str, str | None] = dict.fromkeys(CLEARED)
    environment.update(COLUMNS="300", **env)
    return CliRunner().invoke(app, list(args), env=environment)


def test_what_cannot_work_is_refused_with_what_to_do(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "var")]
    port = ["--port", str(free_port())]
    for command in (["worker", *data], ["serve", *port, *data]):
        on_sqlite = _invoke(*command, FORTNOX_BRIDGE_QUEUE="procrastinate")
        assert on_sqlite.exit_code == 2, on_sqlite.output
        assert "keeps its jobs in PostgreSQL, and the store is SQLite" in on_sqlite.output
        assert "set FORTNOX_BRIDGE_DATABASE_URL=postgresql+psycopg://" in on_sqlite.output

    embedded_worker = _invoke("worker", *data)
    assert embedded_worker.exit_code == 2
    assert "set FORTNOX_BRIDGE_QUEUE=procrastinate" in embedded_worker.output
    embedded_serve = _invoke("serve", "--no-worker", *port, *data)
    assert embedded_serve.exit_code == 2
    assert "--no-worker is for the distributed mode" in embedded_serve.output

    postgres = {
        "FORTNOX_BRIDGE_QUEUE": "procrastinate",
        "FORTNOX_BRIDGE_DATABASE_URL": "postgresql+psycopg://bridge@db.invalid/bridge",
    }
    for command in (["worker", *data], ["serve", "--no-worker", *port, *data]):
        in_process = _invoke(*command, **postgres)
        assert in_process.exit_code == 2
        assert "an in-process sandbox lives in one process only" in in_process.output
        assert "FORTNOX_BRIDGE_SANDBOX_URL" in in_process.output


@pytest.fixture
def db_url(postgres_url: str) -> str:
    """PostgreSQL only: the distributed mode keeps its jobs there."""
    return postgres_url


@pytest.fixture
def cli(tmp_path: Path, db_url: str, live_sandbox: LiveSandbox) -> Any:
    """``cli("tenants", ...)`` on this data dir, store and sandbox."""
    common = ["--data-dir", str(tmp_path / "var"), "--sandbox-url", live_sandbox.url]

    def invoke(*args: str) -> Result:
        return _invoke(*args, *common, FORTNOX_BRIDGE_DATABASE_URL=db_url)

    return invoke


class Process:
    """A ``fortnox-bridge`` subprocess whose output is read line by line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        command = [sys.executable, "-m", "fortnox_bridge", *args]
        self.popen = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []

    def wait_for(self, start: str) -> str:
        """Read until a line starts with ``start``; that line."""
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line)
            if line.startswith(start):
                return line
        raise AssertionError(f"no line starting with {start!r}:\n{''.join(self.lines)}")

    def stop(self) -> tuple[int, str]:
        """SIGINT, then the exit code and the rest of the output."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
        rest, _ = self.popen.communicate(timeout=60)
        return self.popen.returncode, "".join(self.lines) + rest


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Started processes; any still running at the end is killed."""
    started: list[Process] = []
    yield started
    for process in started:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.communicate(timeout=30)


def test_a_worker_process_sends_what_serve_without_a_worker_queued(
    cli: Any,
    db_url: str,
    tmp_path: Path,
    live_sandbox: LiveSandbox,
    processes: list[Process],
) -> None:
    key = _connected(cli)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    env.update(
        FORTNOX_BRIDGE_QUEUE="procrastinate",
        FORTNOX_BRIDGE_DATABASE_URL=db_url,
        FORTNOX_BRIDGE_SANDBOX_URL=live_sandbox.url,
        FORTNOX_BRIDGE_DATA_DIR=str(tmp_path / "var"),
        COLUMNS="300",
    )
    worker = Process(["worker", "--concurrency", "2"], env)
    processes.append(worker)
    started = worker.wait_for("Worker ")
    assert "running 2 jobs at once from the job queue" in started
    port = free_port()
    server = Process(["serve", "--no-worker", "--port", str(port)], env)
    processes.append(server)
    serving = server.wait_for("Serving on")
    assert serving.startswith(f"Serving on http://127.0.0.1:{port}")
    assert "jobs from the PostgreSQL queue, run by worker processes" in serving

    writes = live_sandbox.watcher.writes
    put = httpx.put(
        f"http://127.0.0.1:{port}/api/v1/employees/e1",
        json=employee(1),
        headers={"Authorization": f"Bearer {key}"},
    )
    assert put.status_code == 201
    assert live_sandbox.watcher.wait_for_writes(writes + 1), "the worker did not push the change"
    company = live_sandbox.state.companies[_company(db_url)]
    assert [r["Email"] for r in company.employees.values()] == ["person1@example.se"]

    for process in (server, worker):
        code, output = process.stop()
        assert code == 0, output
        assert "Stopped." in output
