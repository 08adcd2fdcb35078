"""Disconnecting ends the bridge's authorisation at Fortnox too, and a tenant is not connected to
a Fortnox company another tenant uses without an explicit yes — engine, API and admin UI, over
the in-process sandbox; the sandbox's consent page chooses no company in advance."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.errors import SharedCompanyError
from fortnox_bridge.engine.tenancy.clients import ConnectionClients
from fortnox_bridge.fortnox.errors import ReauthenticationRequired
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox import create_app as create_sandbox
from fortnox_bridge.sandbox.auth import KNOWN_SCOPES
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.root import build_services
from fortnox_bridge.services.users import create_admin
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.app import install_web
from fortnox_bridge.web.consent import ConsentApp, FortnoxConsent
from fortnox_bridge.web.context import WebContext, session_secret
from integration.bridge_api import api_app
from integration.web.support import ADMIN_EMAIL, ADMIN_PASSWORD, csrf_of

from .conftest import SANDBOX_URL, Bridge

CALLBACK = "https://host.example.se/fortnox/callback"


def _connection(sessions: sessionmaker[Session], tenant_id: int) -> Any:
    with sessions.begin() as session:
        return ConnectionRepository(session).for_tenant(tenant_id)


def _tenant(sessions: sessionmaker[Session], clock: ManualClock, name: str) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create(name, now=clock.now()).id


def _live_refresh_tokens(state: SandboxState, company: int) -> list[str]:
    return [token for token, grant in state.auth.refresh.items() if grant.tenant_id == company]


async def _refresh_at_sandbox(bridge: Bridge, transport: SandboxTransport, token: str) -> None:
    oauth = OAuthApp(
        bridge.issued["client_id"],
        bridge.issued["client_secret"],
        auth_url=SANDBOX_URL,
        transport=transport,
    )
    try:
        await oauth.refresh(token)
    finally:
        await oauth.aclose()


@pytest.fixture
def revoking(bridge: Bridge) -> Bridge:
    """The engine as ``serve`` wires it: disconnecting revokes through the tenants' clients."""
    clients = bridge.service.clients
    assert isinstance(clients, ConnectionClients)
    bridge.connections.revoker = clients
    return bridge


# -- disconnect revokes at Fortnox ------------------------------------------------------------


async def test_disconnect_revokes_the_refresh_token_at_fortnox_and_forgets_it(
    revoking: Bridge,
    sessions: sessionmaker[Session],
    sandbox_state: SandboxState,
    faulty_transport: SandboxTransport,
) -> None:
    await revoking.connect()
    old = revoking.issued["refresh_token"]
    assert _live_refresh_tokens(sandbox_state, revoking.company) == [old]

    done = await revoking.connections.disconnect(revoking.tenant, "by the test")
    assert (done.at_fortnox, done.problem) == ("revoked", None)
    assert done.transition is not None
    assert done.transition.to_state == "revoked"
    connection = _connection(sessions, revoking.tenant)
    assert (connection.state, connection.tokens_ciphertext) == ("revoked", None)
    assert _live_refresh_tokens(sandbox_state, revoking.company) == []
    with pytest.raises(ReauthenticationRequired, match="invalid_grant"):
        await _refresh_at_sandbox(revoking, faulty_transport, old)

    again = await revoking.connections.disconnect(revoking.tenant, "by the test, twice")
    assert (again.transition, again.at_fortnox) == (None, "none")


