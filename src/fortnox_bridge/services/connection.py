"""A tenant's Fortnox connection: its state, connecting (approval code or service account) and
disconnecting. Moving the connection between states is the engine's ``ConnectionService``;
this is what the front ends ask of it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.errors import ConnectionStateError, EngineError, SharedCompanyError
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.tenancy.connections import ConnectionService
from fortnox_bridge.fortnox.errors import FortnoxError, OAuthError
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.services.errors import Conflict, InvalidInput, ServiceError, Unavailable
from fortnox_bridge.services.errors import no_engine as _no_engine
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Connection, Tenant
from fortnox_bridge.store.tenants import TenantRepository

log = logging.getLogger(__name__)
#: The connection state of a tenant that never connected.
NOT_CONNECTED = "not_connected"


def require_active(sessions: sessionmaker[Session], tenant_id: int) -> None:
    """Refuse (409 ``connection_not_active``) unless the tenant's connection is active."""
    with sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        state = connection.state if connection else NOT_CONNECTED
    if state != "active":
        raise Conflict(
            f"the Fortnox connection is {state}; connect it first (fortnox-bridge connect)",
            code="connection_not_active",
        )


class Consent(Protocol):
    """How approvals are asked for and exchanged (the admin UI's ``FortnoxConsent``)."""

    #: The redirect URI registered for the bridge's Fortnox app; ``None``: any (the sandbox).
    redirect_uri: str | None

    async def authorize_url(
        self,
        tenant_id: int,
        state: str,
        redirect_uri: str,
        bridge_base: str,
        scopes: Sequence[str] | None = None,
    ) -> str:
        """The approval page for ``tenant_id``, asking for ``scopes`` (default: every flow's)."""
        ...

    async def exchange(self, code: str, redirect_uri: str) -> tuple[TokenSet, Any]:
        """The tokens of an approval code and the app that asked (``client_id``,
        ``client_secret``)."""
        ...

    async def withdraw(self, tokens: TokenSet, app: Any) -> None:
        """Revoke an approval that is not used."""
        ...


@dataclass(frozen=True)
class ConnectionView:
    """A tenant and its connection (``None``: it never connected)."""

    tenant: Tenant
    connection: Connection | None


@dataclass(frozen=True)
class Disconnected:
    """What disconnecting did at Fortnox (``revoked``, ``none``, ``failed``) and why."""

    at_fortnox: str
    problem: str | None


class ApprovalRefused(ServiceError):
    """Fortnox refused an approval code (400)."""

    code = "approval_code_refused"


_NO_APP = (
    "this bridge has no Fortnox app to ask for approvals (set fortnox_client_id, "
    "fortnox_client_secret and fortnox_redirect_uri) and runs no sandbox; run it with "
    "'fortnox-bridge serve'"
)


