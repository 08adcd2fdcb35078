"""The service commands as a user types them, against a standalone sandbox, on SQLite and
PostgreSQL: tenants, connect, sync (and its dry run), resync, status, serve; exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

from .conftest import LiveSandbox, employee, free_port

TENANT = "CLI AB"


@pytest.fixture
def cli(tmp_path: Path, migrated_url: str, live_sandbox: LiveSandbox) -> Iterator[Any]:
    """``cli("sync", "--dry-run")`` runs a command on this data dir, store and sandbox."""
    env = {"FORTNOX_BRIDGE_DATABASE_URL": migrated_url, "COLUMNS": "200"}
    common = ["--data-dir", str(tmp_path / "var"), "--sandbox-url", live_sandbox.url]

    def invoke(*args: str, common_options: bool = True) -> Result:
        return CliRunner().invoke(app, [*args, *(common if common_options else [])], env=env)

    return invoke


def _put(db_url: str, entity: str, records: dict[str, dict[str, Any] | None]) -> None:
    engine = open_engine(db_url)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        tenant = TenantRepository(session).by_name(TENANT)
        assert tenant is not None
        mirror = MirrorRepository(session)
        for external_id, payload in records.items():
            now = SystemClock().now()
            if payload is None:
                mirror.delete(tenant.id, entity, external_id, now=now)
            else:
                mirror.upsert(tenant.id, entity, external_id, payload, now=now)
    engine.dispose()


def _company(db_url: str) -> int:
    engine = open_engine(db_url)
    with session_factory(engine).begin() as session:
        tenant = TenantRepository(session).by_name(TENANT)
        assert tenant is not None
        assert tenant.fortnox_tenant_id is not None
        company = tenant.fortnox_tenant_id
    engine.dispose()
    return company


def _totals(output: str, label: str = "Totals") -> dict[str, int]:
    (line,) = [row for row in output.splitlines() if row.startswith(f"{label}:")]
    return {key: int(value) for key, value in (part.split("=") for part in line.split()[1:])}


def _connected(cli: Any) -> str:
    added = cli("tenants", "add", TENANT, "--email", "ekonomi@cli.se")
    assert added.exit_code == 0, added.output
    key = re.search(r"API key \(shown once\): (\S+)", added.output)
    assert key is not None
    connected = cli("connect", "--tenant", TENANT)
    assert connected.exit_code == 0, connected.output
    assert "Connection active" in connected.output
    assert "Pre-flight check" in connected.output
    return key.group(1)


def test_dry_run_prints_the_plan_and_sends_no_write_request(
    cli: Any, db_url: str, live_sandbox: LiveSandbox
) -> None:
    _connected(cli)
    _put(db_url, "employee", {f"e{n}": employee(n) for n in (1, 2, 3)})
    company = _company(db_url)
    before = live_sandbox.stats(company)

    plan = cli("sync", "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert _totals(plan.output, "Plan")["created"] == 3
    assert "employee e1 (person1@example.se)" in plan.output
    assert "not in Fortnox yet" in plan.output
    after_plan = live_sandbox.stats(company)
    assert after_plan["write_requests"] == before["write_requests"] == 0

    real = cli("sync", "--tenant", TENANT)
    assert real.exit_code == 0, real.output
    # One read of Fortnox's employees (none has these e-mails), then three creates.
    assert (_totals(real.output)["created"], _totals(real.output)["requests"]) == (3, 4)
    assert live_sandbox.stats(company)["write_requests"] == 3
    idle = cli("sync")
    assert (idle.exit_code, _totals(idle.output)["requests"]) == (0, 0)
    assert live_sandbox.stats(company)["write_requests"] == 3


def test_exit_codes_scripts_can_rely_on(cli: Any, db_url: str) -> None:
    _connected(cli)
    _put(db_url, "employee", {"e1": employee(1), "bad": {"email": "b@cli.se", "given_name": "B"}})
    failed = cli("sync")
    assert failed.exit_code == 1, failed.output
    assert "failed employee bad (b@cli.se)" in failed.output
    status = cli("status", "--tenant", TENANT)
    assert status.exit_code == 1
    assert "problem employee bad (b@cli.se)" in status.output
    assert cli("sync", "--tenant", "Nobody AB").exit_code == 2
    unknown_flow = cli("sync", "--flow", "hr.nothing.push")
    assert (unknown_flow.exit_code, "unknown flow" in unknown_flow.output) == (2, True)
    assert cli("connect", "--tenant", TENANT, "--pause").exit_code == 0
    paused = cli("sync", "--tenant", TENANT)
    assert paused.exit_code == 2
    assert "connection is paused" in paused.output
    assert cli("status").exit_code == 2
    assert cli("connect", "--tenant", TENANT, "--resume").exit_code == 0
    _put(db_url, "employee", {"bad": None})
    healthy = cli("sync")
    assert healthy.exit_code == 0, healthy.output


def test_status_is_read_by_people(cli: Any, db_url: str) -> None:
    _connected(cli)
    _put(db_url, "employee", {"e1": employee(1), "bad": {"email": "b@cli.se", "given_name": "B"}})
    assert cli("sync").exit_code == 1
    held = cli("sync")  # nothing changed: Fortnox is not asked again, nothing failed
    assert held.exit_code == 0, held.output
    _put(db_url, "employee", {"bad": {"email": "b@cli.se", "given_name": "Bo"}})  # still refused
    assert cli("sync").exit_code == 1  # the same problem again: counted, not listed twice
    shown = cli("status").output
    lines = shown.splitlines()
    assert lines[0] == f"{TENANT}: connection active"
    (problem,) = [line for line in lines if "problem employee bad" in line]
    assert re.fullmatch(
        r"  problem employee bad \(b@cli\.se\): .+ Fix: .+ \(seen 2×, last "
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\)",
        problem,
    )
    assert "Last runs of CLI AB" in shown
    assert re.search(r"│ sweep\s+│ partial\s+│ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} │", shown)
    assert "created 1, failed 1" in shown
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", shown)  # no microseconds
    assert "+00:00" not in shown
    assert "{" not in shown  # no Python dicts
    assert "'created'" not in shown


def test_tenants_list_and_settings(cli: Any) -> None:
    _connected(cli)
    changed = cli(
        "tenants",
        "set",
        TENANT,
        "--policy",
        "fortnox_wins",
        "--interval",
        "15",
        "--digest",
        "per_run",
        "--enable",
        "hr.employee.pull",
    )
    assert changed.exit_code == 0, changed.output
    listed = cli("tenants", "list")
    assert listed.exit_code == 0
    assert cli("tenants").output == listed.output  # `tenants` alone lists too
    row = next(line for line in listed.output.splitlines() if TENANT in line)
    for expected in (
        "active",
        "15 min",
        "fortnox_wins",
        "per_run",
        "ekonomi@cli.se",
        "hr.employee.pull",
    ):
        assert expected in row
    refused = cli("tenants", "set", TENANT, "--policy", "coin_toss")
    assert refused.exit_code == 2
    duplicate = cli("tenants", "add", TENANT)
    assert duplicate.exit_code == 2


def test_resync_shows_the_widened_interval_and_needs_yes(cli: Any, db_url: str) -> None:
    _connected(cli)
    today = date.today()
    day = today.replace(day=2).isoformat()
    _put(db_url, "employee", {"e1": employee(1)})
    _put(db_url, "time_entry", {"t1": {"employee": "e1", "date": day, "hours": 8}})
    assert cli("sync").exit_code == 0
    flow = "payroll.attendance.push"
    asked = cli("resync", "--tenant", TENANT, "--flow", flow, "--from", day, "--to", day)
    assert asked.exit_code == 2
    assert "add --yes" in asked.output
    done = cli("resync", "--tenant", TENANT, "--flow", flow, "--from", day, "--to", day, "--yes")
    assert done.exit_code == 0, done.output
    first = today.replace(day=1).isoformat()
    assert f"widened to whole periods: {first}.." in done.output
    assert re.search(r"Re-sync run \d+: succeeded \(deleted 1, written 1\)", done.output)


def test_serve_runs_the_api_the_scheduler_and_the_workers(
    cli: Any, db_url: str, tmp_path: Path, live_sandbox: LiveSandbox
) -> None:
    key = _connected(cli)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORTNOX_BRIDGE_")}
    env["FORTNOX_BRIDGE_DATABASE_URL"] = db_url
    command = [
        sys.executable,
        "-m",
        "fortnox_bridge",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(tmp_path / "var"),
        "--sandbox-url",
        live_sandbox.url,
        "--log-format",
        "json",
    ]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # "Serving on" comes once the server listens
        while line and not line.startswith("Serving on"):
            line = server.stdout.readline()
        assert line.startswith(f"Serving on http://127.0.0.1:{port}"), line
        base = f"http://127.0.0.1:{port}"
        health = httpx.get(f"{base}/healthz")
        assert health.json() == {"status": "ok", "database": "ok"}
        writes = live_sandbox.watcher.writes
        put = httpx.put(
            f"{base}/api/v1/employees/e1",
            json=employee(1),
            headers={"Authorization": f"Bearer {key}"},
        )
        assert put.status_code == 201
        assert live_sandbox.watcher.wait_for_writes(writes + 1), "the change was not pushed"
        company = live_sandbox.state.companies[_company(db_url)]
        assert [r["Email"] for r in company.employees.values()] == ["person1@example.se"]
        metrics = httpx.get(f"{base}/metrics").text
        assert 'fortnox_bridge_connections{state="active"} 1.0' in metrics
    finally:
        server.send_signal(signal.SIGINT)
        output, errors = server.communicate(timeout=30)
    assert server.returncode == 0, output + errors
    assert "Stopped." in output
    logged = [json.loads(line) for line in errors.splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(line) for line in logged)
    (request,) = [line for line in logged if line.get("path") == "/api/v1/employees/e1"]
    assert (request["logger"], request["level"], request["method"]) == (
        "fortnox_bridge.access",
        "INFO",
        "PUT",
    )
    assert request["status"] == 201
    assert request["duration_ms"] >= 0
    runs = [line for line in logged if line["message"] == "run finished"]
    assert any(run["counts"]["created"] == 1 and run["requests"] >= 1 for run in runs), runs
    assert key not in errors  # API keys are never logged


def test_flow_settings_and_mappings_from_the_command_line(cli: Any, db_url: str) -> None:
    _connected(cli)
    saved = cli("tenants", "set", TENANT, "--setting", "hr.employee.pull.import_unmatched=true")
    assert saved.exit_code == 0, saved.output
    refused = cli("tenants", "set", TENANT, "--setting", "hr.employee.pull.import_unmatched=maybe")
    assert refused.exit_code == 2
    assert "import_unmatched" in refused.output
    unknown = cli("tenants", "set", TENANT, "--setting", "hr.nothing.pull.x=1")
    assert unknown.exit_code == 2
    engine = open_engine(db_url)
    with session_factory(engine).begin() as session:
        from fortnox_bridge.store.flow_configs import FlowConfigRepository

        tenant = TenantRepository(session).by_name(TENANT)
        assert tenant is not None
        config = FlowConfigRepository(session).for_tenant(tenant.id)["hr.employee.pull"]
        assert (config.enabled, config.settings) == (False, {"import_unmatched": True})
    engine.dispose()

    day = date.today().replace(day=3).isoformat()
    other_day = date.today().replace(day=4).isoformat()
    _put(db_url, "employee", {"e1": employee(1)})
    _put(
        db_url,
        "time_entry",
        {
            "t1": {"employee": "e1", "date": day, "hours": 2, "paxml_code": "ÖT1"},
            "t2": {"employee": "e1", "date": other_day, "hours": 8, "paxml_code": "ÖT3"},
        },
    )
    assert (
        cli(
            "tenants",
            "map",
            TENANT,
            "--kind",
            "paxml_code",
            "--local",
            "ÖT1",
            "--fortnox",
            "OT2",
        ).exit_code
        == 0
    )
    assert (
        cli(
            "tenants",
            "map",
            TENANT,
            "--kind",
            "paxml_code",
            "--local",
            "ÖT3",
            "--exclude",
        ).exit_code
        == 0
    )
    never_read = cli(
        "tenants", "map", TENANT, "--kind", "attendance_code", "--local", "ÖT", "--fortnox", "OT1"
    )
    assert never_read.exit_code == 2
    assert "no flow reads mappings of kind 'attendance_code'" in never_read.output
    not_a_cause = cli(
        "tenants", "map", TENANT, "--kind", "paxml_code", "--local", "ÖT1", "--fortnox", "SJK"
    )
    assert not_a_cause.exit_code == 2
    assert "is not a Fortnox attendance cause code" in " ".join(not_a_cause.output.split())
    synced = cli("sync")
    assert synced.exit_code == 0, synced.output  # an excluded record is not a failure
    assert (_totals(synced.output)["created"], _totals(synced.output)["skipped"]) == (2, 1)


def test_disconnect_revokes_the_refresh_token_at_the_sandbox(
    cli: Any, db_url: str, live_sandbox: LiveSandbox
) -> None:
    _connected(cli)
    company = _company(db_url)
    auth = live_sandbox.state.auth
    assert [g.tenant_id for g in auth.refresh.values()].count(company) == 1
    done = cli("connect", "--tenant", TENANT, "--disconnect")
    assert done.exit_code == 0, done.output
    assert "Connection revoked" in done.output
    assert "Fortnox revoked the bridge's refresh token." in done.output
    assert company not in [g.tenant_id for g in auth.refresh.values()]
    refused = cli("sync", "--tenant", TENANT)
    assert refused.exit_code == 2
    assert "connection is revoked" in refused.output
    again = cli("connect", "--tenant", TENANT, "--disconnect")
    assert again.exit_code == 0, again.output
    assert "There was no refresh token to revoke at Fortnox." in again.output


def test_a_service_account_connects_from_the_command_line(cli: Any, db_url: str) -> None:
    added = cli("tenants", "add", TENANT, "--email", "ekonomi@cli.se")
    assert added.exit_code == 0, added.output
    lonely = cli("connect", "--tenant", TENANT, "--fortnox-tenant-id", "5")
    assert lonely.exit_code == 2
    assert "--fortnox-tenant-id goes with --client-credentials" in lonely.output
    connected = cli("connect", "--tenant", TENANT, "--client-credentials")
    assert connected.exit_code == 0, connected.output
    company = _company(db_url)
    assert f"Connected as a service account of Fortnox tenant {company}" in connected.output
    assert "Pre-flight check" in connected.output
    engine = open_engine(db_url)
    with session_factory(engine).begin() as session:
        tenant = TenantRepository(session).by_name(TENANT)
        assert tenant is not None
        connection = ConnectionRepository(session).for_tenant(tenant.id)
        assert connection is not None
        assert (connection.state, connection.fortnox_tenant_id) == ("active", company)
    engine.dispose()
    _put(db_url, "employee", {"e1": employee(1)})
    synced = cli("sync")
    assert (synced.exit_code, _totals(synced.output)["created"]) == (0, 1), synced.output
