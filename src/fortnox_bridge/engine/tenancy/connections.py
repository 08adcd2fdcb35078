"""The connection lifecycle of a tenant: ``pending_auth → active → needs_reauth | revoked |
paused``, plus ``missing_licence``.

Every transition is kept in the connection's history, logged and handed to the notifier
(e-mail). Leaving ``active`` for a broken state records ``disconnected_at``; coming back to
``active`` asks every dated flow whether it wants a re-sync from that moment (the Treks seed:
"prompt you to re-synchronize ... from the date when the integration was disconnected").
Disconnecting (``revoked``) also revokes the refresh token at Fortnox, so the bridge's
authorisation ends there too, not only in the bridge; connecting a tenant to a Fortnox company
another tenant is connected to needs an explicit confirmation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy.orm import Session, object_session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import (
    ConnectionStateError,
    EngineError,
    SharedCompanyError,
    UnknownTenantError,
)
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.results import describe_error
from fortnox_bridge.engine.maintenance.resync_targets import target_of
from fortnox_bridge.engine.outbox.events import resync_proposed
from fortnox_bridge.engine.sync.context import enabled_flows
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.fortnox.errors import (
    AuthenticationError,
    FortnoxError,
    MissingLicenceError,
    ReauthenticationRequired,
)
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.models import Connection
from fortnox_bridge.store.tenants import TenantRepository

log = logging.getLogger(__name__)

STATES = ("pending_auth", "active", "needs_reauth", "revoked", "paused", "missing_licence")
#: States in which the bridge cannot reach Fortnox through no choice of the tenant.
BROKEN = frozenset({"needs_reauth", "revoked", "missing_licence"})
ALLOWED: dict[str, frozenset[str]] = {
    "pending_auth": frozenset({"active", "revoked"}),
    "active": frozenset({"needs_reauth", "revoked", "paused", "missing_licence"}),
    "needs_reauth": frozenset({"active", "pending_auth", "revoked"}),
    "missing_licence": frozenset({"active", "needs_reauth", "revoked"}),
    "paused": frozenset({"active", "revoked"}),
    "revoked": frozenset({"pending_auth", "active"}),
}


@dataclass(frozen=True)
class Transition:
    """One change of a connection's state."""

    tenant_id: int
    tenant_name: str
    from_state: str
    to_state: str
    reason: str
    at: datetime
    disconnected_at: datetime | None = None
    #: Re-syncs the flows propose after a reconnect: ``[{"flow", "from", "to", "reason"}]``.
    proposals: list[dict[str, Any]] = field(default_factory=list)


OnTransition = Callable[[Transition], Awaitable[object]]


class Revoker(Protocol):
    """Revokes a tenant's refresh token at Fortnox (see ``ConnectionClients.revoke``)."""

    async def revoke(self, tenant_id: int) -> bool:
        """``True`` when Fortnox revoked a refresh token, ``False`` when there was none;
        raises when Fortnox did not confirm."""
        ...


@dataclass(frozen=True)
class Disconnection:
    """What disconnecting did, in the bridge and at Fortnox."""

    #: The move to ``revoked``; ``None`` when the connection was revoked already.
    transition: Transition | None
    #: ``revoked``: Fortnox revoked the refresh token; ``none``: there was none to revoke;
    #: ``failed``: Fortnox did not confirm (``problem`` says why; the bridge is disconnected).
    at_fortnox: Literal["revoked", "none", "failed"]
    problem: str | None = None


