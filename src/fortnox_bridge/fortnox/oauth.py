"""OAuth2 with Fortnox: authorize URL, code exchange, refresh, client credentials, revoke.

Token requests are built with Authlib's RFC 6749 helpers and sent with our own httpx client, so
the same transport serves real Fortnox, a standalone sandbox and the in-process sandbox.
Fortnox specifics: client authentication by HTTP Basic; ``access_type=offline``
for refresh tokens; ``account_type=service`` for service accounts, whose tokens come from the
client-credentials grant with a ``TenantId`` header and have no refresh token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_token_request,
)

from fortnox_bridge.fortnox.errors import FortnoxTransportError, OAuthError, oauth_error
from fortnox_bridge.fortnox.timing import Clock, SystemClock
from fortnox_bridge.fortnox.tokens import TokenSet

DEFAULT_AUTH_URL = "https://apps.fortnox.se"


@dataclass(frozen=True)
class AuthorizationResponse:
    """What came back to the redirect URI after the customer approved."""

    code: str
    state: str


class OAuthApp:
    """One Fortnox developer app: its credentials and the calls to the OAuth endpoints."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        redirect_uri: str | None = None,
        auth_url: str = DEFAULT_AUTH_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.redirect_uri = redirect_uri
        self.auth_url = auth_url.rstrip("/")
        self._clock: Clock = clock or SystemClock()
        self._http = httpx.AsyncClient(
            base_url=self.auth_url,
            transport=transport,
            timeout=timeout,
            auth=httpx.BasicAuth(client_id, client_secret),
        )
        self.token_requests = 0

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    def authorize_url(self, scopes: list[str], state: str, *, service_account: bool = False) -> str:
        """The consent page URL to send the customer's administrator to."""
        params: dict[str, str] = {
            "client_id": self.client_id,
            "response_type": "code",
            "scope": " ".join(scopes),
            "state": state,
            "access_type": "offline",
        }
        if self.redirect_uri:
            params["redirect_uri"] = self.redirect_uri
        if service_account:
            params["account_type"] = "service"
        # Fortnox documents scopes separated by %20, not '+'.
        return f"{self.auth_url}/oauth-v1/auth?{urlencode(params, quote_via=quote)}"

    @staticmethod
    def parse_redirect(url: str, expected_state: str) -> AuthorizationResponse:
        """Read ``code`` and ``state`` from the redirect; a wrong state or an error raises."""
        query = dict(parse_qsl(urlsplit(url).query))
        if "error" in query:  # the administrator declined, or Fortnox refused the app
            raise OAuthError(400, query["error"], query.get("error_description", ""))
        try:
            params = parse_authorization_code_response(url, state=expected_state)
        except OAuth2Error as exc:
            raise OAuthError(400, exc.error or "invalid_request", exc.description or "") from exc
        return AuthorizationResponse(code=str(params["code"]), state=expected_state)

    async def exchange_code(self, code: str) -> TokenSet:
        """Authorization code → access and refresh tokens."""
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=self.redirect_uri
        )
        return await self._token_call(body)

    async def refresh(self, refresh_token: str) -> TokenSet:
        """A new access token and a new refresh token; the old refresh token dies."""
        body = prepare_token_request("refresh_token", refresh_token=refresh_token)
        return await self._token_call(body)

    async def client_credentials(self, tenant_id: int) -> TokenSet:
        """Service-account token for the Fortnox tenant ``tenant_id`` (no refresh token)."""
        body = prepare_token_request("client_credentials")
        tokens = await self._token_call(body, headers={"TenantId": str(tenant_id)})
        return tokens.with_tenant(tenant_id)

    async def revoke(self, refresh_token: str) -> bool:
        """Revoke a refresh token (Fortnox cannot revoke access tokens)."""
        data = {"token_type_hint": "refresh_token", "token": refresh_token}
        response = await self._post("/oauth-v1/revoke", data)
        body = _json(response)
        if response.is_error:
            raise oauth_error(response.status_code, body, response.text)
        return bool(isinstance(body, dict) and body.get("revoked", True))

    async def _token_call(self, body: str, headers: dict[str, str] | None = None) -> TokenSet:
        self.token_requests += 1
        response = await self._post("/oauth-v1/token", dict(parse_qsl(body)), headers)
        data = _json(response)
        if response.is_error or not isinstance(data, dict) or "access_token" not in data:
            raise oauth_error(response.status_code, data, response.text)
        return TokenSet(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=self._clock.now() + timedelta(seconds=int(data.get("expires_in", 3600))),
            scope=str(data.get("scope", "")),
        )

    async def _post(
        self, path: str, form: dict[str, str], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        try:
            return await self._http.post(path, data=form, headers=headers)
        except httpx.TransportError as exc:
            # A lost refresh answer may have rotated the token already; the caller treats a
            # later invalid_grant as "reconnect", which is the only safe reading.
            raise FortnoxTransportError(f"POST {path}: {exc.__class__.__name__}") from exc


def _json(response: httpx.Response) -> Any:
    # Fortnox answers OAuth errors as JSON with text/html or text/plain content types.
    try:
        return json.loads(response.content) if response.content else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
