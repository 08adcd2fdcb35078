"""The tenant overview's dashboard over the real store: the 30-day activity, the open problems,
the last successful sync per enabled flow and the use of Fortnox's rate limit, in English and
Swedish; the last sweep is never a push; a first synchronization waiting for decisions turns the
light amber."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.first_sync import FirstSyncRepository
from fortnox_bridge.store.flow_syncs import FlowSyncRepository
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import ItemRecord, RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.web.support import csrf_of


def _section(html: str, name: str) -> str:
    found = re.search(rf'<section class="card" id="{name}".*?</section>', html, re.S)
    assert found, f"no {name} card"
    return found.group(0)


def _run(
    runs: RunRepository, clock: ManualClock, tenant: int, kind: str, ago: timedelta, **done: int
) -> int:
    """A finished run that started ``ago`` and took ``done["seconds"]``."""
    started = clock.now() - ago
    run = runs.start(tenant, kind, now=started)
    runs.finish(
        run.id,
        "succeeded",
        now=started + timedelta(seconds=done["seconds"]),
        counts={"created": done["created"]},
        requests=done["requests"],
    )
    return run.id


def test_the_dashboard_shows_what_the_runs_did_in_both_languages(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Panel AB", now=clock.now()).id
        ConnectionRepository(session).create(tenant, "panel", now=clock.now()).state = "active"
        runs = RunRepository(session)
        # 20 requests in 2 s: one window of Fortnox's 5 s held 20 of its 25 (80 %).
        sweep = _run(runs, clock, tenant, "sweep", timedelta(hours=3), seconds=2, created=4,
                     requests=20)  # fmt: skip
        push = _run(runs, clock, tenant, "push", timedelta(minutes=20), seconds=10, created=1,
                    requests=3)  # fmt: skip
        runs.add_items(push, [ItemRecord("hr.employee.push", "e7", "create", "failed")])
        report = ProblemReport("k7", "hr.employee.push", "employee", "e7", "Employee e7", "nej")
        ProblemRepository(session).record(tenant, report, now=clock.now())
        FlowSyncRepository(session).mark(tenant, ["hr.employee.push"], now=clock.now())
    page = signed_in.get(f"/ui/tenants/{tenant}")
    assert page.status_code == 200
    html = page.text
    # The last sweep is the sweep, the push is shown as the last push.
    assert f'/runs/{sweep}"' in re.search(r'<dd id="last-run">.*?</dd>', html, re.S).group(0)
    assert f'/runs/{push}"' in re.search(r'<dd id="last-push">.*?</dd>', html, re.S).group(0)
    activity = _section(html, "activity")
    assert "Requests to Fortnox: 23" in activity
    assert "Items: 5" in activity
    problems = _section(html, "open-problems")
    assert 'data-count="1"' in problems
    assert "1 open problem<" in problems
    assert "Employee e7" in problems
    assert "Employees to Fortnox" in problems
    row = r'<tr data-flow="([^"]+)"><th scope="row">([^<]+)</th><td>(.*?)</td>'
    by_flow = {name: (title, cell) for name, title, cell in re.findall(row, html)}
    now = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    assert by_flow.pop("hr.employee.push") == ("Employees to Fortnox", now)
    assert by_flow  # the other enabled flows never synced
    assert all("never" in cell for _title, cell in by_flow.values())
    rate = _section(html, "rate-limit")
    assert '<dd data-rate="last-hour">3</dd>' in rate
    assert '<dd data-rate="last-day">23</dd>' in rate
    assert 'data-share="80"' in rate
    assert "20.0 requests per 5 s on average: 80 % of the 25 Fortnox allows" in rate
    assert f'/runs/{sweep}"' in rate

    # The problems page names the flow by its title and links to the record in the run.
    listed = signed_in.get(f"/ui/tenants/{tenant}/problems").text
    assert 'data-flow="hr.employee.push">Employees to Fortnox</span>' in listed
    assert f'href="/ui/tenants/{tenant}/runs/{push}?record=e7"' in listed

    signed_in.post("/ui/language", data={"language": "sv", "csrf_token": csrf_of(html)})
    swedish = signed_in.get(f"/ui/tenants/{tenant}").text
    assert "Anrop till Fortnox: 23" in _section(swedish, "activity")
    assert "Anställda till Fortnox" in _section(swedish, "open-problems")
    assert "aldrig" in _section(swedish, "flow-syncs")
    assert "80 %" in _section(swedish, "rate-limit")


def test_a_first_synchronization_waiting_for_decisions_turns_the_light_amber(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    with sessions.begin() as session:
        tenant = TenantRepository(session).create("Ny AB", now=clock.now()).id
        ConnectionRepository(session).create(tenant, "ny", now=clock.now()).state = "active"
    before = signed_in.get(f"/ui/tenants/{tenant}").text
    assert 'class="light light-green"' in before
    with sessions.begin() as session:
        plans = FirstSyncRepository(session)
        plans.create(tenant, "employee", counts={}, items=[], now=clock.now())
    page = signed_in.get(f"/ui/tenants/{tenant}").text
    assert 'class="light light-amber"' in page
    assert "A first synchronization waits for your decisions" in page
    assert f'href="/ui/tenants/{tenant}/conflicts"' in page
    listed = signed_in.get("/ui/tenants").text
    assert "A first synchronization waits for your decisions" in listed
