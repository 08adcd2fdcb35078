"""Bearer authentication with single-flight refresh, as an httpx auth flow.

Before a request: if the access token is expired (or about to be), refresh it. After a 401:
refresh once and replay the request once. Every refresh goes through :class:`TokenManager.fresh`,
which holds the tenant's lock, re-reads the store (another task or process may have refreshed
already), and saves the rotated tokens before they are used.

A manager keeps the tokens it last read or renewed and reads the store again only when they are
about to expire or Fortnox refused them (401): a client lives as long as one job, and an access
token stays valid until it expires even when another process renews the connection meanwhile.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx

from fortnox_bridge.fortnox.errors import ReauthenticationRequired
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.timing import Clock, SystemClock
from fortnox_bridge.fortnox.tokens import InProcessRefreshLock, RefreshLock, TokenSet, TokenStore


class TokenManager:
    """The tokens of one connection (one app, one Fortnox tenant)."""

    def __init__(
        self,
        key: str,
        *,
        store: TokenStore,
        oauth: OAuthApp | None,
        lock: RefreshLock | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.key = key
        self._store = store
        self._oauth = oauth
        self._lock: RefreshLock = lock or InProcessRefreshLock()
        self._clock: Clock = clock or SystemClock()
        self.refreshes = 0
        #: The tokens last read or renewed (``None`` until the first request).
        self._known: TokenSet | None = None

    async def valid(self) -> TokenSet:
        """A token that is not expired, refreshing it first if needed."""
        now = self._clock.now()
        if self._known is not None and not self._known.expired(now):
            return self._known
        current = await self._store.load(self.key)
        if current is None:
            raise ReauthenticationRequired(401, "no_tokens", f"no tokens for {self.key}; connect")
        if current.expired(now):
            return await self.fresh(stale=current)
        self._known = current
        return current

    async def fresh(self, *, stale: TokenSet) -> TokenSet:
        """Tokens newer than ``stale``: somebody else's fresh ones, or a refresh of our own."""
        self._known = None
        async with self._lock.hold(self.key):
            current = await self._store.load(self.key)
            if current is None:
                raise ReauthenticationRequired(401, "no_tokens", f"no tokens for {self.key}")
            newer = current.access_token != stale.access_token
            if newer and not current.expired(self._clock.now()):
                self._known = current
                return current  # refreshed by another task or process while we waited
            renewed = await self._renew(current)
            await self._store.save(self.key, renewed)  # persist the rotated token before use
            self._known = renewed
            return renewed

    async def _renew(self, current: TokenSet) -> TokenSet:
        if self._oauth is None:
            raise ReauthenticationRequired(401, "no_oauth_app", "a static token cannot be renewed")
        self.refreshes += 1
        if current.refresh_token:
            renewed = await self._oauth.refresh(current.refresh_token)
        elif current.tenant_id is not None:
            renewed = await self._oauth.client_credentials(current.tenant_id)
        else:
            raise ReauthenticationRequired(
                401, "no_refresh_token", "the connection has no way to renew"
            )
        return renewed.with_tenant(current.tenant_id)


class FortnoxAuth(httpx.Auth):
    """httpx auth flow: bearer header, refresh before expiry, refresh and replay once on 401."""

    requires_request_body = True

    def __init__(self, tokens: TokenManager) -> None:
        self.tokens = tokens

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Authenticate ``request``; on 401 renew the token and send it once more."""
        token = await self.tokens.valid()
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code == 401:
            await response.aread()
            token = await self.tokens.fresh(stale=token)
            request.headers["Authorization"] = f"Bearer {token.access_token}"
            yield request


class StaticTokenAuth(httpx.Auth):
    """A fixed access token (scripts, tests); it is never renewed."""

    def __init__(self, access_token: str) -> None:
        self._header = f"Bearer {access_token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set the bearer header."""
        request.headers["Authorization"] = self._header
        yield request
