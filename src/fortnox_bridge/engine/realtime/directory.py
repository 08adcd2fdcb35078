"""Which of the bridge's tenants a Fortnox app's stream covers, with their access tokens.

Every active connection belongs to an app: its own (a sandbox connection carries one) or the
bridge's. The stream of an app carries the companies whose access tokens were added to it; a
token is renewed by the same token manager the Fortnox client uses, so the vault's refresh lock
keeps refreshes single-flight across the listener and the jobs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.tenancy.clients import ConnectionClients
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.store.models import Connection, Tenant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TenantToken:
    """A tenant on the stream: its Fortnox company and the access token that adds it."""

    tenant_id: int
    fortnox_tenant_id: int | None
    access_token: str


@dataclass
class AppTenants:
    """An app's credentials and the tenants its stream covers, by the bridge's tenant id."""

    client_id: str
    client_secret: str
    tenants: dict[int, TenantToken] = field(default_factory=dict)


class TenantDirectory:
    """The apps with active connections and, per app, the tenants and tokens to add."""

    def __init__(self, sessions: sessionmaker[Session], clients: ConnectionClients) -> None:
        self.sessions = sessions
        self.clients = clients

    def apps(self) -> list[str]:
        """The client ids of the apps with at least one active connection."""
        return sorted({row.client_id for row in self._active()})

    async def app(self, client_id: str) -> AppTenants | None:
        """The app's tenants with valid access tokens (renewed when they ran out); ``None`` when
        it has no active connection left. A tenant whose token cannot be had is left out (its
        connection's state tells why; the sweeps still cover it)."""
        found: AppTenants | None = None
        now = self.clients.clock.now()
        for row in self._active():
            if row.client_id != client_id:
                continue
            credentials = self.clients.app_of(row.app_ciphertext)
            if credentials is None:
                continue
            if found is None:
                found = AppTenants(*credentials)
            tokens = self.clients.cipher.decrypt_tokens(row.tokens_ciphertext)
            if tokens.expired(now):  # renewed as the client would, under the refresh lock
                try:
                    tokens = await self.clients.tokens(row.token_key, row.app_ciphertext).valid()
                except FortnoxError as exc:
                    log.warning("no access token for the stream", extra={"tenant_id": row.tenant})
                    log.debug("token refused", exc_info=exc)
                    continue
            found.tenants[row.tenant] = TenantToken(row.tenant, row.company, tokens.access_token)
        return found

    def _active(self) -> list[_Row]:
        """Every active connection with tokens whose app is known."""
        with self.sessions.begin() as session:
            rows = session.execute(
                select(
                    Connection.client_id,
                    Connection.tenant_id,
                    Connection.fortnox_tenant_id,
                    Tenant.fortnox_tenant_id,
                    Connection.token_key,
                    Connection.app_ciphertext,
                    Connection.tokens_ciphertext,
                )
                .join(Tenant, Tenant.id == Connection.tenant_id)
                .where(Connection.state == "active", Connection.tokens_ciphertext.is_not(None))
                .order_by(Connection.tenant_id)
            ).all()
        default = self.clients.endpoints.client_id
        found = []
        for app, tenant, own, company, key, ciphertext, tokens in rows:
            client_id = app or default
            if client_id and tokens:
                found.append(_Row(client_id, tenant, own or company, key, ciphertext, tokens))
        return found


@dataclass(frozen=True)
class _Row:
    client_id: str
    tenant: int
    company: int | None
    token_key: str
    app_ciphertext: str | None
    tokens_ciphertext: str
