"""Connecting a tenant from the browser: the Fortnox consent page and the code exchange.

The bridge sends the tenant's Fortnox administrator to the consent page (Fortnox's
``/oauth-v1/auth``, or the sandbox's own), Fortnox sends the browser back to the bridge's
callback (``/ui/connection/callback``) with a code, and the bridge exchanges the code for tokens
(authorization-code grant). The same steps work against real Fortnox (the app in
``Settings.fortnox_client_id``/``secret``, its registered ``fortnox_redirect_uri``) and against
the sandbox (an app registered with the sandbox for the callback address the browser uses).

The ``state`` parameter is signed (with the UI's session key) and carries the tenant, a nonce and
whether the consent was started from a signed-in session or from a connection link; it expires.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import httpx
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from fortnox_bridge.engine.sync.scopes import requested_scopes
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.web.i18n import N_

#: Where Fortnox sends the browser back, under the UI's mount.
CALLBACK_PATH = "/connection/callback"
#: Scopes the bridge's flows and pre-flight check need (from the flows' declarations).
SCOPES = requested_scopes()
#: How long a started consent may take before its answer is refused.
STATE_AGE_SECONDS = 30 * 60
#: How long a connection link for a tenant's Fortnox administrator works.
LINK_AGE_SECONDS = 7 * 24 * 3600

Via = Literal["session", "link"]


@dataclass(frozen=True)
class ConsentApp:
    """The developer app the consent is asked for."""

    client_id: str
    client_secret: str


@dataclass(frozen=True)
class ConsentState:
    """What a verified ``state`` says."""

    tenant_id: int
    nonce: str
    via: Via


class StateRefused(Exception):
    """The ``state`` of a callback is missing, forged, expired or for another tenant."""


@dataclass
class FortnoxConsent:
    """How the UI connects tenants: where the consent page is and which app asks."""

    #: The consent page's base URL for browsers: absolute (Fortnox, a standalone sandbox), or a
    #: path on the bridge's own server (the in-process sandbox served at ``/sandbox``).
    browser_auth_url: str
    #: Where the bridge itself exchanges codes, and the transport to reach it.
    token_url: str
    transport: httpx.AsyncBaseTransport | None = None
    scopes: tuple[str, ...] = SCOPES
    #: The registered redirect URI (real Fortnox); ``None``: the callback at the address the
    #: browser uses (the sandbox app is registered for it).
    redirect_uri: str | None = None
    #: The app's credentials (real Fortnox); ``None``: ``register`` makes one per redirect URI.
    app: ConsentApp | None = None
    register: Callable[[str], Awaitable[ConsentApp]] | None = None
    #: Before the consent: give the administrator a company to choose (sandbox).
    prepare: Callable[[int], Awaitable[None]] | None = None
    #: Shown on the pages: the consent page is the sandbox's.
    sandbox: bool = False
    _apps: dict[str, ConsentApp] = field(default_factory=dict)

    def callback_uri(self, bridge_base: str, ui_root: str) -> str:
        """The redirect URI: the configured one, else the callback at ``bridge_base``."""
        return self.redirect_uri or f"{bridge_base.rstrip('/')}{ui_root}{CALLBACK_PATH}"

    async def app_for(self, redirect_uri: str) -> ConsentApp:
        """The app that asks (registered with the sandbox for ``redirect_uri`` on first use)."""
        if self.app is not None:
            return self.app
        if redirect_uri not in self._apps:
            if self.register is None:
                raise RuntimeError("no Fortnox app is configured (fortnox_client_id)")
            self._apps[redirect_uri] = await self.register(redirect_uri)
        return self._apps[redirect_uri]

    async def authorize_url(
        self,
        tenant_id: int,
        state: str,
        redirect_uri: str,
        bridge_base: str,
        scopes: Sequence[str] | None = None,
    ) -> str:
        """The consent page for ``tenant_id`` (preparing the sandbox company first), asking
        for ``scopes`` (default: :attr:`scopes`)."""
        if self.prepare is not None:
            await self.prepare(tenant_id)
        app = await self.app_for(redirect_uri)
        base = self.browser_auth_url
        if not base.startswith(("http://", "https://")):
            base = f"{bridge_base.rstrip('/')}{base}"
        oauth = OAuthApp(app.client_id, app.client_secret, redirect_uri=redirect_uri, auth_url=base)
        try:
            return oauth.authorize_url(sorted(self.scopes if scopes is None else scopes), state)
        finally:
            await oauth.aclose()

    async def exchange(self, code: str, redirect_uri: str) -> tuple[TokenSet, ConsentApp]:
        """The tokens for an authorization code (``OAuthError`` when Fortnox refuses it)."""
        app = await self.app_for(redirect_uri)
        oauth = OAuthApp(
            app.client_id,
            app.client_secret,
            redirect_uri=redirect_uri,
            auth_url=self.token_url,
            transport=self.transport,
        )
        try:
            tokens = await oauth.exchange_code(code)
        finally:
            await oauth.aclose()
        return tokens.with_tenant(tokens.tenant_id or fortnox_tenant_of(tokens.access_token)), app

    async def withdraw(self, tokens: TokenSet, app: ConsentApp) -> None:
        """Revoke the refresh token of an approval that is not used after all (at Fortnox, so
        no live token is left behind); ``FortnoxError`` when Fortnox does not confirm."""
        if not tokens.refresh_token:
            return
        oauth = OAuthApp(
            app.client_id, app.client_secret, auth_url=self.token_url, transport=self.transport
        )
        try:
            await oauth.revoke(tokens.refresh_token)
        finally:
            await oauth.aclose()


def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def make_state(secret: str, tenant_id: int, via: Via) -> tuple[str, str]:
    """A new signed ``state`` for a consent of ``tenant_id``: ``(value, nonce)``."""
    nonce = secrets.token_urlsafe(16)
    value = _serializer(secret, "fortnox-bridge consent").dumps(
        {"t": tenant_id, "n": nonce, "v": via}
    )
    return value, nonce


def read_state(secret: str, value: str | None) -> ConsentState:
    """The verified ``state`` of a callback, or :class:`StateRefused` saying why."""
    if not value:
        raise StateRefused(N_("the answer from Fortnox carries no state"))
    try:
        data = _serializer(secret, "fortnox-bridge consent").loads(value, max_age=STATE_AGE_SECONDS)
    except SignatureExpired:
        raise StateRefused(N_("the approval took too long (more than 30 minutes)")) from None
    except BadSignature:
        raise StateRefused(N_("the answer was not started by this bridge")) from None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        raise StateRefused(N_("the answer was not started by this bridge"))
    via: Via = "link" if data.get("v") == "link" else "session"
    return ConsentState(int(data["t"]), str(data.get("n", "")), via)


def make_link_token(secret: str, tenant_id: int) -> str:
    """The signed part of a connection link for ``tenant_id``."""
    return _serializer(secret, "fortnox-bridge connection link").dumps({"t": tenant_id})


def read_link_token(secret: str, value: str) -> int:
    """The tenant of a connection link; :class:`StateRefused` when forged or expired."""
    try:
        data = _serializer(secret, "fortnox-bridge connection link").loads(
            value, max_age=LINK_AGE_SECONDS
        )
    except SignatureExpired:
        raise StateRefused(N_("this connection link has expired (links work for 7 days)")) from None
    except BadSignature:
        raise StateRefused(N_("this connection link is not valid")) from None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        raise StateRefused(N_("this connection link is not valid"))
    return int(data["t"])


def fortnox_tenant_of(access_token: str) -> int | None:
    """The ``tenantId`` claim of a Fortnox access token (a JWT), if it has one (not verified:
    only shown and kept for information)."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, json.JSONDecodeError):
        return None
    value = claims.get("tenantId") if isinstance(claims, dict) else None
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None
