"""Fortnox clients for tenants' connections: tokens from the vault, the refresh lock, one rate
limit budget per connection shared by every task of the process (or every process, via Redis).

A client is opened only when a flow first needs one, so an idle sweep costs no request and no
client construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

import httpx
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import ConnectionStateError
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.engine.tenancy.token_vault import TokenVault
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.auth import TokenManager
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.ratelimit import Limiter
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.store.connections import ConnectionRepository


class ManagedSource(ClientSource, Protocol):
    """A client source that must be closed after the run."""

    async def aclose(self) -> None:
        """Close the client if one was opened."""
        ...


class ClientProvider(Protocol):
    """Hands out a client source per tenant."""

    def source(self, tenant_id: int) -> ManagedSource:
        """A lazily opened client for the tenant's connection."""
        ...


@dataclass(frozen=True)
class FortnoxEndpoints:
    """Where Fortnox (or a sandbox) answers, and how to reach it."""

    api_url: str = "https://api.fortnox.se"
    auth_url: str = "https://apps.fortnox.se"
    transport: httpx.AsyncBaseTransport | None = None
    #: The bridge's developer app, unless a connection carries its own (a sandbox connection).
    client_id: str | None = None
    client_secret: str | None = None


class ConnectionClients:
    """A :class:`ClientProvider` over the store's connections."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: TokenVault,
        cipher: TokenCipher,
        *,
        clock: Clock,
        endpoints: FortnoxEndpoints,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.sessions = sessions
        self.vault = vault
        self.cipher = cipher
        self.clock = clock
        self.endpoints = endpoints
        self.limiter = limiter
        self.retry = retry

    def oauth_app(self, client_id: str | None = None, client_secret: str | None = None) -> OAuthApp:
        """The OAuth calls of an app at Fortnox's (or the sandbox's) token endpoint: the one
        given, else the bridge's own. Raises :class:`ConnectionStateError` when there is none."""
        client_id = client_id or self.endpoints.client_id
        client_secret = client_secret or self.endpoints.client_secret
        if not client_id or not client_secret:
            raise ConnectionStateError(
                "no Fortnox app to ask with: give its client id and secret, or configure the "
                "bridge's own (fortnox_client_id and fortnox_client_secret)"
            )
        return OAuthApp(
            client_id,
            client_secret,
            auth_url=self.endpoints.auth_url,
            transport=self.endpoints.transport,
            clock=self.clock,
        )

    def source(self, tenant_id: int) -> LazyClient:
        """A client for the tenant, opened on first use."""
        return LazyClient(self, tenant_id)

    def app_of(self, app_ciphertext: str | None) -> tuple[str, str] | None:
        """The client id and secret of a connection's app: its own (a sandbox connection) or
        the bridge's; ``None`` when there is none."""
        client_id, secret = self.endpoints.client_id, self.endpoints.client_secret
        if app_ciphertext is not None:
            credentials = self.cipher.decrypt_json(app_ciphertext)
            client_id, secret = credentials["client_id"], credentials["client_secret"]
        return (client_id, secret) if client_id and secret else None

    def tokens(self, token_key: str, app_ciphertext: str | None) -> TokenManager:
        """The token manager of a connection (renews its access token when it runs out)."""
        oauth = self._oauth(app_ciphertext)
        return TokenManager(
            token_key, store=self.vault, oauth=oauth, lock=self.vault, clock=self.clock
        )

    def _oauth(self, app_ciphertext: str | None) -> OAuthApp | None:
        """The OAuth app of a connection: its own (a sandbox connection) or the bridge's."""
        app = self.app_of(app_ciphertext)
        if app is None:
            return None
        client_id, secret = app
        return OAuthApp(
            client_id,
            secret,
            auth_url=self.endpoints.auth_url,
            transport=self.endpoints.transport,
            clock=self.clock,
        )

    async def revoke(self, tenant_id: int) -> bool:
        """Revoke the connection's refresh token at Fortnox, then forget its tokens here.

        Returns ``False`` when there was no refresh token to revoke (no tokens, or a service
        account, whose consent ends only in Fortnox). When Fortnox does not confirm, the
        :class:`~fortnox_bridge.fortnox.errors.FortnoxError` is raised and the tokens are kept,
        so the revocation can be tried again. Holds the connection's refresh lock, so no
        refresh rotates the token meanwhile.
        """
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            if connection is None:
                return False
            key, app = connection.token_key, connection.app_ciphertext
        async with self.vault.hold(key):
            tokens = await self.vault.load(key)
            if tokens is None or not tokens.refresh_token:
                return False
            oauth = self._oauth(app)
            if oauth is None:
                raise ConnectionStateError(
                    "no Fortnox app is configured (fortnox_client_id, fortnox_client_secret), "
                    "so the refresh token cannot be revoked"
                )
            try:
                if not await oauth.revoke(tokens.refresh_token):
                    raise ConnectionStateError("Fortnox answered that it revoked nothing")
            finally:
                await oauth.aclose()
            await self.vault.forget(key)
        return True

    def open(self, tenant_id: int) -> FortnoxClient:
        """Build the client of an active connection (no request is sent here)."""
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            if connection is None or connection.state != "active":
                state = connection.state if connection else "not connected"
                raise ConnectionStateError(
                    f"the Fortnox connection is {state}; connect it first (fortnox-bridge connect)",
                    state=state,
                )
            key, app = connection.token_key, connection.app_ciphertext
        return FortnoxClient(
            tokens=self.tokens(key, app),
            api_url=self.endpoints.api_url,
            transport=self.endpoints.transport,
            limiter=self.limiter,
            limiter_key=key,
            retry=self.retry,
        )


class LazyClient:
    """A tenant's client, opened by the first flow that needs it."""

    def __init__(self, provider: ConnectionClients, tenant_id: int) -> None:
        self.provider = provider
        self.tenant_id = tenant_id
        self.client: FortnoxClient | None = None

    async def get(self) -> FortnoxClient:
        """The client (built on first call)."""
        if self.client is None:
            self.client = self.provider.open(self.tenant_id)
        return self.client

    @property
    def requests_made(self) -> int:
        """Requests sent so far (0 before the client was opened)."""
        return self.client.requests_made if self.client else 0

    @property
    def write_requests_made(self) -> int:
        """Write requests sent so far."""
        return self.client.write_requests_made if self.client else 0

    async def aclose(self) -> None:
        """Close the client if it was opened."""
        if self.client is not None:
            await self.client.aclose()

    async def __aenter__(self) -> LazyClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class FixedProvider:
    """A :class:`ClientProvider` that hands every tenant the same client (tests, scripts)."""

    def __init__(self, client: FortnoxClient) -> None:
        self.client = client

    def source(self, tenant_id: int) -> ManagedSource:
        """The one client, never closed by the engine."""
        return _Unclosed(self.client)


class _Unclosed:
    def __init__(self, client: FortnoxClient) -> None:
        self.client = client

    async def get(self) -> FortnoxClient:
        return self.client

    @property
    def requests_made(self) -> int:
        return self.client.requests_made

    @property
    def write_requests_made(self) -> int:
        return self.client.write_requests_made

    async def aclose(self) -> None:
        return None
