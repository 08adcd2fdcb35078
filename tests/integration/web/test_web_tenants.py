"""The tenants list, "Add tenant", the overview and connecting through the consent page, over
the real store (SQLite and PostgreSQL) and the in-process sandbox's consent page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.tenancy.connections import ConnectionService
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.auth import KNOWN_SCOPES
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.models import Tenant
from fortnox_bridge.store.problems import ProblemReport, ProblemRepository
from fortnox_bridge.store.runs import RunRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.web.consent import ConsentApp, FortnoxConsent, make_state
from fortnox_bridge.web.context import WebContext
from integration.web.support import csrf_of

SANDBOX = "http://sandbox.test"


def _tenant(sessions: sessionmaker[Session], clock: ManualClock, name: str) -> int:
    with sessions.begin() as session:
        return TenantRepository(session).create(name, now=clock.now()).id


def _tenant_names(sessions: sessionmaker[Session]) -> list[str]:
    with sessions.begin() as session:
        return [tenant.name for tenant in TenantRepository(session).all()]


def _error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{field}">([^<]*)</p>', html)
    assert found, f"no message next to {field}"
    return found.group(1)


@pytest.fixture
def consenting(
    web_context: WebContext,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
    faulty_transport: SandboxTransport,
) -> WebContext:
    """The UI with a connection service and the sandbox's consent page (an app registered for
    the callback on first use)."""
    cipher = TokenCipher(Fernet.generate_key().decode())
    web_context.connections = ConnectionService(sessions, clock, cipher, flows=discover_flows())

    async def register(redirect_uri: str) -> ConsentApp:
        app = sandbox_state.auth.register_app((redirect_uri,), KNOWN_SCOPES)
        return ConsentApp(app.client_id, app.client_secret)

    web_context.consent = FortnoxConsent(
        browser_auth_url="/sandbox",
        token_url=SANDBOX,
        transport=faulty_transport,
        register=register,
        sandbox=True,
    )
    return web_context


# -- the list and "Add tenant" -----------------------------------------------------------------


def test_add_tenant_rejects_bad_input_next_to_the_field_and_saves_nothing(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    _tenant(sessions, clock, "Taken AB")
    token = csrf_of(signed_in.get("/ui/tenants").text)
    cases = [
        ({"name": "  ", "recipients": ""}, "name", "Give the tenant a name."),
        ({"name": "x" * 201, "recipients": ""}, "name", "at most 200 characters"),
        ({"name": "Taken AB", "recipients": ""}, "name", "A tenant called Taken AB exists already."),  # noqa: E501
        ({"name": "New AB", "recipients": "lon@new.se, not-an-address"}, "recipients", "not a valid email"),  # noqa: E501
    ]  # fmt: skip
    for form, field, message in cases:
        answer = signed_in.post("/ui/tenants", data={**form, "csrf_token": token})
        assert answer.status_code == 400, form
        assert message in _error_of(answer.text, field), form
        assert f'value="{form["name"]}"' in answer.text or field == "name"
    assert _tenant_names(sessions) == ["Taken AB"]


def test_add_tenant_saves_the_name_and_recipients_and_opens_its_overview(
    signed_in: TestClient, sessions: sessionmaker[Session]
) -> None:
    token = csrf_of(signed_in.get("/ui/tenants").text)
    answer = signed_in.post(
        "/ui/tenants",
        data={
            "name": " Bygg AB ",
            "recipients": "lon@bygg.se; ekonomi@bygg.se",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 303
    with sessions.begin() as session:
        (tenant,) = TenantRepository(session).all()
        assert tenant.name == "Bygg AB"
        assert tenant.notify_emails == ["lon@bygg.se", "ekonomi@bygg.se"]
        assert answer.headers["location"] == f"/ui/tenants/{tenant.id}"
    page = signed_in.get(answer.headers["location"])
    assert "Tenant Bygg AB added. Connect it to Fortnox next." in page.text
    assert 'data-state="not_connected"' in page.text


def test_the_list_shows_each_tenant_s_light_state_last_sweep_and_open_problems(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    fresh = _tenant(sessions, clock, "Fresh AB")
    busy = _tenant(sessions, clock, "Busy AB")
    broken = _tenant(sessions, clock, "Broken AB")
    with sessions.begin() as session:
        connections = ConnectionRepository(session)
        for tenant_id, state in ((busy, "active"), (broken, "needs_reauth")):
            connections.create(tenant_id, f"key-{tenant_id}", now=clock.now()).state = state
        runs = RunRepository(session)
        run = runs.start(busy, "sweep", now=clock.now())
        runs.finish(
            run.id, "partial", now=clock.now(), counts={"created": 2, "failed": 1}, requests=3
        )
        report = ProblemReport("k1", "hr.employee.push", "employee", "e1", "e1", "refused")
        ProblemRepository(session).record(busy, report, now=clock.now())
    page = signed_in.get("/ui/tenants").text
    rows = {
        name: row
        for row in page.split("<tr")[1:]
        for name in re.findall(r'data-tenant="([^"]+)"', row)
    }
    assert 'class="light light-grey"' in rows["Fresh AB"]
    assert "Not connected" in rows["Fresh AB"]
    assert 'class="light light-amber"' in rows["Busy AB"]
    assert "Open problems or conflicts need a look" in rows["Busy AB"]
    assert f'href="/ui/tenants/{busy}/problems">1</a>' in rows["Busy AB"]
    assert clock.now().strftime("%Y-%m-%d %H:%M UTC") in rows["Busy AB"]
    assert 'class="light light-red"' in rows["Broken AB"]
    assert "Needs a new approval in Fortnox" in rows["Broken AB"]
    assert fresh
    assert broken


# -- connecting ---------------------------------------------------------------------------------


def _approve(sandbox_state: SandboxState, consent_url: str, company: int) -> str:
    """Open the sandbox's consent page and approve for ``company``: the callback address."""
    with TestClient(create_app(sandbox_state), follow_redirects=False) as fortnox:
        parts = urlsplit(consent_url)
        assert parts.path == "/sandbox/oauth-v1/auth"
        form_page = fortnox.get("/oauth-v1/auth", params=parse_qs(parts.query))
        assert form_page.status_code == 200, form_page.text
        hidden = dict(
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form_page.text)
        )
        answer = fortnox.post(
            "/oauth-v1/auth", data={**hidden, "tenant_id": str(company), "decision": "approve"}
        )
        assert answer.status_code == 302
        return str(answer.headers["location"])


