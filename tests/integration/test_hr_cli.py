"""``fortnox-bridge hr rewrite-absences`` as an admin types it, against a standalone sandbox, on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import SystemClock
from fortnox_bridge.store.db import open_engine, session_factory
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

from .conftest import LiveSandbox, employee

TENANT = "Frånvaro AB"


@pytest.fixture
def cli(tmp_path: Path, migrated_url: str, live_sandbox: LiveSandbox) -> Iterator[Any]:
    """``cli("hr", "rewrite-absences", ...)`` on this data dir, store and sandbox."""
    env = {"FORTNOX_BRIDGE_DATABASE_URL": migrated_url, "COLUMNS": "200"}
    common = ["--data-dir", str(tmp_path / "var"), "--sandbox-url", live_sandbox.url]

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, *common], env=env)

    return invoke


def _put(db_url: str, entity: str, records: dict[str, dict[str, Any]]) -> None:
    engine = open_engine(db_url)
    with session_factory(engine).begin() as session:
        tenant = TenantRepository(session).by_name(TENANT)
        assert tenant is not None
        mirror = MirrorRepository(session)
        for external_id, payload in records.items():
            mirror.upsert(tenant.id, entity, external_id, payload, now=SystemClock().now())
    engine.dispose()


def _totals(output: str) -> dict[str, int]:
    (line,) = [row for row in output.splitlines() if row.startswith(("Totals:", "Plan:"))]
    return {key: int(value) for key, value in (part.split("=") for part in line.split()[1:])}


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_rewrite_absences_rewrites_what_a_mapping_change_disconnected(
    cli: Any, db_url: str
) -> None:
    _ok(cli("tenants", "add", TENANT, "--email", "lon@franvaro.se"))
    _ok(cli("connect", "--tenant", TENANT))
    setting = "hr.employee.push.default_schedule=HEL"
    _ok(cli("tenants", "set", TENANT, "--enable", "hr.absence.push", "--setting", setting))
    _put(db_url, "employee", {"e1": employee(1)})
    _put(db_url, "absence_type", {"sick": {"code": "sick", "name": "Sick leave"}})
    absence = {
        "employee": "e1",
        "absence_type": "sick",
        "start": "2026-01-05",
        "end": "2026-01-06",
        "status": "approved",
    }
    _put(db_url, "absence", {"a1": absence})
    assert _totals(_ok(cli("sync", "--tenant", TENANT)))["created"] == 3  # employee + 2 days

    nothing = _ok(cli("hr", "rewrite-absences", "--tenant", TENANT))
    assert "No absences to re-write" in nothing

    _ok(
        cli(
            "tenants",
            "map",
            TENANT,
            "--kind",
            "absence_cause",
            "--local",
            "sick",
            "--fortnox",
            "OS1",
        )
    )
    synced = _ok(cli("sync", "--tenant", TENANT))
    assert _totals(synced)["requests"] == 0  # a mapping change alone writes nothing

    plan = _ok(cli("hr", "rewrite-absences", "--tenant", TENANT, "--dry-run"))
    assert "Re-writing 1 absence(s): a1" in plan
    assert (_totals(plan)["deleted"], _totals(plan)["created"]) == (2, 2)
    other = _ok(cli("hr", "rewrite-absences", "--tenant", TENANT, "--type", "vacation"))
    assert "No absences of type vacation to re-write" in other

    done = _ok(cli("hr", "rewrite-absences", "--tenant", TENANT, "--type", "sick"))
    assert (_totals(done)["deleted"], _totals(done)["created"], _totals(done)["failed"]) == (
        2,
        2,
        0,
    )
    again = _ok(cli("hr", "rewrite-absences", "--tenant", TENANT))
    assert "No absences to re-write" in again
    assert _totals(_ok(cli("sync", "--tenant", TENANT)))["requests"] == 0


def test_rewrite_absences_names_an_unknown_tenant(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()  # the data directory the commands point at (its key file)
    result = cli("hr", "rewrite-absences", "--tenant", "Finns Inte AB")
    assert result.exit_code == 2
    assert "no tenant" in result.output