class ConnectionAdmin:
    """Reads and changes tenants' Fortnox connections."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        hooks: EngineHooks,
        scopes_of: Callable[[int], Sequence[str]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.hooks = hooks
        #: The scopes to ask a tenant's company for: those of the flows it has on.
        self.scopes_of = scopes_of

    @property
    def engine(self) -> SyncService | None:
        """The engine beside the front end, if one runs."""
        return self.hooks.service

    @property
    def consent(self) -> Consent | None:
        """How approvals are asked for, if this bridge can."""
        return self.hooks.consent

    def view(self, tenant_id: int) -> ConnectionView:
        """The tenant and its connection."""
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            assert tenant is not None
            return ConnectionView(tenant, ConnectionRepository(session).for_tenant(tenant_id))

    def _connections(self) -> ConnectionService:
        if self.engine is None:
            raise _no_engine()
        return self.engine.connections

    def _consent(self) -> Consent:
        if self.consent is None:
            raise Unavailable(_NO_APP, code="no_fortnox_app")
        return self.consent

    async def connect_service_account(
        self,
        tenant_id: int,
        fortnox_tenant_id: int,
        *,
        client_id: str | None,
        client_secret: str | None,
    ) -> ConnectionView:
        """Connect as a service account (client credentials and the company's TenantId)."""
        if self.engine is None:
            raise _no_engine()
        try:
            await self.engine.connect_service_account(
                tenant_id, fortnox_tenant_id, client_id=client_id, client_secret=client_secret
            )
        except ConnectionStateError as exc:
            raise Conflict(str(exc), code="connection_refused") from None
        except OAuthError as exc:
            raise Conflict(
                f"Fortnox refused the service account of tenant {fortnox_tenant_id}: "
                f"{exc.error} ({exc.description}); the company's administrator approves the app "
                "as a service account once (its consent page with account_type=service), and "
                "the TenantId must be that company's",
                code="service_account_refused",
            ) from None
        except (EngineError, FortnoxError) as exc:
            raise Conflict(str(exc), code="connection_refused") from None
        return self.view(tenant_id)

    def redirect_uri(self, given: str | None, field: str = "redirect_uri") -> str:
        """Where Fortnox sends the approval: the registered URI, or the one given."""
        consent = self._consent()
        if consent.redirect_uri is not None:
            if given is not None and given != consent.redirect_uri:
                raise InvalidInput(
                    f"Fortnox sends approvals only to the bridge app's registered redirect URI "
                    f"{consent.redirect_uri}; leave redirect_uri out or give that one",
                    code="unregistered_redirect_uri",
                    field=("body", field),
                    value=given,
                )
            return consent.redirect_uri
        if not given:
            raise InvalidInput(
                "give the redirect_uri of your page that receives the approval code",
                code="missing",
                field=("body", field),
                value=given,
            )
        return given

    async def consent_url(
        self, tenant_id: int, state: str, given_uri: str | None, base: str
    ) -> tuple[str, str]:
        """The approval page to send the Fortnox administrator to, and its redirect URI."""
        consent = self._consent()
        connections = self._connections()
        redirect_uri = self.redirect_uri(given_uri)
        with self.sessions.begin() as session:
            new = ConnectionRepository(session).for_tenant(tenant_id) is None
        if new:
            await connections.transition(tenant_id, "pending_auth", "approval asked for")
        scopes = self.scopes_of(tenant_id) if self.scopes_of else None
        url = await consent.authorize_url(tenant_id, state, redirect_uri, base, scopes)
        return url, redirect_uri

    async def connect(
        self, tenant_id: int, code: str, given_uri: str | None, *, confirm_shared: bool
    ) -> ConnectionView:
        """Exchange an approval code and connect the tenant."""
        consent = self._consent()
        connections = self._connections()
        redirect_uri = self.redirect_uri(given_uri)
        try:
            tokens, app = await consent.exchange(code, redirect_uri)
        except FortnoxError as exc:
            raise ApprovalRefused(
                f"Fortnox refused the approval code ({exc}); a code works once and for 10 "
                "minutes, with the redirect_uri it was asked with: ask for a new approval"
            ) from None
        try:
            await connections.connect(
                tenant_id,
                tokens,
                client_id=app.client_id,
                client_secret=app.client_secret,
                fortnox_tenant_id=tokens.tenant_id,
                reason="approved in Fortnox (API)",
                confirm_shared_company=confirm_shared,
            )
        except SharedCompanyError as shared:
            await self._withdraw(consent, tokens, app)
            raise _shared(shared.company) from None
        except EngineError as exc:
            raise Conflict(str(exc), code="not_connected") from None
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            assert tenant is not None
            if tenant.fortnox_tenant_id is None and tokens.tenant_id:
                tenant.fortnox_tenant_id = tokens.tenant_id
        return self.view(tenant_id)

    @staticmethod
    async def _withdraw(consent: Consent, tokens: TokenSet, app: Any) -> None:
        try:
            await consent.withdraw(tokens, app)
        except FortnoxError as exc:
            log.warning("an unused approval was not revoked at Fortnox: %s", exc)

    async def disconnect(self, tenant_id: int, reason: str) -> Disconnected:
        """Disconnect and revoke the refresh token at Fortnox (409 when never connected)."""
        connections = self._connections()
        with self.sessions.begin() as session:
            if ConnectionRepository(session).for_tenant(tenant_id) is None:
                raise Conflict(
                    "the tenant has never been connected to Fortnox: nothing to disconnect",
                    code="not_connected",
                )
        done = await connections.disconnect(tenant_id, reason)
        return Disconnected(done.at_fortnox, done.problem)


def _shared(company: int | str) -> Conflict:
    return Conflict(
        f"Fortnox company {company} is already connected to another tenant of this bridge; "
        "connecting this tenant too makes both write to the same company. Nothing was "
        "connected and this approval was withdrawn: if both tenants should use that company, "
        "ask for a new approval and send its code with confirm_shared_company: true; otherwise "
        "ask the administrator to approve for this tenant's own company",
        code="shared_fortnox_company",
    )
