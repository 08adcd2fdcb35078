"""The admin UI with the engine beside it, against the sandbox (SQLite and PostgreSQL): a re-sync
started on the maintenance page and the first synchronization of employees applied from the
conflicts page run to the end, as they do under ``serve``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.first_sync import FirstSyncRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.context import WebContext, session_secret
from integration.bridge_api import api_app
from integration.conftest import Bridge, Put, employee
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of


@pytest.fixture
async def ui(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[tuple[httpx.AsyncClient, WebContext]]:
    """A signed-in client of the UI with the engine (service) beside it."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    hooks = EngineHooks(service=bridge.service)
    services = build_services(sessions, clock=clock, hooks=hooks)
    context = WebContext(services, secret=session_secret("k"))
    app = api_app(sessions, clock=clock, hooks=hooks)
    install_web(app, context)
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app)
    ) as client:
        login = await client.get("/ui/login")
        answer = await client.post(
            "/ui/login",
            data={
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
                "next": "/",
                "csrf_token": csrf_of(login.text),
            },
        )
        assert answer.status_code == 303
        yield client, context


async def test_a_resync_is_confirmed_then_runs_to_the_end(
    ui: tuple[httpx.AsyncClient, WebContext], bridge: Bridge, put: Put
) -> None:
    client, context = ui
    await bridge.connect()
    put("employee", "e001", employee(1, employment_id="101"))
    for day in ("2026-03-02", "2026-03-03", "2026-03-16", "2026-04-01"):
        put("time_entry", f"t-{day}", {"employee": "e001", "date": day, "hours": "8"})
    first = await bridge.service.sweep(bridge.tenant)
    assert first.total("failed") == 0
    base = f"/ui/tenants/{bridge.tenant}"
    page = await client.get(f"{base}/maintenance")
    token = csrf_of(page.text)
    interval = {"csrf_token": token, "flow": "payroll", "from": "2026-03-10", "to": "2026-03-20"}
    preview = await client.post(f"{base}/maintenance/preview", data=interval)
    assert preview.status_code == 200, preview.text
    assert "<strong>2026-03-01 – 2026-03-31</strong>" in preview.text
    assert '<dd data-count="to_delete">3</dd>' in preview.text
    assert '<dd data-count="to_write">3</dd>' in preview.text
    busy = asyncio.Event()
    context.jobs.start(f"resync:{bridge.tenant}", busy.wait())  # a re-sync runs already
    refused = await client.post(f"{base}/maintenance/resync", data=interval)
    assert refused.status_code == 409
    assert "A re-sync of this tenant is running" in refused.text
    busy.set()
    await context.jobs.join()
    started = await client.post(f"{base}/maintenance/resync", data=interval)
    assert started.status_code == 303
    run_url = started.headers["location"]
    assert re.fullmatch(rf"{base}/runs/\d+", run_url)
    await context.jobs.join()
    run = await client.get(run_url)
    assert '<span class="badge badge-succeeded" data-status="succeeded">Succeeded</span>' in (
        run.text
    )
    assert '<dd data-count="deleted">3</dd>' in run.text
    assert '<dd data-count="written">3</dd>' in run.text
    assert "data-done" in run.text