async def test_a_revocation_fortnox_does_not_confirm_is_reported_and_the_bridge_disconnects(
    revoking: Bridge,
    sessions: sessionmaker[Session],
    sandbox_state: SandboxState,
    control: SandboxControl,
    faulty_transport: SandboxTransport,
) -> None:
    await revoking.connect()
    old = revoking.issued["refresh_token"]
    await control.add_fault("5xx", status=503, count=1, path_prefix="/oauth-v1/revoke")

    failed = await revoking.connections.disconnect(revoking.tenant, "by the test")
    assert failed.at_fortnox == "failed"
    assert failed.problem is not None
    assert "503" in failed.problem
    connection = _connection(sessions, revoking.tenant)
    assert connection.state == "revoked"  # disconnected in the bridge all the same
    assert connection.tokens_ciphertext is not None  # kept, to try again
    assert _live_refresh_tokens(sandbox_state, revoking.company) == [old]
    with pytest.raises(Exception, match="connection is revoked"):  # nothing syncs any more
        await revoking.service.clients.source(revoking.tenant).get()

    retried = await revoking.connections.disconnect(revoking.tenant, "by the test, again")
    assert (retried.transition, retried.at_fortnox) == (None, "revoked")
    assert _live_refresh_tokens(sandbox_state, revoking.company) == []
    with pytest.raises(ReauthenticationRequired):
        await _refresh_at_sandbox(revoking, faulty_transport, old)


@dataclass
class Api:
    client: httpx.AsyncClient
    key: str


def _consent(sandbox_state: SandboxState, transport: SandboxTransport) -> FortnoxConsent:
    """Approvals from the sandbox, with an app registered for each redirect URI."""

    async def register(redirect_uri: str) -> ConsentApp:
        app = sandbox_state.auth.register_app((redirect_uri,), KNOWN_SCOPES)
        return ConsentApp(app.client_id, app.client_secret)

    return FortnoxConsent(
        browser_auth_url=SANDBOX_URL,
        token_url=SANDBOX_URL,
        transport=transport,
        register=register,
        sandbox=True,
    )


@pytest.fixture
async def api(
    revoking: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
    faulty_transport: SandboxTransport,
) -> AsyncIterator[httpx.AsyncClient]:
    hooks = EngineHooks(service=revoking.service, consent=_consent(sandbox_state, faulty_transport))
    app = api_app(sessions, clock=clock, hooks=hooks)
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app)
    ) as client:
        yield client


def _key(sessions: sessionmaker[Session], clock: ManualClock, tenant_id: int) -> dict[str, str]:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(tenant_id)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="rw", now=clock.now())
        return {"Authorization": f"Bearer {key}"}


def _approve(sandbox_state: SandboxState, consent_url: str, company: int | None) -> str:
    """Open the sandbox's consent page, choose ``company`` and approve: the redirect."""
    with TestClient(create_sandbox(sandbox_state), follow_redirects=False) as fortnox:
        parts = urlsplit(consent_url)
        page = fortnox.get(parts.path.removeprefix("/sandbox"), params=parse_qs(parts.query))
        assert page.status_code == 200, page.text
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
        chosen = {"tenant_id": str(company)} if company is not None else {}
        answer = fortnox.post("/oauth-v1/auth", data={**hidden, **chosen, "decision": "approve"})
        assert answer.status_code == 302, answer.text
        return str(answer.headers["location"])


