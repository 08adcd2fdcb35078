"""The overview's "Preview (dry run)" with the engine beside the UI, against the sandbox: every
action's count is a number, records that stay as they are included."""

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
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of


@pytest.fixture
async def client(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-in client of the UI with the engine (service) beside it."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    hooks = EngineHooks(service=bridge.service)
    context = WebContext(
        build_services(sessions, clock=clock, hooks=hooks), secret=session_secret("k")
    )
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
    client: httpx.AsyncClient, bridge: Bridge, put: Put
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
    assert answer.status_code == 200, answer.text
    assert "built-in method" not in answer.text
    counts = _counts(answer.text, "hr.employee.push")
    assert counts == {"create": "1", "update": "1", "delete": "0", "skip": "0", "unchanged": "2"}