class ConnectionService:
    """Moves tenants' connections through their lifecycle and stores their tokens."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        cipher: TokenCipher,
        *,
        flows: Sequence[type[Flow]] = (),
        on_transition: OnTransition | None = None,
        revoker: Revoker | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.cipher = cipher
        self.flows = list(flows)
        self.on_transition = on_transition
        #: Revokes refresh tokens at Fortnox on disconnect; ``None``: nothing can reach Fortnox.
        self.revoker = revoker

    async def connect(
        self,
        tenant_id: int,
        tokens: TokenSet,
        *,
        client_id: str,
        client_secret: str | None = None,
        fortnox_tenant_id: int | None = None,
        reason: str = "connected",
        confirm_shared_company: bool = False,
    ) -> Transition | None:
        """Store fresh tokens (encrypted) and make the connection active.

        When another tenant is connected to the same Fortnox company, nothing is stored and
        :class:`SharedCompanyError` is raised, unless ``confirm_shared_company``.
        """
        company = fortnox_tenant_id or tokens.tenant_id
        with self.sessions.begin() as session:
            repo = ConnectionRepository(session)
            if (
                company is not None
                and not confirm_shared_company
                and repo.using_company(company, besides=tenant_id)
            ):
                raise SharedCompanyError(company)
            connection = self._connection(session, tenant_id, create=True)
            connection.client_id = client_id
            connection.fortnox_tenant_id = company
            connection.scopes = tokens.scope
            connection.tokens_ciphertext = self.cipher.encrypt_tokens(tokens)
            if client_secret is not None:
                connection.app_ciphertext = self.cipher.encrypt_json(
                    {"client_id": client_id, "client_secret": client_secret}
                )
            connection.last_error = None
        return await self.transition(tenant_id, "active", reason)

    async def disconnect(self, tenant_id: int, reason: str) -> Disconnection:
        """Disconnect: the connection is ``revoked`` in the bridge at once (nothing syncs any
        more), then its refresh token is revoked at Fortnox and its tokens forgotten here.

        A revocation Fortnox does not confirm is reported in :attr:`Disconnection.problem`; the
        bridge stays disconnected and keeps the tokens, so disconnecting again tries again.
        """
        moved = await self.transition(tenant_id, "revoked", reason)
        if self.revoker is None:
            return Disconnection(moved, "failed", "the bridge cannot reach Fortnox from here")
        try:
            revoked = await self.revoker.revoke(tenant_id)
        except (FortnoxError, EngineError) as exc:
            problem = describe_error(exc)
            log.warning(
                "refresh token not revoked at Fortnox",
                extra={"tenant_id": tenant_id, "error": problem},
            )
            return Disconnection(moved, "failed", problem)
        return Disconnection(moved, "revoked" if revoked else "none")

    async def connect_service_account(
        self,
        tenant_id: int,
        oauth: OAuthApp,
        fortnox_tenant_id: int,
        *,
        client_secret: str | None = None,
        confirm_shared_company: bool = False,
    ) -> Transition | None:
        """Connect as a Fortnox service account: a client-credentials token of ``oauth``'s app
        for the Fortnox tenant ``fortnox_tenant_id`` (``TenantId``).

        Fortnox hands one out once the company's administrator has approved the app as a
        service account. It has no refresh token: the client asks again with the ``TenantId``
        when it runs out. ``client_secret`` is kept with the connection when the app is not the
        bridge's own (the next token is asked for with it). Raises
        :class:`~fortnox_bridge.fortnox.errors.OAuthError` when Fortnox refuses, and
        :class:`SharedCompanyError` as :meth:`connect` does.
        """
        tokens = await oauth.client_credentials(fortnox_tenant_id)
        return await self.connect(
            tenant_id,
            tokens,
            client_id=oauth.client_id,
            client_secret=client_secret,
            fortnox_tenant_id=fortnox_tenant_id,
            reason=f"connected as a service account of Fortnox tenant {fortnox_tenant_id}",
            confirm_shared_company=confirm_shared_company,
        )

    async def transition(self, tenant_id: int, to_state: str, reason: str) -> Transition | None:
        """Move the connection to ``to_state``; ``None`` if it is already there.

        Raises :class:`ConnectionStateError` for a move the lifecycle does not allow.
        """
        if to_state not in STATES:
            raise ConnectionStateError(f"unknown connection state {to_state!r}")
        now = self.clock.now()
        with self.sessions.begin() as session:
            connection = self._connection(session, tenant_id, create=True)
            before = connection.state
            if before == to_state:
                return None
            if to_state not in ALLOWED[before]:
                raise ConnectionStateError(
                    f"a connection cannot go from {before} to {to_state}", state=before
                )
            proposals = self._on_state(connection, before, to_state, reason, now)
            ConnectionRepository(session).record_transition(connection, to_state, reason, now=now)
            tenant = TenantRepository(session).get(tenant_id)
            moved = Transition(
                tenant_id,
                tenant.name if tenant else str(tenant_id),
                before,
                to_state,
                reason,
                now,
                connection.disconnected_at,
                proposals,
            )
        log.info(
            "connection state changed",
            extra={
                "tenant_id": tenant_id,
                "from_state": before,
                "to_state": to_state,
                "reason": reason,
            },
        )
        if self.on_transition is not None:
            await self.on_transition(moved)
        return moved

    def _on_state(
        self, connection: Connection, before: str, after: str, reason: str, now: datetime
    ) -> list[dict[str, Any]]:
        if after in BROKEN:
            connection.last_error = reason
            if before == "active" or connection.disconnected_at is None:
                connection.disconnected_at = now
            return []
        if after == "active" and connection.disconnected_at is not None:
            session = object_session(connection)
            enabled = (
                _enabled_names(session, connection.tenant_id, self.flows)
                if session is not None
                else None
            )
            proposals = self.proposals(connection.disconnected_at, now, enabled=enabled)
            connection.resync_proposals = proposals
            if proposals and session is not None:
                resync_proposed(session, connection.tenant_id, proposals, now=now)
            return proposals
        return []

    def proposals(
        self, disconnected_at: datetime, now: datetime, *, enabled: set[str] | None = None
    ) -> list[dict[str, Any]]:
        """What the flows (``enabled``: only those) propose to re-sync after a reconnect
        (dated flows: from the break), one proposal per re-sync target: a derived flow's
        family is re-synced as one (``payroll``: attendance and absence)."""
        found: dict[str, dict[str, Any]] = {}
        for flow_cls in self.flows:
            if enabled is not None and flow_cls.name not in enabled:
                continue
            proposal = flow_cls.resync_proposal(disconnected_at.date(), now.date())
            if proposal is None:
                continue
            first, last = (day.isoformat() for day in proposal)
            target = target_of(flow_cls)
            entry = found.setdefault(
                target,
                {
                    "flow": target,
                    "flows": [],
                    "from": first,
                    "to": last,
                    "reason": f"disconnected from {disconnected_at.date()} to {now.date()}",
                },
            )
            entry["flows"].append(flow_cls.name)
            entry["from"], entry["to"] = min(entry["from"], first), max(entry["to"], last)
        return list(found.values())

    async def after_error(self, tenant_id: int, exc: BaseException) -> Transition | None:
        """Move the connection as an error that stopped a run requires (if it does)."""
        if isinstance(exc, ReauthenticationRequired | AuthenticationError):
            target = "needs_reauth"
        elif isinstance(exc, MissingLicenceError):
            target = "missing_licence"
        else:
            return None
        try:
            return await self.transition(tenant_id, target, describe_error(exc))
        except ConnectionStateError:
            return None  # already somewhere it cannot leave that way (revoked, paused)

    def dismiss_proposals(self, tenant_id: int, flow: str | None = None) -> None:
        """Forget the re-sync proposals (of one flow, or all): accepted or declined."""
        with self.sessions.begin() as session:
            connection = self._connection(session, tenant_id, create=False)
            connection.resync_proposals = [
                p for p in connection.resync_proposals if flow is not None and p["flow"] != flow
            ]

    def _connection(self, session: Session, tenant_id: int, *, create: bool) -> Connection:
        repo = ConnectionRepository(session)
        connection = repo.for_tenant(tenant_id)
        if connection is not None:
            return connection
        if not create or TenantRepository(session).get(tenant_id) is None:
            raise UnknownTenantError(f"no connection for tenant {tenant_id}")
        return repo.create(tenant_id, f"tenant-{tenant_id}", now=self.clock.now())


def _enabled_names(session: Session, tenant_id: int, flows: Sequence[type[Flow]]) -> set[str]:
    configs = FlowConfigRepository(session).for_tenant(tenant_id)
    families = TenantRepository(session).families(tenant_id)
    return {flow.name for flow in enabled_flows(flows, configs, families=families)}
