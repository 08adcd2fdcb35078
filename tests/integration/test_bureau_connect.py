"""An accounting bureau's user connects one of its client companies through the bridge's
connection link: the sandbox's consent page lets the user choose among its companies, and the
tenant then reads the chosen company's data, not the first one's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox import create_app as create_sandbox
from fortnox_bridge.sandbox.auth import KNOWN_SCOPES
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.consent import ConsentApp, FortnoxConsent
from fortnox_bridge.web.context import WebContext, session_secret
from integration.bridge_api import api_app
from integration.conftest import SANDBOX_URL, Bridge
from integration.families import use_family
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of

HIDDEN = r'<input type="hidden" name="(\w+)" value="([^"]*)">'


@pytest.fixture
def ui(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
    faulty_transport: SandboxTransport,
) -> Iterator[TestClient]:
    """The admin UI beside the engine, signed in, connecting through the sandbox's page."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)

    async def register(redirect_uri: str) -> ConsentApp:
        app = sandbox_state.auth.register_app((redirect_uri,), KNOWN_SCOPES)
        return ConsentApp(app.client_id, app.client_secret)

    consent = FortnoxConsent(
        browser_auth_url="/sandbox",
        token_url=SANDBOX_URL,
        transport=faulty_transport,
        register=register,
        sandbox=True,
    )
    context = WebContext(
        build_services(sessions, clock=clock, hooks=EngineHooks(service=bridge.service)),
        secret=session_secret("test key"),
        connections=bridge.connections,
        consent=consent,
    )
    app = api_app(sessions, clock=clock)
    install_web(app, context)
    with TestClient(app, base_url="http://bridge.test", follow_redirects=False) as browser:
        page = browser.get("/ui/login")
        signed = browser.post(
            "/ui/login",
            data={
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
                "next": "/",
                "csrf_token": csrf_of(page.text),
            },
        )
        assert signed.status_code == 303
        yield browser


async def test_a_bureau_user_connects_its_second_company_and_the_tenant_reads_that_one(
    ui: TestClient,
    bridge: Bridge,
    control: SandboxControl,
    sandbox_state: SandboxState,
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        use_family(session, bridge.tenant, "ledger")
    made = await control.create_user(
        "Anna Byråsson",
        [
            {"name": "Klient Ett AB", "seed": "demo"},
            {"name": "Klient Två AB", "seed": "demo"},
            {"name": "Klient Tre AB"},
        ],
    )
    first, second, third = (c["tenant_id"] for c in made["companies"])

    # The connection link, as the bridge's admin hands it to the bureau.
    overview = ui.get(f"/ui/tenants/{bridge.tenant}").text
    link = re.search(r'data-copy="([^"]+)"', overview)
    assert link is not None
    started = ui.get(link.group(1).removeprefix("http://bridge.test"))
    assert started.status_code == 303
    consent = urlsplit(started.headers["location"])
    assert consent.path == "/sandbox/oauth-v1/auth"
    asked = set(parse_qs(consent.query)["scope"][0].split())
    assert {"bookkeeping", "connectfile", "archive"} <= asked  # the ledger family's

    with TestClient(create_sandbox(sandbox_state), follow_redirects=False) as fortnox:
        params = {k: v[0] for k, v in parse_qs(consent.query).items()}
        anonymous = fortnox.get("/oauth-v1/auth", params=params)
        assert '<select name="user">' in anonymous.text  # "Logga in" as a user
        signed_in = fortnox.get("/oauth-v1/auth", params={**params, "user": made["user_id"]})
        assert signed_in.status_code == 200
        offered = re.findall(r'name="tenant_id" value="(\d+)" required', signed_in.text)
        assert offered == [str(first), str(second), str(third)]
        hidden = dict(re.findall(HIDDEN, signed_in.text[signed_in.text.index('method="post"') :]))
        approved = fortnox.post(
            "/oauth-v1/auth", data={**hidden, "tenant_id": str(second), "decision": "approve"}
        )
        assert approved.status_code == 302
    back = ui.get(approved.headers["location"].removeprefix("http://bridge.test"))
    assert back.status_code == 200, back.text
    assert "is connected to Fortnox" in back.text

    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(bridge.tenant)
        assert connection is not None
        assert (connection.state, connection.fortnox_tenant_id) == ("active", second)
        assert "bookkeeping" in connection.scopes.split()
    before = (await control.stats(first))["requests_total"]
    client = await bridge.service.clients.source(bridge.tenant).get()
    info = await client.company_information.get()
    assert info.company_name == "Klient Två AB"
    years = [year async for year in client.financial_years.iterate()]
    assert years  # the second company's (seeded) financial years
    assert (await control.stats(first))["requests_total"] == before  # the first is not read
    assert (await control.stats(second))["requests_total"] > 0
