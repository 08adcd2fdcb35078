"""The flows page for flows that share one settings model (the service family): the flow that
holds the settings shows the whole form in its groups, in English and Swedish; a flow that runs
with them shows no form but a link to it, and saving it only turns it on or off."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.context import WebContext, session_secret
from integration.test_service_shared_settings import FLOWS, ObjectPush
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of


@pytest.fixture
def web_context(sessions: sessionmaker[Session], clock: ManualClock) -> WebContext:
    """The UI's context with the two service test flows only."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    services = build_services(sessions, clock=clock, flows=FLOWS)
    return WebContext(services, secret=session_secret("test key"))


@pytest.fixture
def tenant_id(sessions: sessionmaker[Session], clock: ManualClock) -> int:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Service AB", now=clock.now())
        tenant.families = ["service"]
        return tenant.id


def _configs(sessions: sessionmaker[Session], tenant_id: int) -> dict[str, Any]:
    with sessions.begin() as session:
        rows = FlowConfigRepository(session).for_tenant(tenant_id)
        return {name: (row.enabled, dict(row.settings)) for name, row in rows.items()}


def test_the_holder_shows_the_grouped_form_and_the_sharer_a_link(
    signed_in: TestClient, tenant_id: int
) -> None:
    page = signed_in.get(f"/ui/tenants/{tenant_id}/flows").text
    holder, sharer = page.split(f'id="flow-{ObjectPush.name}"')
    assert holder.count('<fieldset class="settings-group"') == 6
    assert "<legend>Cost centres</legend>" in holder
    assert 'name="setting-sum_ignore_articles"' in holder
    assert "setting-" not in sharer.split("</form>")[0]
    assert (
        "This flow runs with the settings of Service orders to Fortnox; change them there."
        in sharer
    )
    assert f'href="#flow-{SETTINGS_FLOW}"' in sharer


def test_the_form_speaks_swedish(signed_in: TestClient, tenant_id: int) -> None:
    first = signed_in.get("/ui/tenants")
    signed_in.post("/ui/language", data={"language": "sv", "csrf_token": csrf_of(first.text)})
    page = signed_in.get(f"/ui/tenants/{tenant_id}/flows")
    assert "Summera artikelrader" in page.text
    assert "<legend>Kostnadsställen</legend>" in page.text
    assert (
        "Flödet använder inställningarna för Serviceordrar till Fortnox; ändra dem där."
        in page.text
    )


def test_saving_stores_the_settings_on_the_holder_only(
    signed_in: TestClient, tenant_id: int, sessions: sessionmaker[Session]
) -> None:
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant_id}/flows").text)
    saved = signed_in.post(
        f"/ui/tenants/{tenant_id}/flows/{SETTINGS_FLOW}",
        data={
            "enabled": ["false", "true"],
            "setting-sum_article_rows": ["false", "true"],
            "setting-sum_ignore_articles": "12, 13",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303
    off = signed_in.post(
        f"/ui/tenants/{tenant_id}/flows/{ObjectPush.name}",
        data={"enabled": "false", "csrf_token": token},
    )
    assert off.status_code == 303
    configs = _configs(sessions, tenant_id)
    assert configs[ObjectPush.name] == (False, {})
    enabled, settings = configs[SETTINGS_FLOW]
    assert enabled is True
    assert settings["sum_article_rows"] is True
    assert settings["sum_ignore_articles"] == ["12", "13"]
