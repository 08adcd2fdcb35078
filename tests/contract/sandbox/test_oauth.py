"""The OAuth server: consent page, authorization code, refresh rotation, client credentials,
revoke, and the recorded error bodies."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.sandbox.auth import decode_jwt_claims
from fortnox_bridge.sandbox.control_client import SandboxControl

REDIRECT = "https://app.example/callback"


def basic(client_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def token_call(
    http: httpx.AsyncClient, app: dict[str, str], headers: dict[str, str] | None = None, **form: str
) -> httpx.Response:
    return await http.post(
        "/oauth-v1/token",
        data=form,
        headers={**basic(app["client_id"], app["client_secret"]), **(headers or {})},
    )


async def consent(
    http: httpx.AsyncClient, app: dict[str, str], tenant: int, **extra: str
) -> dict[str, list[str]]:
    """Approve on the consent page; the query of the redirect."""
    form = {
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "state": "xyz",
        "scope": "salary customer",
        "tenant_id": str(tenant),
        "decision": "approve",
        **extra,
    }
    response = await http.post("/oauth-v1/auth", data=form)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlparse(location).query)


@pytest.fixture
async def app(control: SandboxControl) -> dict[str, str]:
    created = await control.create_app([REDIRECT], ["salary", "customer", "invoice"])
    assert set(created) == {"client_id", "client_secret", "redirect_uris", "scopes"}
    assert created["redirect_uris"] == [REDIRECT]
    assert created["scopes"] == ["customer", "invoice", "salary"]
    return created


async def test_control_tokens_refresh_at_the_token_endpoint_with_single_use_rotation(
    http: httpx.AsyncClient, control: SandboxControl, tenant: int
) -> None:
    issued = await control.issue_tokens(tenant, ["salary"])
    first = await token_call(
        http, issued, grant_type="refresh_token", refresh_token=issued["refresh_token"]
    )
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert (body["expires_in"], body["token_type"], body["scope"]) == (3600, "bearer", "salary")
    assert body["refresh_token"] != issued["refresh_token"]
    assert first.headers["cache-control"] == "no-store"
    reused = await token_call(
        http, issued, grant_type="refresh_token", refresh_token=issued["refresh_token"]
    )
    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}
    assert reused.headers["content-type"].startswith("text/html")
    answer = await http.get(
        "/3/employees", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert answer.status_code == 200
    chained = await token_call(
        http, issued, grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    assert chained.status_code == 200


async def test_refresh_token_lives_45_days_on_the_sandbox_clock(
    http: httpx.AsyncClient, control: SandboxControl, tenant: int, clock: ManualClock
) -> None:
    early = await control.issue_tokens(tenant, ["salary"])
    late = await control.issue_tokens(tenant, ["salary"])
    clock.advance(45 * 86400 - 1)
    ok = await token_call(
        http, early, grant_type="refresh_token", refresh_token=early["refresh_token"]
    )
    assert ok.status_code == 200
    clock.advance(1)
    dead = await token_call(
        http, late, grant_type="refresh_token", refresh_token=late["refresh_token"]
    )
    assert dead.status_code == 400
    assert dead.json()["error"] == "invalid_grant"


async def test_access_token_is_a_jwt_with_the_tenant_and_lives_one_hour(
    http: httpx.AsyncClient, control: SandboxControl, tenant: int, clock: ManualClock
) -> None:
    issued = await control.issue_tokens(tenant, ["salary", "customer"])
    claims = decode_jwt_claims(issued["access_token"])
    assert claims["tenantId"] == tenant
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["scope"] == "customer salary"
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    clock.advance(3599)
    assert (await http.get("/3/employees", headers=headers)).status_code == 200
    clock.advance(1)
    expired = await http.get("/3/employees", headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"message": "unauthorized"}


@pytest.mark.parametrize(
    "headers",
    [
        basic("sandbox-app", "wrong"),
        basic("nobody", "x"),
        {"Authorization": "Basic !!!"},
        {},
    ],
)
async def test_bad_client_credentials_are_invalid_client_401_text_plain(
    http: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await http.post(
        "/oauth-v1/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers=headers,
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "The client credentials are invalid",
    }
    assert response.headers["content-type"].startswith("text/plain")


async def test_consent_page_lists_companies_and_approval_yields_a_single_use_code(
    http: httpx.AsyncClient, app: dict[str, str], tenant: int
) -> None:
    page = await http.get(
        "/oauth-v1/auth",
        params={
            "client_id": app["client_id"],
            "response_type": "code",
            "state": "xyz",
            "scope": "salary customer",
            "redirect_uri": REDIRECT,
            "access_type": "offline",
        },
    )
    assert page.status_code == 200
    assert "Testbolaget AB" in page.text
    assert f'value="{tenant}"' in page.text
    query = await consent(http, app, tenant)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    exchanged = await token_call(
        http, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert exchanged.status_code == 200
    tokens = exchanged.json()
    assert tokens["scope"] == "customer salary"
    assert decode_jwt_claims(tokens["access_token"])["tenantId"] == tenant
    again = await token_call(
        http, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_code_expires_after_ten_minutes_and_is_bound_to_client_and_redirect(
    http: httpx.AsyncClient, app: dict[str, str], control: SandboxControl, tenant: int,
    clock: ManualClock,
) -> None:  # fmt: skip
    other = await control.create_app([REDIRECT])
    stolen = (await consent(http, app, tenant))["code"][0]
    wrong_client = await token_call(
        http, other, grant_type="authorization_code", code=stolen, redirect_uri=REDIRECT
    )
    assert wrong_client.status_code == 400
    mismatched = (await consent(http, app, tenant))["code"][0]
    wrong_uri = await token_call(
        http,
        app,
        grant_type="authorization_code",
        code=mismatched,
        redirect_uri="https://evil.example/cb",
    )
    assert wrong_uri.status_code == 400
    late = (await consent(http, app, tenant))["code"][0]
    clock.advance(600)
    expired = await token_call(
        http, app, grant_type="authorization_code", code=late, redirect_uri=REDIRECT
    )
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"


async def test_consent_errors_redirect_or_refuse(
    http: httpx.AsyncClient, app: dict[str, str], tenant: int
) -> None:
    denied = await http.post(
        "/oauth-v1/auth",
        data={"client_id": app["client_id"], "redirect_uri": REDIRECT, "state": "s",
              "scope": "salary", "tenant_id": str(tenant), "decision": "deny"},
    )  # fmt: skip
    assert denied.status_code == 302
    assert parse_qs(urlparse(denied.headers["location"]).query) == {
        "error": ["access_denied"],
        "state": ["s"],
    }
    params = {"client_id": app["client_id"], "response_type": "code", "state": "s"}
    bad_scope = await http.get("/oauth-v1/auth", params={**params, "scope": "bookkeeping"})
    assert bad_scope.status_code == 302
    assert "error=invalid_scope" in bad_scope.headers["location"]
    unknown = await http.get(
        "/oauth-v1/auth", params={**params, "client_id": "nope", "scope": "salary"}
    )
    assert unknown.status_code == 400
    assert "Auth code or ClientID supplied is invalid" in unknown.text
    foreign = await http.get(
        "/oauth-v1/auth", params={**params, "scope": "salary", "redirect_uri": "https://x.example"}
    )
    assert foreign.status_code == 400


async def test_client_credentials_need_a_service_consent_and_the_tenant_header(
    http: httpx.AsyncClient, app: dict[str, str], tenant: int
) -> None:
    refused = await token_call(
        http, app, {"TenantId": str(tenant)}, grant_type="client_credentials"
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    await consent(http, app, tenant, account_type="service")
    missing = await token_call(http, app, grant_type="client_credentials")
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    granted = await token_call(
        http, app, {"TenantId": str(tenant)}, grant_type="client_credentials"
    )
    assert granted.status_code == 200
    body = granted.json()
    assert "refresh_token" not in body
    assert body["scope"] == "customer salary"
    answer = await http.get(
        "/3/employees", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert answer.status_code == 200
    narrower = await token_call(
        http, app, {"TenantId": str(tenant)}, grant_type="client_credentials", scope="salary"
    )
    assert narrower.json()["scope"] == "salary"
    wider = await token_call(
        http, app, {"TenantId": str(tenant)}, grant_type="client_credentials", scope="invoice"
    )
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"


async def test_an_existing_connection_can_switch_to_client_credentials(
    http: httpx.AsyncClient, control: SandboxControl, tenant: int
) -> None:
    issued = await control.issue_tokens(tenant, ["salary"])
    granted = await token_call(
        http, issued, {"TenantId": str(tenant)}, grant_type="client_credentials"
    )
    assert granted.status_code == 200
    assert granted.json()["scope"] == "salary"


async def test_revoke_kills_the_refresh_token_and_the_user_consent(
    http: httpx.AsyncClient, control: SandboxControl, tenant: int
) -> None:
    issued = await control.issue_tokens(tenant, ["salary"])
    response = await http.post(
        "/oauth-v1/revoke",
        data={"token_type_hint": "refresh_token", "token": issued["refresh_token"]},
        headers=basic(issued["client_id"], issued["client_secret"]),
    )
    assert response.status_code == 200
    assert response.json() == {"revoked": True}
    refresh = await token_call(
        http, issued, grant_type="refresh_token", refresh_token=issued["refresh_token"]
    )
    assert refresh.status_code == 400
    switched = await token_call(
        http, issued, {"TenantId": str(tenant)}, grant_type="client_credentials"
    )
    assert switched.status_code == 400
    bad = await http.post(
        "/oauth-v1/revoke", data={"token": "x"}, headers=basic("sandbox-app", "no")
    )
    assert bad.status_code == 401


async def test_unsupported_grant_and_token_calls_are_counted(
    http: httpx.AsyncClient, control: SandboxControl, tenant: int
) -> None:
    issued = await control.issue_tokens(tenant, ["salary"])
    response = await token_call(http, issued, grant_type="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    await token_call(
        http, issued, grant_type="refresh_token", refresh_token=issued["refresh_token"]
    )
    stats = await control.stats()
    assert stats["token_requests"] == 2
    assert stats["requests_total"] == 0  # token calls are not API requests
