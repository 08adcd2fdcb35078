"""How a tenant's failures are e-mailed, chosen on its settings page in English or Swedish:
``digest`` by default, ``remind`` when chosen; anything else saves nothing. The retry time of
refused writes is set on the same page."""

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


def _retry_hours(sessions: sessionmaker[Session], tenant_id: int) -> int:
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        return tenant.refusal_retry_hours


def test_the_settings_page_sets_the_retry_time_of_refused_writes(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Nekad AB", now=clock.now()).id
    page = signed_in.get(f"/ui/tenants/{tenant}/settings")
    assert 'id="refusal-retry"' in page.text
    assert 'name="refusal_retry_hours" type="number" value="24"' in page.text
    url = f"/ui/tenants/{tenant}/settings/refusal-retry"
    token = csrf_of(page.text)
    for bad in ("0", "721", "1.5", "en dag", ""):
        refused = signed_in.post(url, data={"csrf_token": token, "refusal_retry_hours": bad})
        assert refused.status_code == 400, bad
        assert "Give a whole number of hours from 1 to 720." in refused.text
    assert _retry_hours(sessions, tenant) == 24
    saved = signed_in.post(url, data={"csrf_token": token, "refusal_retry_hours": "6"})
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"/tenants/{tenant}/settings#refusal-retry")
    assert _retry_hours(sessions, tenant) == 6
    shown = signed_in.get(f"/ui/tenants/{tenant}/settings")
    assert 'name="refusal_retry_hours" type="number" value="6"' in shown.text
    assert "Retry time of refused writes saved." in shown.text
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    swedish = signed_in.get(f"/ui/tenants/{tenant}/settings").text
    assert "Skrivningar som Fortnox nekade" in swedish
    assert "Skicka igen efter (timmar)" in swedish
    assert "Send again after" not in swedish
