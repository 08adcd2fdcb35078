"""A tenant's flow families through the API, the services and ``fortnox-bridge tenants``: only
the flows of its families are offered and run and have their scopes asked for, base flows are
always on, and a supplier export never runs beside the supplier import."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import Result
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fortnox_bridge.cli.app import app
from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services.root import build_services
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

BASE = (
    "projects.construction_project.push",
    "projects.project_customer.push",
    "projects.cost_center.pull",
    "projects.account.pull",
    "projects.voucher.pull",
)
SUPPLIER_PUSH = "projects.project_supplier.push"
SUPPLIER_PULL = "projects.project_supplier.pull"


def _tenant(sessions: sessionmaker[Session], clock: ManualClock) -> tuple[int, str]:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.create("Bygg AB", now=clock.now())
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
        return tenant.id, key


async def _flows(api: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    answer = await api.get("/api/v1/flows", params={"limit": 100})
    assert answer.status_code == 200
    return {flow["name"]: flow for flow in answer.json()["data"]}


async def test_the_projects_family_brings_its_base_flows_and_its_rules(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    _, key = _tenant(sessions, clock)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock)),
        headers={"Authorization": f"Bearer {key}"},
    ) as api:
        assert (await api.get("/api/v1/tenant")).json()["families"] == ["hr", "payroll"]
        before = await _flows(api)
        assert {flow["family"] for flow in before.values()} == {"hr", "payroll"}
        refused = await api.patch(f"/api/v1/flows/{SUPPLIER_PUSH}", json={"enabled": True})
        assert (refused.status_code, refused.json()["error"]) == (409, "family_not_chosen")

        unknown = await api.patch("/api/v1/tenant", json={"families": ["hr", "garden"]})
        assert unknown.status_code == 422
        chosen = await api.patch("/api/v1/tenant", json={"families": ["projects", "hr"]})
        assert chosen.json()["families"] == ["hr", "projects"]
        after = await _flows(api)
        assert {flow["family"] for flow in after.values()} == {"hr", "projects"}
        assert {name for name, flow in after.items() if flow["base"]} == set(BASE)
        assert all(after[name]["enabled"] for name in BASE)
        assert not after[SUPPLIER_PUSH]["enabled"]

        base_off = await api.patch(f"/api/v1/flows/{BASE[0]}", json={"enabled": False})
        assert (base_off.status_code, base_off.json()["error"]) == (409, "base_flow")
        assert "base flow of the projects family" in base_off.json()["detail"]
        settings = await api.patch(f"/api/v1/flows/{BASE[0]}", json={"settings": {}})
        assert settings.status_code == 200

        export = await api.patch(f"/api/v1/flows/{SUPPLIER_PUSH}", json={"enabled": True})
        assert (export.status_code, export.json()["enabled"]) == (200, True)
        both = await api.patch(f"/api/v1/flows/{SUPPLIER_PULL}", json={"enabled": True})
        assert (both.status_code, both.json()["error"]) == (409, "flows_exclusive")
        await api.patch(f"/api/v1/flows/{SUPPLIER_PUSH}", json={"enabled": False})
        imported = await api.patch(f"/api/v1/flows/{SUPPLIER_PULL}", json={"enabled": True})
        assert (imported.status_code, imported.json()["enabled"]) == (200, True)

        dropped = await api.patch("/api/v1/tenant", json={"families": ["hr"]})
        assert dropped.status_code == 200
        assert set(await _flows(api)) == {n for n, f in before.items() if f["family"] == "hr"}


def test_consent_links_ask_only_for_the_scopes_of_the_chosen_families(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant_id, _ = _tenant(sessions, clock)
    services = build_services(sessions, clock=clock)
    assert not {"customer", "archive", "connectfile"} & set(
        services.flow_config.consent_scopes(tenant_id)
    )
    assert not any(f.name in BASE for f in services.flow_config.enabled_flows(tenant_id))
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        tenant.families = ["projects"]
    scopes = services.flow_config.consent_scopes(tenant_id)
    # the voucher import's too, with the images of supplier invoices' vouchers
    assert {"customer", "bookkeeping", "archive", "connectfile"} <= set(scopes)
    running = {flow.name for flow in services.flow_config.enabled_flows(tenant_id)}
    assert running == set(BASE)


def _cli(data: Path, *args: str) -> Result:
    return CliRunner().invoke(app, [*args, "--data-dir", str(data)], env={"COLUMNS": "250"})


def test_the_command_line_chooses_families_all_or_nothing(tmp_path: Path) -> None:
    assert _cli(tmp_path, "tenants", "add", "Bygg AB", "--family", "projects").exit_code == 0
    listed = _cli(tmp_path, "tenants", "list").output
    assert "projects.construction_project.push" in listed
    assert "hr.employee.push" not in listed

    base_off = _cli(tmp_path, "tenants", "set", "Bygg AB", "--disable", BASE[0])
    assert base_off.exit_code == 2
    assert "base flow of the projects family" in base_off.output
    both = _cli(
        tmp_path, "tenants", "set", "Bygg AB", "--enable", SUPPLIER_PUSH, "--enable", SUPPLIER_PULL
    )
    assert both.exit_code == 2
    assert "cannot run beside" in both.output
    refused = _cli(
        tmp_path, "tenants", "set", "Bygg AB", "--family", "hr", "--enable", SUPPLIER_PUSH
    )
    assert refused.exit_code == 2
    assert "does not use" in refused.output
    assert "projects.construction_project.push" in _cli(tmp_path, "tenants", "list").output

    saved = _cli(
        tmp_path,
        "tenants",
        "set",
        "Bygg AB",
        "--family",
        "hr",
        "--family",
        "projects",
        "--enable",
        SUPPLIER_PULL,
    )
    assert saved.exit_code == 0, saved.output
    listed = _cli(tmp_path, "tenants", "list").output
    assert SUPPLIER_PULL in listed
    assert "hr.employee.push" in listed
    unknown = _cli(tmp_path, "tenants", "set", "Bygg AB", "--family", "garden")
    assert unknown.exit_code == 2
    assert "no flow family 'garden'" in unknown.output