async def test_a_first_sync_plan_is_made_decided_in_bulk_and_applied(
    ui: tuple[httpx.AsyncClient, WebContext],
    bridge: Bridge,
    put: Put,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    client, context = ui
    await bridge.connect()
    with sessions.begin() as session:
        FlowConfigRepository(session).put(
            bridge.tenant, "hr.employee.push", enabled=False, settings={}, now=clock.now()
        )
    await engine_client.employees.create(
        {
            "employee_id": "201",
            "first_name": "Eva",
            "last_name": "Ek",
            "email": "eva@example.se",
            "phone1": "070-222",
        }
    )
    await engine_client.employees.create(
        {
            "employee_id": "202",
            "first_name": "Olle",
            "last_name": "Berg",
            "email": "olle@example.se",
        }
    )
    put("employee", "h-eva", employee(1, email="eva@example.se", phone="070-111"))
    put("employee", "h-per", employee(2, email="per@example.se"))
    base = f"/ui/tenants/{bridge.tenant}"
    token = csrf_of((await client.get(f"{base}/conflicts")).text)
    made = await client.post(f"{base}/conflicts/first-sync/plan", data={"csrf_token": token})
    assert made.status_code == 303
    await context.jobs.join()
    card = await client.get(f"{base}/conflicts/first-sync/plan/job")
    assert "data-done" in card.text
    assert f'data-reload="{base}/conflicts#first-sync"' in card.text
    page = await client.get(f"{base}/conflicts")
    assert "Plan made: 1 pairs, 1 only in the host, 1 only in Fortnox." in page.text
    assert "070-111" in page.text
    assert "070-222" in page.text
    early = await client.post(f"{base}/conflicts/first-sync/apply", data={"csrf_token": token})
    assert (
        "undecided or duplicates are unresolved"
        in (await client.get(early.headers["location"])).text
    )
    for choice in ({"pairs": "fortnox"}, {"host_only": "create"}, {"fortnox_only": "skip"}):
        done = await client.post(
            f"{base}/conflicts/first-sync/decide", data={"csrf_token": token, **choice}
        )
        assert done.status_code == 303
    assert "0 undecided" in (await client.get(f"{base}/conflicts")).text
    applying = await client.post(f"{base}/conflicts/first-sync/apply", data={"csrf_token": token})
    assert applying.status_code == 303
    await context.jobs.join()
    progress = await client.get(f"{base}/conflicts/first-sync/progress")
    assert "data-done" in progress.text
    assert "The plan was applied." in progress.text
    assert "2 employees done, 1 left out, 0 failed." in progress.text
    assert "Reading employees from Fortnox (hr.employee.pull) is now on" in progress.text
    with sessions.begin() as session:
        plan = FirstSyncRepository(session).latest(bridge.tenant, "employee")
        assert plan is not None
        assert plan.status == "applied"
        eva = MirrorRepository(session).get(bridge.tenant, "employee", "h-eva")
        assert eva is not None
        assert eva.payload["phone"] == "070-222"  # Fortnox won the pair
    created = [e async for e in engine_client.employees.iterate() if e.email == "per@example.se"]
    assert len(created) == 1  # the host-only employee was created in Fortnox


async def test_yes_resyncs_from_the_disconnection_date(
    ui: tuple[httpx.AsyncClient, WebContext],
    bridge: Bridge,
    put: Put,
    sessions: sessionmaker[Session],
) -> None:
    client, context = ui
    await bridge.connect()
    put("employee", "e001", employee(1, employment_id="101"))
    for day in ("2026-03-02", "2026-03-16"):
        put("time_entry", f"t-{day}", {"employee": "e001", "date": day, "hours": "8"})
    await bridge.service.sweep(bridge.tenant)
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(bridge.tenant)
        assert connection is not None
        connection.resync_proposals = [
            {"flow": "payroll", "from": "2026-03-10", "to": "2026-03-12", "reason": "test"}
        ]
    base = f"/ui/tenants/{bridge.tenant}"
    page = await client.get(f"{base}/maintenance")
    assert "Yes, re-sync from 2026-03-10" in page.text
    accepted = await client.post(
        f"{base}/maintenance/proposal/accept", data={"csrf_token": csrf_of(page.text)}
    )
    assert accepted.status_code == 303
    assert re.fullmatch(rf"{base}/runs/\d+", accepted.headers["location"])
    await context.jobs.join()
    run = await client.get(accepted.headers["location"])
    assert "succeeded" in run.text
    assert "<strong>2026-03-01 – " in run.text  # from the disconnection date, whole periods
    assert "Yes, re-sync" not in (await client.get(f"{base}/maintenance")).text


async def test_a_service_account_is_connected_from_the_tenant_page(
    ui: tuple[httpx.AsyncClient, WebContext], bridge: Bridge, sessions: sessionmaker[Session]
) -> None:
    client, _ = ui
    base = f"/ui/tenants/{bridge.tenant}"
    page = (await client.get(base)).text
    assert "Connect as a service account (no approval page)" in page
    token = csrf_of(page)
    await client.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    assert "Anslut som servicekonto (utan godkännandesida)" in (await client.get(base)).text
    await client.post("/ui/language", data={"csrf_token": token, "language": "en"})
    half = await client.post(
        f"{base}/connection/service-account",
        data={"csrf_token": token, "fortnox_tenant_id": str(bridge.company), "client_id": "x"},
    )
    assert "together or not at all" in (await client.get(half.headers["location"])).text
    app = {"client_id": bridge.issued["client_id"], "client_secret": bridge.issued["client_secret"]}
    wrong = await client.post(
        f"{base}/connection/service-account",
        data={"csrf_token": token, "fortnox_tenant_id": "999999", **app},
    )
    assert (
        "Fortnox refused the service account of tenant 999999"
        in (await client.get(wrong.headers["location"])).text
    )
    done = await client.post(
        f"{base}/connection/service-account",
        data={"csrf_token": token, "fortnox_tenant_id": str(bridge.company), **app},
    )
    assert done.status_code == 303
    shown = (await client.get(done.headers["location"])).text
    assert f"Connected as a service account of Fortnox tenant {bridge.company}." in shown
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(bridge.tenant)
        assert connection is not None
        assert (connection.state, connection.fortnox_tenant_id) == ("active", bridge.company)


async def test_the_checklist_lists_the_projects_fortnox_lacks_in_the_users_language(
    ui: tuple[httpx.AsyncClient, WebContext], bridge: Bridge, put: Put
) -> None:
    client, _ = ui
    await bridge.connect()
    put("employee", "e001", employee(1))
    put("project", "p1", {"number": "P1", "name": "Bygget"})
    entry = {"employee": "e001", "date": "2026-03-02", "hours": "8", "project": "p1"}
    put("time_entry", "t1", {**entry, "cost_center": "CC1"})
    base = f"/ui/tenants/{bridge.tenant}"
    token = csrf_of((await client.get(base)).text)
    assert (await client.post(f"{base}/check", data={"csrf_token": token})).status_code == 303
    line = re.compile(
        r'<li class="check check-fail" data-check="Fortnox registers of payroll lines">.*?</li>',
        re.S,
    )
    english = line.search((await client.get(base)).text)
    assert english is not None
    assert "Projects used on payroll lines but missing in Fortnox: P1; cost centres: CC1." in (
        english.group(0)
    )
    await client.post("/ui/language", data={"csrf_token": token, "language": "sv"})
    swedish = line.search((await client.get(base)).text)
    assert swedish is not None
    assert "<strong>Fortnox-register på lönerader</strong>" in swedish.group(0)
    assert "Projekt som används på lönerader men saknas i Fortnox: P1; kostnadsställen: CC1." in (
        swedish.group(0)
    )
    assert "skapa dem i Fortnox (Projekt, Kostnadsställen)" in swedish.group(0)
