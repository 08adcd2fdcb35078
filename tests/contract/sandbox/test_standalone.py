"""``fortnox-bridge sandbox`` as a real server: Fortnox's rate limit by default (and the flag that
changes it), a dropped connection, state that survives a hard restart (SQLite written
through after every change), and the WebSocket topics served by the same process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

STARTUP_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[str]]]:
    """Sandbox processes this test started; stopped at the end."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _start(servers: list[subprocess.Popen[str]], *args: str) -> str:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "fortnox_bridge", "sandbox", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    servers.append(process)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"sandbox exited: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            httpx.get(f"{url}/", timeout=1.0)
            return url
        except httpx.TransportError:
            time.sleep(0.05)  # waiting for a real process to start listening
    raise AssertionError("the sandbox did not start")


def test_standalone_rate_limit_drop_and_restart(
    servers: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    data = tmp_path / "state.sqlite"
    url = _start(servers, "--data", str(data), "--seed", "demo", "--rate-limit", "3/60")
    tokens = httpx.post(f"{url}/_sandbox/companies/1/tokens", json={"scopes": ["salary"]}).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    statuses = [httpx.get(f"{url}/3/employees", headers=auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert httpx.get(f"{url}/_sandbox/rate-limit").json()["requests"] == 3
    httpx.put(f"{url}/_sandbox/rate-limit", json={"enabled": False})

    httpx.post(f"{url}/_sandbox/faults", json={"kind": "drop_response", "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(
            f"{url}/3/employees",
            json={"Employee": {"FirstName": "Ny", "LastName": "P"}},
            headers=auth,
        )
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 86400})
    log = httpx.get(f"{url}/_sandbox/requests", params={"limit": 1}).json()
    assert (log[0]["fault"], log[0]["applied_status"], log[0]["status"]) == (
        "drop_response",
        201,
        None,
    )

    servers[0].send_signal(signal.SIGKILL)  # no clean shutdown: the write-through must suffice
    servers[0].wait(timeout=10)
    url = _start(servers, "--data", str(data), "--seed", "demo")
    assert httpx.get(f"{url}/").json()["companies"] == 1  # the file's company, no second seed
    names = [e["FullName"] for e in httpx.get(f"{url}/3/employees", headers={
        "Authorization": f"Bearer {_refresh(url, tokens)}"}).json()["Employees"]]  # fmt: skip
    assert names == ["Astrid Lindqvist", "Nils Bergström", "Ny P"]
    sandbox_now = datetime.fromisoformat(httpx.get(f"{url}/_sandbox/clock").json()["now"])
    assert (sandbox_now - datetime.now(UTC)).total_seconds() > 86000  # the offset was kept
    # The limit is the command line's, not the file's: a restart without the flag is Fortnox's.
    assert httpx.get(f"{url}/_sandbox/rate-limit").json() == {
        "enabled": True,
        "requests": 25,
        "seconds": 5.0,
    }


def test_standalone_enforces_fortnox_limit_unless_told_off(
    servers: list[subprocess.Popen[str]],
) -> None:
    url = _start(servers, "--seed", "demo")
    tokens = httpx.post(f"{url}/_sandbox/companies/1/tokens", json={"scopes": ["salary"]}).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(headers=auth) as client:
        statuses = [client.get(f"{url}/3/employees").status_code for _ in range(26)]
    assert statuses == [200] * 25 + [429]  # 26 at once: the 26th is over 25 per 5 s
    url = _start(servers, "--seed", "demo", "--rate-limit", "off")
    tokens = httpx.post(f"{url}/_sandbox/companies/1/tokens", json={"scopes": ["salary"]}).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(headers=auth) as client:
        assert {client.get(f"{url}/3/employees").status_code for _ in range(30)} == {200}
    assert httpx.get(f"{url}/_sandbox/rate-limit").json()["enabled"] is False
    bad = subprocess.run(
        [sys.executable, "-m", "fortnox_bridge", "sandbox", "--rate-limit", "fast"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "--rate-limit 'fast': write REQUESTS/SECONDS (Fortnox: 25/5) or 'off'" in bad.stderr


def _refresh(url: str, tokens: dict[str, str]) -> str:
    """A fresh access token from the refresh token issued before the restart."""
    response = httpx.post(
        f"{url}/oauth-v1/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(tokens["client_id"], tokens["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_standalone_serves_the_websocket_topics(
    servers: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    """``fortnox-bridge sandbox`` (uvicorn with WebSocket support) streams a company's changes
    on ``/topics-v1``, also for a company read back from its ``--data`` file."""
    url = _start(servers, "--data", str(tmp_path / "state.sqlite"), "--seed", "demo")
    tokens = httpx.post(f"{url}/_sandbox/companies/1/tokens", json={"scopes": ["costcenter"]})
    access, secret = tokens.json()["access_token"], tokens.json()["client_secret"]
    with connect(url.replace("http://", "ws://") + "/topics-v1", open_timeout=10) as ws:
        commands = [
            {"command": "add-tenants-v1", "clientSecret": secret, "accessTokens": [access]},
            {"command": "add-topics-v1", "topics": [{"topic": "cost-centers"}]},
            {"command": "subscribe-v1"},
        ]
        for command in commands:
            ws.send(json.dumps(command))
            assert json.loads(ws.recv(timeout=10))["result"] == "ok"
        created = httpx.post(
            f"{url}/3/costcenters",
            json={"CostCenter": {"Code": "WS1", "Description": "Ström"}},
            headers={"Authorization": f"Bearer {access}"},
        )
        assert created.status_code == 201
        event = json.loads(ws.recv(timeout=10))
        assert (event["type"], event["tenantId"], event["entityId"]) == (
            "cost-center-created-v1", 1, "WS1")  # fmt: skip
