"""A tenant's flow families on the admin UI over the real store: chosen on the settings page,
the flows page grouped by family with base flows always on, and switches the families or the
supplier either-or refuse shown in English and Swedish with nothing saved."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of

PROJECT_EXPORT = "projects.construction_project.push"
SUPPLIER_PUSH = "projects.project_supplier.push"
SUPPLIER_PULL = "projects.project_supplier.pull"


def _families(sessions: sessionmaker[Session], tenant_id: int) -> list[str]:
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        return list(tenant.families)


def test_families_are_chosen_and_the_flows_page_follows(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Bygg AB", now=clock.now()).id
    flows = signed_in.get(f"/ui/tenants/{tenant}/flows").text
    assert 'id="family-hr"' in flows
    assert 'id="family-payroll"' in flows
    assert "projects." not in flows
    page = signed_in.get(f"/ui/tenants/{tenant}/settings")
    assert 'id="families"' in page.text
    token = csrf_of(page.text)
    url = f"/ui/tenants/{tenant}/settings/families"
    assert signed_in.post(url, data={"families": ["projects"]}).status_code == 403
    none = signed_in.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "Choose at least one family." in none.text
    assert _families(sessions, tenant) == ["hr", "payroll"]
    saved = signed_in.post(url, data={"csrf_token": token, "families": ["hr", "projects"]})
    assert saved.status_code == 303
    assert _families(sessions, tenant) == ["hr", "projects"]

    flows = signed_in.get(f"/ui/tenants/{tenant}/flows").text
    assert 'id="family-projects"' in flows
    assert 'id="family-payroll"' not in flows
    assert f'data-testid="always-on-{PROJECT_EXPORT}"' in flows
    assert f'data-testid="always-on-{SUPPLIER_PUSH}"' not in flows
    assert f'id="f-{PROJECT_EXPORT}-completion_delay_days"' in flows  # from its Settings

    off = signed_in.post(
        f"/ui/tenants/{tenant}/flows/{PROJECT_EXPORT}",
        data={"csrf_token": token, "enabled": "false"},
        follow_redirects=True,
    )
    assert "Projects to Fortnox is a base flow of the Projects family" in off.text
    on = signed_in.post(
        f"/ui/tenants/{tenant}/flows/{SUPPLIER_PUSH}",
        data={"csrf_token": token, "enabled": "true"},
    )
    assert on.status_code == 303
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    both = signed_in.post(
        f"/ui/tenants/{tenant}/flows/{SUPPLIER_PULL}",
        data={"csrf_token": token, "enabled": "true"},
        follow_redirects=True,
    )
    assert (
        "Leverantörer från Fortnox kan inte köras samtidigt som Leverantörer till Fortnox"
        in both.text
    )
    with sessions.begin() as session:
        stored = FlowConfigRepository(session).for_tenant(tenant)
    assert stored[SUPPLIER_PUSH].enabled
    assert SUPPLIER_PULL not in stored
    swedish = signed_in.get(f"/ui/tenants/{tenant}/flows").text
    assert "Alltid på" in swedish
    assert "Projekt" in swedish
    assert "Flödesfamiljer" in signed_in.get(f"/ui/tenants/{tenant}/settings").text
