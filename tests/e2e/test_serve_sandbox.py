"""``serve --sandbox-control``: the in-process sandbox's control API over HTTP, only on loopback
and only with a loud warning (without the flag it answers 404: ``web/test_web_connect.py``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from .conftest import free_port, run_cli, start, wait_until_up


def test_sandbox_control_opens_the_control_api_on_loopback_and_says_so(
    spawn: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    port = free_port()
    server = start(
        spawn, "serve", "--data-dir", "var", "--port", str(port), "--sandbox-control", cwd=tmp_path
    )
    base = f"http://127.0.0.1:{port}"
    assert wait_until_up(f"{base}/healthz", server).status_code == 200
    made = httpx.post(f"{base}/sandbox/_sandbox/companies", json={"name": "Test AB"})
    assert made.status_code == 201, made.text
    assert httpx.get(f"{base}/sandbox/_sandbox/stats").status_code == 200
    server.terminate()
    output, _ = server.communicate(timeout=30)
    text = " ".join(output.split())
    assert (
        "warning: --sandbox-control: the sandbox's control API is open WITHOUT authentication"
        in (text)
    )
    assert f"http://127.0.0.1:{port}/sandbox/_sandbox/" in text


def test_sandbox_control_is_refused_on_an_address_others_can_reach(tmp_path: Path) -> None:
    refused = run_cli(
        "serve", "--data-dir", "var", "--host", "0.0.0.0", "--port", str(free_port()),
        "--sandbox-control", cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "--sandbox-control opens the sandbox's control API without authentication, so it " in (
        " ".join(refused.stdout.split())
    )
    assert not (tmp_path / "var").exists()  # refused before anything was made
