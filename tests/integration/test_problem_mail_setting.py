"""The tenant's ``problem_mail`` setting (``digest`` by default, or ``remind``) through the
tenant API and ``fortnox-bridge tenants set``; anything else is refused and nothing is saved."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import Result
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.models import Tenant
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app


async def test_the_tenant_api_reads_and_changes_it(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Bygg AB", now=clock.now())
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
        tenant_id = tenant.id
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {key}"},
    ) as api:
        assert (await api.get("/api/v1/tenant")).json()["problem_mail"] == "digest"
        changed = await api.patch("/api/v1/tenant", json={"problem_mail": "remind"})
        assert changed.status_code == 200
        assert changed.json()["problem_mail"] == "remind"
        refused = await api.patch("/api/v1/tenant", json={"problem_mail": "hourly"})
        assert refused.status_code == 422
    with sessions.begin() as session:
        stored = session.get(Tenant, tenant_id)
        assert stored is not None
        assert stored.problem_mail == "remind"


def _cli(data: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "--data-dir", str(data)], env={"COLUMNS": "250"})


def test_tenants_set_changes_it_and_the_list_shows_it(tmp_path: Path) -> None:
    added = _cli(tmp_path, "tenants", "add", "Bygg AB")
    assert added.exit_code == 0, added.output
    listed = _cli(tmp_path, "tenants", "list")
    assert "problem mail" in listed.output
    row = next(line for line in listed.output.splitlines() if "Bygg AB" in line)
    assert "digest" in row
    refused = _cli(tmp_path, "tenants", "set", "Bygg AB", "--problem-mail", "weekly")
    assert refused.exit_code == 2
    assert "--problem-mail must be digest or remind" in refused.output
    saved = _cli(tmp_path, "tenants", "set", "Bygg AB", "--problem-mail", "remind")
    assert saved.exit_code == 0, saved.output
    row = next(line for line in _cli(tmp_path, "tenants").output.splitlines() if "Bygg AB" in line)
    assert "remind" in row
