"""The overview's "Preview (dry run)" and "Sync now" with the engine beside the UI, against the
sandbox: both answer at once and run in the background; the preview's counts are numbers,
records that stay as they are included; a second click while one runs starts no second job."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.context import WebContext, session_secret
from integration.bridge_api import api_app
from integration.conftest import Bridge, Put, employee
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, another_writer, csrf_of


@pytest.fixture
def context(bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock) -> WebContext:
    """The UI's context with the engine (service) beside it."""
    hooks = EngineHooks(service=bridge.service)
    return WebContext(
        build_services(sessions, clock=clock, hooks=hooks), secret=session_secret("k")
    )


@pytest.fixture
async def client(
    context: WebContext, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-in client of the UI with the engine (service) beside it."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    hooks = context.hooks
    app = api_app(sessions, clock=clock, hooks=hooks)
    install_web(app, context)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(base_url="http://bridge.test", transport=transport) as ui:
        login = await ui.get("/ui/login")
        signed = await ui.post(
            "/ui/login",
            data={
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
                "next": "/",
                "csrf_token": csrf_of(login.text),
            },
        )
        assert signed.status_code == 303
        yield ui


def _counts(html: str, flow: str) -> dict[str, str]:
    row = html.split(f'<tr data-flow="{flow}">', 1)[1].split("</tr>", 1)[0]
    return dict(re.findall(r'<td data-action="(\w+)">([^<]*)</td>', row))


async def test_the_preview_counts_updates_and_unchanged_records(
    client: httpx.AsyncClient, bridge: Bridge, put: Put, context: WebContext
) -> None:
    await bridge.connect()
    for number in (1, 2, 3):
        put("employee", f"e00{number}", employee(number))
    first = await bridge.service.sweep(bridge.tenant)
    assert first.total("created") == 3
    put("employee", "e001", employee(1, family_name="Lind"))
    put("employee", "e004", employee(4))
    overview = await client.get(f"/ui/tenants/{bridge.tenant}")
    answer = await client.post(
        f"/ui/tenants/{bridge.tenant}/preview", data={"csrf_token": csrf_of(overview.text)}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/ui/tenants/{bridge.tenant}#preview"
    await context.jobs.join()
    page = (await client.get(f"/ui/tenants/{bridge.tenant}")).text
    assert "built-in method" not in page
    assert "data-done" in page.split('id="preview-job"', 1)[1].split(">", 1)[0]
    assert "Employees to Fortnox" in page  # the flow's title, not its id
    counts = _counts(page, "hr.employee.push")
    assert counts == {"create": "1", "update": "1", "delete": "0", "skip": "0", "unchanged": "2"}
    # The card alone (what the page polls) shows the same table; nothing was written.
    card = (await client.get(f"/ui/tenants/{bridge.tenant}/preview/job")).text
    assert _counts(card, "hr.employee.push") == counts


async def test_sync_now_runs_in_the_background_once_and_ends_with_its_counts(
    client: httpx.AsyncClient, bridge: Bridge, put: Put, context: WebContext
) -> None:
    await bridge.connect()
    for number in (1, 2, 3):
        put("employee", f"e00{number}", employee(number))
    overview = await client.get(f"/ui/tenants/{bridge.tenant}")
    token = {"csrf_token": csrf_of(overview.text)}
    # Another job writes to the tenant: the sync answers at once and waits for it in the
    # background.
    async with another_writer(bridge.service, bridge.tenant):
        started = await client.post(f"/ui/tenants/{bridge.tenant}/sync", data=token)
        assert started.status_code == 303
        assert started.headers["location"] == f"/ui/tenants/{bridge.tenant}#sync"
        card = (await client.get(f"/ui/tenants/{bridge.tenant}/sync/job")).text
        assert 'data-state="running"' in card
        assert "data-done" not in card
        assert "Getting ready" in card
        again = await client.post(f"/ui/tenants/{bridge.tenant}/sync", data=token)
        assert again.status_code == 303
        page = (await client.get(again.headers["location"])).text
        assert "A sync of this tenant is already running" in page
        assert context.jobs.running(f"ui-sync:{bridge.tenant}")
    await context.jobs.join()
    card = (await client.get(f"/ui/tenants/{bridge.tenant}/sync/job")).text
    assert 'data-state="done"' in card
    assert "data-done" in card
    assert re.search(r"Sync succeeded \(run \d+\): created 3\.", card), card
    runs = context.services.runs.latest(bridge.tenant)
    assert [(r.kind, r.status, r.counts["created"]) for r in runs] == [("sweep", "succeeded", 3)]
    assert f"/runs/{runs[0].id}" in card
    # In Swedish the counts are Swedish too.
    await client.post("/ui/language", data={"language": "sv", **token})
    swedish = (await client.get(f"/ui/tenants/{bridge.tenant}/sync/job")).text
    assert re.search(r"\(körning \d+\): skapade 3\.", swedish), swedish
