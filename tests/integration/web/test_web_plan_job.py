""" "Make a plan" on the conflicts page as a background job (SQLite and PostgreSQL): the warning
before the button, the progress card while it runs, one job at a time, and the plan's pages and
filters with their counts."""

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
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.context import WebContext, session_secret
from fortnox_bridge.web.pages._ui_jobs import UiJob, job_name
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
    context = WebContext(
        build_services(sessions, clock=clock, hooks=hooks), secret=session_secret("k")
    )
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


def _filters(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'data-filter="(\w+)"[^>]*>[^<]*<span class="badge" data-count>(\d+)', html)
    )


def _range(html: str) -> str:
    return re.sub(r"\s+", " ", html.split('id="plan-range">', 1)[1].split("</p>", 1)[0])


async def test_a_plan_is_made_in_the_background_and_shown_by_pages_and_filters(
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
    for number in range(1, 121):
        put("employee", f"h{number:03d}", employee(number))
    await engine_client.employees.create(
        {"employee_id": "201", "first_name": "Förnamn1", "last_name": "Svensson",
         "email": "person1@example.se", "phone1": "070-999"}
    )  # fmt: skip
    await engine_client.employees.create(
        {"employee_id": "202", "first_name": "Olle", "last_name": "Berg",
         "email": "olle@example.se"}
    )  # fmt: skip
    base = f"/ui/tenants/{bridge.tenant}/conflicts"
    page = (await client.get(base)).text
    # The warning stands before the button.
    warning = page.index("new employees of this tenant wait")
    assert warning < page.index(">Make a plan</button>")
    token = {"csrf_token": csrf_of(page)}

    # While a plan is being made, a second click starts no second job.
    hold = asyncio.Event()

    async def busy() -> None:
        await hold.wait()

    context.jobs.start(job_name("plan", bridge.tenant), busy())
    context.ui_jobs[(bridge.tenant, "plan")] = UiJob(
        "plan", clock.now(), step="details", extra={"done": 3, "total": 10}
    )
    again = await client.post(f"{base}/first-sync/plan", data=token)
    assert again.status_code == 303
    shown = (await client.get(again.headers["location"])).text
    assert "A plan is already being made" in shown
    assert ">Make a plan</button>" not in shown
    card = (await client.get(f"{base}/first-sync/plan/job")).text
    assert 'data-state="running"' in card
    assert "data-done" not in card
    assert 'aria-current="step"' in card.split('data-step="details"', 1)[1].split("</li>", 1)[0]
    assert "3 of 10" in card
    assert 'data-percent="30"' in card
    hold.set()
    await context.jobs.join()
    del context.ui_jobs[(bridge.tenant, "plan")]

    made = await client.post(f"{base}/first-sync/plan", data=token)
    assert made.status_code == 303
    assert made.headers["location"] == f"{base}#first-sync"
    await context.jobs.join()
    card = (await client.get(f"{base}/first-sync/plan/job")).text
    assert "data-done" in card
    assert "Plan made: 1 pairs, 119 only in the host, 1 only in Fortnox." in card
    page = (await client.get(base)).text
    assert "Plan made: 1 pairs, 119 only in the host, 1 only in Fortnox." in page
    assert "Plan made" not in (await client.get(base)).text  # said once
    assert _filters(page) == {
        "all": "121",
        "conflicts": "1",
        "host_only": "119",
        "fortnox_only": "1",
        "duplicates": "0",
    }
    assert _range(page) == "Items 1–50 of 121 · page 1 of 3"
    assert page.count('<li id="item-') == 50
    last = (await client.get(f"{base}?page=3")).text
    assert _range(last) == "Items 101–121 of 121 · page 3 of 3"
    assert last.count('<li id="item-') == 21
    assert 'rel="next"' not in last
    assert f'href="{base}?page=2#first-sync" rel="prev"' in last
    only = (await client.get(f"{base}?show=conflicts")).text
    assert only.count('<li id="item-') == 1
    assert "070-999" in only
    fortnox = (await client.get(f"{base}?show=fortnox_only")).text
    assert "Olle Berg" in fortnox
    assert fortnox.count('<li id="item-') == 1
    assert (await client.get(f"{base}?show=nonsense&page=x")).status_code == 200

    # Deciding an item keeps the filter and page.
    second = (await client.get(f"{base}?show=host_only&page=2")).text
    item = re.findall(r'<li id="item-(\d+)"', second)[0]
    decided = await client.post(
        f"{base}/first-sync/items/{item}",
        data={**token, "choice": "leave_out", "show": "host_only", "page": "2"},
    )
    assert decided.status_code == 303
    assert decided.headers["location"] == f"{base}?show=host_only&page=2#item-{item}"
    after = (await client.get(f"{base}?show=host_only&page=2")).text
    assert "121 undecided" in page
    assert "120 undecided" in after
    decided_item = after.split(f'<li id="item-{item}"', 1)[1].split("</li>", 1)[0]
    assert 'value="leave_out" aria-pressed="true"' in decided_item


async def test_making_a_plan_tells_its_steps_in_order(
    ui: tuple[httpx.AsyncClient, WebContext],
    bridge: Bridge,
    put: Put,
    engine_client: FortnoxClient,
) -> None:
    _, context = ui
    await bridge.connect()
    for number in (1, 2, 3):
        put("employee", f"h{number:03d}", employee(number))
    await engine_client.employees.create(
        {
            "employee_id": "201",
            "first_name": "Eva",
            "last_name": "Ek",
            "email": "person1@example.se",
        }
    )
    await engine_client.employees.create(
        {"employee_id": "202", "first_name": "Olle", "last_name": "Berg"}
    )
    heard: list[tuple[str, int, int]] = []
    source = bridge.service.clients.source(bridge.tenant)
    try:
        plan = await context.services.first_sync.make_plan(
            bridge.tenant, source, lambda *step: heard.append(step)
        )
    finally:
        await source.aclose()
    assert plan.counts["pairs"] == 1
    assert heard == [
        ("host", 0, 0),
        ("fortnox", 0, 0),
        ("fortnox", 1, 0),
        ("fortnox", 2, 0),
        ("details", 0, 2),
        ("details", 1, 2),
        ("details", 2, 2),
        ("matching", 0, 0),
    ]