def test_connect_goes_through_the_consent_page_and_the_callback_makes_the_connection_active(
    consenting: WebContext,
    signed_in: TestClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    tenant_id = _tenant(sessions, clock, "Consent AB")
    company = sandbox_state.add_company("Consent AB (sandbox)").tenant_id
    overview = signed_in.get(f"/ui/tenants/{tenant_id}")
    assert "Connect to Fortnox" in overview.text
    assert "Copy connection link" in overview.text
    started = signed_in.post(
        f"/ui/tenants/{tenant_id}/connection/connect", data={"csrf_token": csrf_of(overview.text)}
    )
    assert started.status_code == 303
    consent_url = started.headers["location"]
    assert consent_url.startswith("http://bridge.test/sandbox/oauth-v1/auth?")
    query = parse_qs(urlsplit(consent_url).query)
    assert query["redirect_uri"] == ["http://bridge.test/ui/connection/callback"]
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        assert connection is not None
        assert connection.state == "pending_auth"

    back = _approve(sandbox_state, consent_url, company)
    assert back.startswith("http://bridge.test/ui/connection/callback?code=")
    done = signed_in.get(back.removeprefix("http://bridge.test"))
    assert done.status_code == 303
    assert done.headers["location"] == f"/ui/tenants/{tenant_id}"
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        assert connection is not None
        assert connection.state == "active"
        assert connection.fortnox_tenant_id == company
        tenant = TenantRepository(session).get(tenant_id)
        assert tenant is not None
        assert tenant.fortnox_tenant_id == company
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert "Consent AB is connected to Fortnox." in page
    assert 'class="light light-green"' in page

    # The same answer again is refused: the state was for one use in this session.
    again = signed_in.get(back.removeprefix("http://bridge.test"))
    assert again.status_code == 400
    assert "does not belong to this browser session" in again.text


def test_the_callback_refuses_a_wrong_state_and_changes_nothing(
    consenting: WebContext,
    signed_in: TestClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    tenant_id = _tenant(sessions, clock, "State AB")
    other = _tenant(sessions, clock, "Other AB")
    forged, _ = make_state("not the bridge's key", tenant_id, "session")
    foreign_session, _ = make_state(consenting.secret, tenant_id, "session")
    for_other, _ = make_state(consenting.secret, other, "link")
    cases = [
        ("/ui/connection/callback?code=abc", "carries no state"),
        (f"/ui/connection/callback?code=abc&state={forged}", "not started by this bridge"),
        (f"/ui/connection/callback?code=abc&state={foreign_session}", "does not belong to this browser session"),  # noqa: E501
        (f"/ui/tenants/{tenant_id}/connection/callback?code=abc&state={for_other}", "is for another tenant"),  # noqa: E501
    ]  # fmt: skip
    for path, reason in cases:
        answer = signed_in.get(path)
        assert answer.status_code == 400, path
        assert reason in answer.text, path
        assert "Nothing was changed." in answer.text
    clock.advance(31 * 60)
    expired = signed_in.get(f"/ui/connection/callback?code=abc&state={for_other}")
    assert expired.status_code == 400
    with sessions.begin() as session:
        assert ConnectionRepository(session).for_tenant(tenant_id) is None
        assert ConnectionRepository(session).for_tenant(other) is None


def test_a_declined_consent_shows_fortnox_s_error_in_words(
    consenting: WebContext,
    signed_in: TestClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    tenant_id = _tenant(sessions, clock, "Declines AB")
    overview = signed_in.get(f"/ui/tenants/{tenant_id}")
    started = signed_in.post(
        f"/ui/tenants/{tenant_id}/connection/connect", data={"csrf_token": csrf_of(overview.text)}
    )
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    answer = signed_in.get(
        "/ui/connection/callback", params={"error": "access_denied", "state": state}
    )
    assert answer.status_code == 303
    page = signed_in.get(answer.headers["location"]).text
    assert "Not connected. The Fortnox administrator declined the connection." in page
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        assert connection is not None
        assert connection.state == "pending_auth"


def test_a_connection_link_starts_the_consent_without_an_account(
    consenting: WebContext,
    browser: TestClient,
    signed_in: TestClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    tenant_id = _tenant(sessions, clock, "Link AB")
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    link = re.search(r'data-copy="([^"]+)"', page)
    assert link
    assert link.group(1).startswith("http://bridge.test/ui/connect/")
    signed_in.post("/ui/logout", data={"csrf_token": csrf_of(page)})
    answer = browser.get(link.group(1).removeprefix("http://bridge.test"))
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("http://bridge.test/sandbox/oauth-v1/auth?")
    tampered = browser.get(link.group(1).removeprefix("http://bridge.test")[:-3] + "xyz")
    assert tampered.status_code == 400
    assert "this connection link is not valid" in tampered.text


def test_disconnect_revokes_the_connection(
    consenting: WebContext,
    signed_in: TestClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    tenant_id = _tenant(sessions, clock, "Leaves AB")
    with sessions.begin() as session:
        ConnectionRepository(session).create(tenant_id, "k", now=clock.now()).state = "active"
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert "Disconnect Leaves AB from Fortnox?" in page
    answer = signed_in.post(
        f"/ui/tenants/{tenant_id}/connection/disconnect", data={"csrf_token": csrf_of(page)}
    )
    assert answer.status_code == 303
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        assert connection is not None
        assert connection.state == "revoked"
    assert "Reconnect" in signed_in.get(f"/ui/tenants/{tenant_id}").text


def test_every_form_of_the_tenant_pages_refuses_a_post_without_the_csrf_token(
    consenting: WebContext,
    signed_in: TestClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    tenant_id = _tenant(sessions, clock, "Csrf AB")
    with sessions.begin() as session:
        ConnectionRepository(session).create(tenant_id, "k", now=clock.now()).state = "active"
    paths = [
        "/ui/tenants",
        f"/ui/tenants/{tenant_id}/sync",
        f"/ui/tenants/{tenant_id}/preview",
        f"/ui/tenants/{tenant_id}/check",
        f"/ui/tenants/{tenant_id}/connection/connect",
        f"/ui/tenants/{tenant_id}/connection/disconnect",
    ]
    for path in paths:
        for token in (None, "wrong"):
            data = {"name": "Sneaky AB"} | ({"csrf_token": token} if token else {})
            answer = signed_in.post(path, data=data)
            assert answer.status_code == 403, path
            assert "Nothing was changed" in answer.text
    assert _tenant_names(sessions) == ["Csrf AB"]
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        assert connection is not None
        assert connection.state == "active"


def test_without_the_engine_sync_and_preview_say_how_to_start_it(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant_id = _tenant(sessions, clock, "Quiet AB")
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert "fortnox-bridge connect --tenant Quiet AB" in page
    answer = signed_in.post(f"/ui/tenants/{tenant_id}/sync", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 303
    assert (
        "start the bridge with &#39;fortnox-bridge serve&#39;"
        in signed_in.get(answer.headers["location"]).text
    )
    assert signed_in.get("/ui/tenants/99999").status_code == 404


def test_a_proposed_re_sync_after_a_reconnect_shows_a_banner_to_maintenance(
    signed_in: TestClient, sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    tenant_id = _tenant(sessions, clock, "Back Again AB")
    with sessions.begin() as session:
        connection = ConnectionRepository(session).create(tenant_id, "k", now=clock.now())
        connection.state = "active"
        connection.disconnected_at = clock.now()
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert "Review the re-sync" not in page
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        assert connection is not None
        day = clock.now().date().isoformat()
        connection.resync_proposals = [
            {"flow": "payroll", "flows": ["payroll.attendance.push"], "from": day, "to": day,
             "reason": "disconnected"},
        ]  # fmt: skip
    page = signed_in.get(f"/ui/tenants/{tenant_id}").text
    assert f'<a href="/ui/tenants/{tenant_id}/maintenance">Review the re-sync</a>' in page
    assert f"The connection was broken from {day}." in page


def test_the_consent_link_asks_only_for_the_scopes_of_the_flows_the_tenant_runs(
    consenting: WebContext,
    signed_in: TestClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    # Fortnox refuses the whole approval when the company lacks the licence of one asked-for
    # scope, so a payroll customer must not be asked for supplier invoices.
    tenant_id = _tenant(sessions, clock, "Lön AB")

    def asked_scopes() -> set[str]:
        overview = signed_in.get(f"/ui/tenants/{tenant_id}")
        started = signed_in.post(
            f"/ui/tenants/{tenant_id}/connection/connect",
            data={"csrf_token": csrf_of(overview.text)},
        )
        assert started.status_code == 303
        return set(parse_qs(urlsplit(started.headers["location"]).query)["scope"][0].split())

    first = asked_scopes()
    assert {"salary", "companyinformation"} <= first
    assert not {"supplier", "supplierinvoice"} & first
    with sessions.begin() as session:  # a flow of a family the tenant does not use: no scope
        FlowConfigRepository(session).put(
            tenant_id, "projects.supplier_invoice.push", enabled=True, settings={}, now=clock.now()
        )
    assert asked_scopes() == first
    with sessions.begin() as session:  # the family chosen: its base flows' and that flow's
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        tenant.families = ["hr", "payroll", "projects"]
    # (archive and connectfile: the voucher import fetches supplier-invoice vouchers' images)
    added = {"project", "customer", "costcenter", "supplier", "supplierinvoice"}
    added |= {"archive", "connectfile"}
    assert asked_scopes() - first == added - first


def test_the_consent_link_of_a_ledger_tenant_asks_for_what_the_ledger_reads(
    consenting: WebContext,
    signed_in: TestClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    # The ledger family has no flows of its own: its package declares what it reads.
    tenant_id = _tenant(sessions, clock, "Huvudbok AB")
    with sessions.begin() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        tenant.families = ["ledger"]
    overview = signed_in.get(f"/ui/tenants/{tenant_id}")
    started = signed_in.post(
        f"/ui/tenants/{tenant_id}/connection/connect", data={"csrf_token": csrf_of(overview.text)}
    )
    assert started.status_code == 303
    asked = parse_qs(urlsplit(started.headers["location"]).query)["scope"][0].split()
    # bookkeeping: financial years, vouchers, SIE; connectfile and archive: the voucher files;
    # companyinformation and settings: always, and the pre-flight check; no invoice scope (the
    # customer invoices come as files connected to their vouchers).
    assert sorted(asked) == [
        "archive",
        "bookkeeping",
        "companyinformation",
        "connectfile",
        "settings",
    ]
