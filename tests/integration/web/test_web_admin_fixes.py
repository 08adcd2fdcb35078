"""What an admin found trying the UI in English and Swedish: error pages in the UI's layout, the
favicon, the pre-flight check after a disconnect, the light while a re-sync waits, the last
sweep, and the problems' texts."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.preflight import Checklist
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.context import WebContext
from integration.web.support import csrf_of


def _tenant(sessions: sessionmaker[Session], clock: ManualClock, name: str, state: str) -> int:
    with sessions.begin() as session:
        tenant_id = TenantRepository(session).create(name, now=clock.now()).id
        ConnectionRepository(session).create(tenant_id, "k", now=clock.now()).state = state
        return tenant_id


def _swedish(client: TestClient) -> None:
    page = client.get("/ui/tenants")
    client.post("/ui/language", data={"language": "sv", "csrf_token": csrf_of(page.text)})


def _main(html: str) -> str:
    return html.split("<main", 1)[1]


# -- error pages and the icon --------------------------------------------------------------


def test_an_unknown_address_or_value_shows_an_error_page_in_the_layout_in_both_languages(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant_id = _tenant(sessions, clock, "Errors AB", "active")
    html = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    paths = ("/ui/tenants/abc", "/ui/tenants/0", "/ui/tenants/99999999999999999999")
    for path in (*paths, f"/ui/tenants/{tenant_id}/runs/x", "/ui/no-such-page"):
        page = signed_in.get(path, headers=html)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert '<header class="topbar">' in page.text
        assert "There is no such page. Check the address." in page.text
    _swedish(signed_in)
    page = signed_in.get("/ui/tenants/abc", headers=html)
    assert page.status_code == 404
    assert '<html lang="sv">' in page.text
    assert '<header class="topbar">' in page.text
    assert "Sidan finns inte. Kontrollera adressen." in page.text
    # An action's address opened as a page (a preview reloaded from the address bar).
    page = signed_in.get(f"/ui/tenants/{tenant_id}/preview", headers=html)
    assert page.status_code == 405
    assert '<header class="topbar">' in page.text
    assert "Method Not Allowed" not in page.text
    assert "Adressen är ingen sida att öppna" in page.text


def test_the_favicon_is_served_here_and_linked_from_every_page(signed_in: TestClient) -> None:
    icon = signed_in.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = signed_in.get("/ui/tenants").text
    linked = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert "/ui/static/favicon.svg" in linked
    for href in linked:
        assert signed_in.get(href).status_code == 200
    assert signed_in.get("/ui/static/favicon.svg").text.startswith("<svg")


# -- the overview ------------------------------------------------------------------------------


def test_after_a_disconnect_the_checklist_says_the_connection_is_not_active(
    signed_in: TestClient,
    web_context: WebContext,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    tenant_id = _tenant(sessions, clock, "Checked AB", "active")
    checklist = Checklist(tenant_id, clock.now())
    checklist.add("connection", "ok", "active")
    checklist.add("financial year", "ok", "2026 is open")
    web_context.checklists[tenant_id] = checklist
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert 'class="check check-ok" data-check="connection"' in page
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        assert connection is not None
        connection.state = "revoked"
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert 'class="check check-fail" data-check="connection"' in page
    assert "(ok)" not in page
    assert "The connection is no longer active (Disconnected)" in page
    assert "2026 is open" not in page
    _swedish(signed_in)
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert "Kopplingen är inte längre aktiv (Frånkopplad)" in page


def test_a_waiting_re_sync_proposal_makes_the_light_amber_with_the_reason(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant_id = _tenant(sessions, clock, "Waiting AB", "active")
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert 'class="light light-green"' in page
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        assert connection is not None
        day = clock.now().date().isoformat()
        connection.resync_proposals = [
            {"flow": "payroll", "flows": ["payroll.attendance.push"], "from": day, "to": day,
             "reason": "disconnected"},
        ]  # fmt: skip
    reason = "A re-sync of the time the connection was broken is proposed"
    for path in (f"/ui/tenants/{tenant_id}", "/ui/tenants"):
        page = signed_in.get(path).text
        assert 'class="light light-green"' not in page, path
        assert 'class="light light-amber"' in page, path
        assert reason in page, path


def test_last_sweep_shows_the_last_sweep_not_a_later_push(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant_id = _tenant(sessions, clock, "Sweeps AB", "active")
    with sessions.begin() as session:
        runs = RunRepository(session)
        sweep = runs.start(tenant_id, "sweep", now=clock.now() - timedelta(hours=2))
        runs.finish(
            sweep.id, "succeeded", now=clock.now() - timedelta(hours=2), counts={}, requests=1
        )
        push = runs.start(tenant_id, "push", now=clock.now())
        runs.finish(push.id, "succeeded", now=clock.now(), counts={"created": 1}, requests=1)
    sweep_at = (clock.now() - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M UTC")
    overview = signed_in.get(f"/ui/tenants/{tenant_id}").text
    last = overview.split('id="last-run"', 1)[1].split("</dd>", 1)[0]
    assert f"/runs/{sweep.id}" in last
    assert f"/runs/{push.id}" not in last
    assert sweep_at in last
    row = signed_in.get("/ui/tenants").text.split('data-tenant="Sweeps AB"', 1)[1]
    assert sweep_at in row.split("</tr>", 1)[0]


# -- problems ------------------------------------------------------------------------------


def _problems(sessions: sessionmaker[Session], clock: ManualClock, tenant_id: int) -> None:
    """A record held back (no Fortnox answer), and an update Fortnox refused."""
    with sessions.begin() as session:
        runs = RunRepository(session)
        run = runs.start(tenant_id, "sweep", now=clock.now())
        runs.finish(run.id, "partial", now=clock.now(), counts={"failed": 2}, requests=2)
        reason = "no employment id: the employee is not sent"
        runs.add_items(
            run.id,
            [
                ItemRecord("hr.employee.push", "emp-1", "skip", "skipped", reason),
                ItemRecord("hr.employee.push", "emp-2", "update", "failed", "Ogiltigt", code=7),
            ],
        )
        problems = ProblemRepository(session)
        held = ProblemReport(
            "hr.employee.push:emp-1:skip", "hr.employee.push", "employee", "emp-1",
            "Employee emp-1", reason, explanation="The bridge did not send this record.",
            fix=reason,
        )  # fmt: skip
        refused = ProblemReport(
            "hr.employee.push:emp-2:7", "hr.employee.push", "employee", "emp-2",
            "Employee emp-2", "Ogiltigt värde i fältet PersonalIdentityNumber", code=2000588,
            status=400, explanation="A request parameter is invalid.",
            fix="Correct the parameter.",
        )  # fmt: skip
        problems.record(tenant_id, held, now=clock.now())
        problems.record(tenant_id, refused, now=clock.now())


def _problem(page: str, external_id: str) -> str:
    return page.split(f"<h3>Employee {external_id}</h3>", 1)[1].split("</li>", 1)[0]


def test_problems_say_what_happened_what_fortnox_said_what_it_means_and_the_fix(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant_id = _tenant(sessions, clock, "Texts AB", "active")
    _problems(sessions, clock, tenant_id)
    page = signed_in.get(f"/ui/tenants/{tenant_id}/problems").text
    held = _problem(page, "emp-1")
    assert "The bridge held Employee emp-1 back and sent nothing of it to Fortnox." in held
    assert held.count("no employment id: the employee is not sent") == 1
    assert "The bridge did not send this record." not in held
    assert "Nothing was written" in held
    assert "Correct the record in the application it comes from" in held
    assert "What Fortnox said" not in held
    refused = _problem(page, "emp-2")
    assert "The bridge tried to update Employee emp-2 in Fortnox" in refused
    assert "What Fortnox said" in refused
    assert "<code>2000588</code>" in refused
    assert '<q lang="sv">Ogiltigt värde i fältet PersonalIdentityNumber</q>' in refused
    assert "A request parameter is invalid." in refused
    assert "Fortnox still has the record as it was before this change" in refused
    assert "Correct the parameter." in refused
    _swedish(signed_in)
    page = signed_in.get(f"/ui/tenants/{tenant_id}/problems").text
    held = _problem(page, "emp-1")
    assert "Bryggan höll inne Employee emp-1" in held
    assert "Ingenting skrevs" in held
    refused = _problem(page, "emp-2")
    assert "Vad Fortnox svarade" in refused
    assert "Fortnox har kvar posten som den var före ändringen" in refused
