"""How much less often a tenant is swept while Fortnox's change events stream, set on its
settings page in English or Swedish: 4 by default, a whole number from 1 to 48, anything else
saves nothing. The runs page lists the reads of Fortnox's change events as a kind of its own."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.runs import RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of


def _factor(sessions: sessionmaker[Session], tenant_id: int) -> int:
    with sessions.begin() as session:
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        return tenant.realtime_sweep_factor


def test_the_settings_page_sets_the_sweep_factor(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Ström AB", now=clock.now()).id
    page = signed_in.get(f"/ui/tenants/{tenant}/settings")
    assert 'id="realtime-sweep"' in page.text
    assert 'name="realtime_sweep_factor" type="number" value="4"' in page.text
    url = f"/ui/tenants/{tenant}/settings/realtime-sweep"
    token = csrf_of(page.text)
    assert signed_in.post(url, data={"realtime_sweep_factor": "2"}).status_code == 403
    for bad in ("0", "49", "1.5", "fyra", ""):
        refused = signed_in.post(url, data={"csrf_token": token, "realtime_sweep_factor": bad})
        assert refused.status_code == 400, bad
        assert "Give a whole number from 1 to 48." in refused.text
    assert _factor(sessions, tenant) == 4
    saved = signed_in.post(url, data={"csrf_token": token, "realtime_sweep_factor": "1"})
    assert saved.status_code == 303
    assert saved.headers["location"].endswith(f"/tenants/{tenant}/settings#realtime-sweep")
    assert _factor(sessions, tenant) == 1
    shown = signed_in.get(f"/ui/tenants/{tenant}/settings")
    assert 'name="realtime_sweep_factor" type="number" value="1"' in shown.text
    assert "Sweeps while changes stream saved." in shown.text
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    swedish = signed_in.get(f"/ui/tenants/{tenant}/settings").text
    assert "Svep medan ändringar strömmar" in swedish
    assert "Svep mer sällan med faktorn" in swedish
    assert "Sweep less often by" not in swedish


def test_the_runs_page_lists_the_reads_of_changes_from_fortnox(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Händelse AB", now=clock.now()).id
        runs = RunRepository(session)
        read = runs.start(tenant, "event", now=clock.now())
        runs.finish(read.id, "succeeded", now=clock.now(), counts={"imported": 1}, requests=1)
        runs.start(tenant, "sweep", now=clock.now())
    page = signed_in.get(f"/ui/tenants/{tenant}/runs", params={"kind": "event"})
    assert page.status_code == 200
    assert '<option value="event" selected>Change from Fortnox</option>' in page.text
    assert f"/runs/{read.id}" in page.text
    assert page.text.count('<td data-kind="event">Change from Fortnox') == 1
    assert 'data-kind="sweep"' not in page.text
    token = csrf_of(signed_in.get(f"/ui/tenants/{tenant}/settings").text)
    signed_in.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    swedish = signed_in.get(f"/ui/tenants/{tenant}/runs", params={"kind": "event"}).text
    assert '<td data-kind="event">Ändring från Fortnox' in swedish
