"""Helpers for running the ``fortnox-bridge`` command as a user types it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

COMMAND = [sys.executable, "-m", "fortnox_bridge"]
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli_env() -> dict[str, str]:
    """The environment of a CLI run: no FORTNOX_BRIDGE_* leaking in, a wide terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    env["COLUMNS"] = "200"
    return env


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion."""
    return subprocess.run(
        [*COMMAND, *args], cwd=cwd, env=cli_env(), capture_output=True, text=True, timeout=120
    )


def wait_until_up(
    url: str, process: subprocess.Popen[str], seconds: float = STARTUP_TIMEOUT
) -> httpx.Response:
    """Poll ``url`` until the server behind it answers (the server process starts for real)
    or ``seconds`` passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"server exited with {process.returncode}:\n{output}")
        try:
            return httpx.get(url, timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; any still running at the end are stopped."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def start(spawned: list[subprocess.Popen[str]], *args: str, cwd: Path) -> subprocess.Popen[str]:
    """Start the CLI in the background."""
    process = subprocess.Popen(
        [*COMMAND, *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    spawned.append(process)
    return process