async def _api_code(
    api: httpx.AsyncClient, key: dict[str, str], sandbox_state: SandboxState, company: int
) -> str:
    asked = await api.post(
        "/api/v1/connection/consent",
        json={"redirect_uri": CALLBACK, "state": "vendor-state-1"},
        headers=key,
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["redirect_uri"] == CALLBACK
    back = _approve(sandbox_state, asked.json()["url"], company)
    query = parse_qs(urlsplit(back).query)
    assert query["state"] == ["vendor-state-1"]
    return query["code"][0]


async def test_the_api_connects_with_a_code_and_disconnects_revoking_at_fortnox(
    api: httpx.AsyncClient,
    revoking: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    key = _key(sessions, clock, revoking.tenant)
    unused = set(_live_refresh_tokens(sandbox_state, revoking.company))  # the fixture's
    never = await api.post("/api/v1/connection/disconnect", headers=key)
    assert (never.status_code, never.json()["error"]) == (409, "not_connected")

    code = await _api_code(api, key, sandbox_state, revoking.company)
    connected = await api.post(
        "/api/v1/connection", json={"code": code, "redirect_uri": CALLBACK}, headers=key
    )
    assert connected.status_code == 200, connected.text
    assert (connected.json()["state"], connected.json()["fortnox_tenant_id"]) == (
        "active",
        revoking.company,
    )
    reused = await api.post(
        "/api/v1/connection", json={"code": code, "redirect_uri": CALLBACK}, headers=key
    )
    assert (reused.status_code, reused.json()["error"]) == (400, "approval_code_refused")
    (live,) = set(_live_refresh_tokens(sandbox_state, revoking.company)) - unused

    done = await api.post("/api/v1/connection/disconnect", headers=key)
    assert done.status_code == 200, done.text
    assert done.json() == {
        "state": "revoked",
        "at_fortnox": "revoked",
        "detail": "disconnected; Fortnox revoked the bridge's refresh token",
    }
    assert live not in sandbox_state.auth.refresh
    assert (await api.get("/api/v1/connection", headers=key)).json()["state"] == "revoked"
    again = await api.post("/api/v1/connection/disconnect", headers=key)
    assert again.json()["at_fortnox"] == "none"


async def test_the_api_refuses_a_second_tenant_on_the_same_company_until_confirmed(
    api: httpx.AsyncClient,
    revoking: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    first = _key(sessions, clock, revoking.tenant)
    unused = set(_live_refresh_tokens(sandbox_state, revoking.company))  # the fixture's
    code = await _api_code(api, first, sandbox_state, revoking.company)
    ok = await api.post(
        "/api/v1/connection", json={"code": code, "redirect_uri": CALLBACK}, headers=first
    )
    assert ok.status_code == 200, ok.text
    (kept,) = set(_live_refresh_tokens(sandbox_state, revoking.company)) - unused

    second_id = _tenant(sessions, clock, "Tvilling AB")
    second = _key(sessions, clock, second_id)
    code = await _api_code(api, second, sandbox_state, revoking.company)
    refused = await api.post(
        "/api/v1/connection", json={"code": code, "redirect_uri": CALLBACK}, headers=second
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "shared_fortnox_company"
    assert (
        f"Fortnox company {revoking.company} is already connected to another tenant"
        in (refused.json()["detail"])
    )
    assert "confirm_shared_company: true" in refused.json()["detail"]
    assert "Engine AB" not in refused.text  # never the other tenant's name
    assert (await api.get("/api/v1/connection", headers=second)).json()["state"] == "pending_auth"
    live = set(_live_refresh_tokens(sandbox_state, revoking.company))
    assert live == {kept} | unused  # the second approval was withdrawn

    code = await _api_code(api, second, sandbox_state, revoking.company)
    confirmed = await api.post(
        "/api/v1/connection",
        json={"code": code, "redirect_uri": CALLBACK, "confirm_shared_company": True},
        headers=second,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["fortnox_tenant_id"] == revoking.company
    # Another company needs no confirmation.
    third_id = _tenant(sessions, clock, "Egen AB")
    third = _key(sessions, clock, third_id)
    own = sandbox_state.add_company("Egen AB (sandbox)").tenant_id
    code = await _api_code(api, third, sandbox_state, own)
    alone = await api.post(
        "/api/v1/connection", json={"code": code, "redirect_uri": CALLBACK}, headers=third
    )
    assert alone.status_code == 200, alone.text


async def test_the_api_without_a_fortnox_app_or_engine_says_what_is_missing(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int
) -> None:
    app = api_app(sessions, clock=clock)
    key = _key(sessions, clock, tenant)
    async with httpx.AsyncClient(
        base_url="http://bridge.test", transport=httpx.ASGITransport(app=app)
    ) as bare:
        asked = await bare.post("/api/v1/connection/consent", json={"state": "s"}, headers=key)
        assert (asked.status_code, asked.json()["error"]) == (503, "no_fortnox_app")
        gone = await bare.post("/api/v1/connection/disconnect", headers=key)
        assert (gone.status_code, gone.json()["error"]) == (503, "no_engine")


async def test_connecting_a_second_tenant_directly_in_the_engine_needs_the_confirmation(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    await bridge.connect()
    other = _tenant(sessions, clock, "Annan AB")
    tokens = TokenSet("access", clock.now(), "refresh", "salary", bridge.company)
    with pytest.raises(SharedCompanyError):
        await bridge.connections.connect(other, tokens, client_id="c")
    assert _connection(sessions, other) is None  # nothing stored
    moved = await bridge.connections.connect(
        other, tokens, client_id="c", confirm_shared_company=True
    )
    assert moved is not None
    assert moved.to_state == "active"
    # A tenant whose connection is revoked no longer holds the company.
    await bridge.connections.transition(bridge.tenant, "revoked", "gone")
    await bridge.connections.transition(other, "revoked", "gone")
    third = _tenant(sessions, clock, "Tredje AB")
    assert await bridge.connections.connect(third, tokens, client_id="c") is not None


# -- the admin UI -------------------------------------------------------------------------------


@pytest.fixture
def ui(
    revoking: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
    faulty_transport: SandboxTransport,
) -> Iterator[TestClient]:
    """The admin UI beside the engine, signed in, connecting through the sandbox."""
    create_admin(sessions, clock, email=ADMIN_EMAIL, name="Anna Admin", password=ADMIN_PASSWORD)
    consent = _consent(sandbox_state, faulty_transport)
    consent.browser_auth_url = "/sandbox"
    context = WebContext(
        build_services(sessions, clock=clock, hooks=EngineHooks(service=revoking.service)),
        secret=session_secret("test key"),
        connections=revoking.connections,
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


def _ui_callback(ui: TestClient, sandbox_state: SandboxState, tenant_id: int, company: int) -> Any:
    overview = ui.get(f"/ui/tenants/{tenant_id}")
    started = ui.post(
        f"/ui/tenants/{tenant_id}/connection/connect", data={"csrf_token": csrf_of(overview.text)}
    )
    assert started.status_code == 303, started.text
    back = _approve(sandbox_state, started.headers["location"], company)
    return ui.get(back.removeprefix("http://bridge.test"))


def test_the_ui_asks_before_a_second_tenant_shares_a_fortnox_company(
    ui: TestClient,
    revoking: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    first = _ui_callback(ui, sandbox_state, revoking.tenant, revoking.company)
    assert first.status_code == 303  # connected without a question
    assert _connection(sessions, revoking.tenant).state == "active"
    kept = _live_refresh_tokens(sandbox_state, revoking.company)

    second = _tenant(sessions, clock, "Dubbel AB")
    asked = _ui_callback(ui, sandbox_state, second, revoking.company)
    assert asked.status_code == 409
    assert "This Fortnox company is already connected" in asked.text
    assert (
        f"The Fortnox company that was approved (Fortnox id {revoking.company}) is already "
        "connected to another tenant of this bridge. If Dubbel AB is connected to it too"
    ) in asked.text
    assert _connection(sessions, second).state == "pending_auth"  # nothing connected yet
    cancelled = ui.post(
        "/ui/connection/shared", data={"csrf_token": csrf_of(asked.text), "decision": "cancel"}
    )
    assert cancelled.status_code == 303
    page = ui.get(cancelled.headers["location"]).text
    assert "Not connected: the approval was withdrawn." in page
    assert _connection(sessions, second).state == "pending_auth"
    assert _live_refresh_tokens(sandbox_state, revoking.company) == kept  # withdrawn at Fortnox
    replayed = ui.post(
        "/ui/connection/shared", data={"csrf_token": csrf_of(asked.text), "decision": "connect"}
    )
    assert replayed.status_code == 400
    assert "This question has expired or was answered already." in replayed.text

    ui.post("/ui/language", data={"language": "sv", "back": "/", "csrf_token": csrf_of(page)})
    asked = _ui_callback(ui, sandbox_state, second, revoking.company)
    assert asked.status_code == 409
    assert "Det här Fortnox-företaget är redan anslutet" in asked.text
    assert "Anslut ändå" in asked.text
    connected = ui.post(
        "/ui/connection/shared", data={"csrf_token": csrf_of(asked.text), "decision": "connect"}
    )
    assert connected.status_code == 303
    connection = _connection(sessions, second)
    assert (connection.state, connection.fortnox_tenant_id) == ("active", revoking.company)


def test_the_ui_disconnect_revokes_at_fortnox_and_says_so(
    ui: TestClient,
    revoking: Bridge,
    sessions: sessionmaker[Session],
    sandbox_state: SandboxState,
) -> None:
    unused = set(_live_refresh_tokens(sandbox_state, revoking.company))  # the fixture's
    assert _ui_callback(ui, sandbox_state, revoking.tenant, revoking.company).status_code == 303
    (live,) = set(_live_refresh_tokens(sandbox_state, revoking.company)) - unused
    page = ui.get(f"/ui/tenants/{revoking.tenant}").text
    done = ui.post(
        f"/ui/tenants/{revoking.tenant}/connection/disconnect",
        data={"csrf_token": csrf_of(page)},
    )
    assert done.status_code == 303
    page = ui.get(done.headers["location"]).text
    assert "Disconnected from Fortnox." in page
    assert "Fortnox revoked the bridge&#39;s access." in page
    assert live not in sandbox_state.auth.refresh
    assert _connection(sessions, revoking.tenant).tokens_ciphertext is None


async def test_the_ui_reports_a_revocation_fortnox_did_not_confirm(
    ui: TestClient,
    revoking: Bridge,
    sessions: sessionmaker[Session],
    sandbox_state: SandboxState,
    control: SandboxControl,
) -> None:
    await revoking.connect()
    await control.add_fault("5xx", status=503, path_prefix="/oauth-v1/revoke")
    page = ui.get(f"/ui/tenants/{revoking.tenant}").text
    done = ui.post(
        f"/ui/tenants/{revoking.tenant}/connection/disconnect",
        data={"csrf_token": csrf_of(page)},
    )
    page = ui.get(done.headers["location"]).text
    assert "Disconnected in the bridge: nothing is synchronised" in page
    assert "Fortnox did not confirm that it revoked the bridge&#39;s access" in page
    assert _connection(sessions, revoking.tenant).state == "revoked"
    assert "connection/disconnect" in page  # the button stays, to try again


# -- the sandbox's consent page -----------------------------------------------------------------


def test_the_sandbox_consent_page_chooses_no_company_in_advance(
    sandbox_state: SandboxState,
) -> None:
    sandbox_state.add_company("Första AB (tenant 1)")
    sandbox_state.add_company("Andra AB")
    app = sandbox_state.auth.register_app((CALLBACK,), KNOWN_SCOPES)
    params = {"client_id": app.client_id, "response_type": "code", "state": "s", "scope": "salary"}
    with TestClient(create_sandbox(sandbox_state), follow_redirects=False) as fortnox:
        page = fortnox.get("/oauth-v1/auth", params=params).text
        radios = re.findall(r'<input type="radio"[^>]*>', page)
        assert len(radios) == 2
        assert all("checked" not in radio and "required" in radio for radio in radios)
        assert '<button name="decision" value="deny" formnovalidate>' in page
        unchosen = fortnox.post("/oauth-v1/auth", data={**params, "decision": "approve"})
        assert unchosen.status_code == 400
        assert "Välj ett företag." in unchosen.text
        denied = fortnox.post("/oauth-v1/auth", data={**params, "decision": "deny"})
        assert denied.status_code == 302
        assert "error=access_denied" in denied.headers["location"]
    assert sandbox_state.auth.codes == {}
