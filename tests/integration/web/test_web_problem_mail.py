"""How a tenant's failures are e-mailed, chosen on its settings page in English or Swedish:
``digest`` by default, ``remind`` when chosen; anything else saves nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of


def _stored(sessions: sessionmaker[Session], tenant_id: int) -> str:
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        return tenant.problem_mail


def test_the_settings_page_shows_and_saves_the_choice(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Mejl AB", now=clock.now()).id
    page = signed_in.get(f"/ui/tenants/{tenant}/settings")
    assert page.status_code == 200
    assert 'id="problem-mail"' in page.text
    assert '<option value="digest" selected>' in page.text
    url = f"/ui/tenants/{tenant}/settings/problem-mail"
    token = csrf_of(page.text)
    assert signed_in.post(url, data={"problem_mail": "remind"}).status_code == 403
    refused = signed_in.post(url, data={"csrf_token": token, "problem_mail": "hourly"})
    assert refused.status_code == 400
    assert "Choose one of the listed ways." in refused.text
    assert _stored(sessions, tenant) == "digest"
    saved = signed_in.post(url, data={"csrf_token": token, "problem_mail": "remind"})
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"/tenants/{tenant}/settings#problem-mail")
    assert _stored(sessions, tenant) == "remind"
    shown = signed_in.get(f"/ui/tenants/{tenant}/settings")
    assert '<option value="remind" selected>' in shown.text
    assert "Problem e-mails saved." in shown.text
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    swedish = signed_in.get(f"/ui/tenants/{tenant}/settings").text
    assert "E-post om fel" in swedish
    assert "Efter varje svep, varje fel tills det är åtgärdat" in swedish
