"""Connecting and disconnecting the tenant's Fortnox connection through the API.

1. ``POST /api/v1/connection/consent`` — the Fortnox approval page (for the bridge's Fortnox app)
   to send the tenant's Fortnox administrator to, with your ``redirect_uri`` and ``state``.
2. Fortnox sends the administrator back to ``redirect_uri?code=..&state=..``; check ``state``.
3. ``POST /api/v1/connection {"code": ..}`` — the bridge exchanges the code and connects. When
   another tenant of this bridge is connected to the same Fortnox company, that is a ``409
   shared_fortnox_company`` (nothing is connected, and the approval is withdrawn at Fortnox)
   unless the request says ``confirm_shared_company: true``.

``POST /api/v1/connection/disconnect`` revokes the connection in the bridge and its refresh
token at Fortnox. All need a ``read_write`` key and the engine beside the API (``serve``).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from fastapi import APIRouter, HTTPException, Request

from fortnox_bridge.api.auth import WriterDep
from fortnox_bridge.api.control import connection_out
from fortnox_bridge.api.paging import invalid
from fortnox_bridge.api.schemas import (
    ConnectIn,
    ConnectionOut,
    ConsentRequest,
    ConsentUrl,
    DisconnectOut,
)
from fortnox_bridge.engine.errors import EngineError, SharedCompanyError
from fortnox_bridge.engine.tenancy.connections import ConnectionService
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.fortnox.tokens import TokenSet
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.tenants import TenantRepository

log = logging.getLogger(__name__)


class Consent(Protocol):
    """How approvals are asked for and exchanged (the admin UI's ``FortnoxConsent``)."""

    #: The redirect URI registered for the bridge's Fortnox app; ``None``: any (the sandbox).
    redirect_uri: str | None

    async def authorize_url(
        self, tenant_id: int, state: str, redirect_uri: str, bridge_base: str
    ) -> str:
        """The approval page for ``tenant_id``."""
        ...

    async def exchange(self, code: str, redirect_uri: str) -> tuple[TokenSet, Any]:
        """The tokens of an approval code and the app that asked (``client_id``,
        ``client_secret``)."""
        ...

    async def withdraw(self, tokens: TokenSet, app: Any) -> None:
        """Revoke an approval that is not used."""
        ...


_NO_ENGINE: dict[int | str, dict[str, Any]] = {
    503: {"description": "No engine or no Fortnox app beside the API"}
}


def _consent(request: Request) -> Consent:
    consent: Consent | None = request.app.state.hooks.consent
    if consent is None:
        raise HTTPException(
            503,
            {
                "error": "no_fortnox_app",
                "detail": "this bridge has no Fortnox app to ask for approvals (set "
                "fortnox_client_id, fortnox_client_secret and fortnox_redirect_uri) and runs "
                "no sandbox; run it with 'fortnox-bridge serve'",
            },
        )
    return consent


def _connections(request: Request) -> ConnectionService:
    service = request.app.state.hooks.service
    if service is None:
        raise HTTPException(
            503,
            {
                "error": "no_engine",
                "detail": "this API runs without the sync engine; start it with "
                "'fortnox-bridge serve'",
            },
        )
    connections: ConnectionService = service.connections
    return connections


def _redirect_uri(consent: Consent, given: str | None, field: str) -> str:
    if consent.redirect_uri is not None:
        if given is not None and given != consent.redirect_uri:
            raise invalid(
                ("body", field),
                f"Fortnox sends approvals only to the bridge app's registered redirect URI "
                f"{consent.redirect_uri}; leave redirect_uri out or give that one",
                "unregistered_redirect_uri",
                given,
            )
        return consent.redirect_uri
    if not given:
        raise invalid(
            ("body", field),
            "give the redirect_uri of your page that receives the approval code",
            "missing",
            given,
        )
    return given


def connection_router() -> APIRouter:
    """The routes."""
    router = APIRouter(prefix="/api/v1", tags=["control"])

    @router.post("/connection/consent", response_model=ConsentUrl, responses=_NO_ENGINE)
    async def consent_url(request: Request, body: ConsentRequest, caller: WriterDep) -> ConsentUrl:
        """The Fortnox approval page to send the tenant's Fortnox administrator to."""
        consent = _consent(request)
        connections = _connections(request)
        redirect_uri = _redirect_uri(consent, body.redirect_uri, "redirect_uri")
        with request.app.state.sessions.begin() as session:
            new = ConnectionRepository(session).for_tenant(caller.tenant_id) is None
        if new:
            await connections.transition(caller.tenant_id, "pending_auth", "approval asked for")
        public = request.app.state.settings.public_url
        base = public.rstrip("/") if public else str(request.base_url).rstrip("/")
        url = await consent.authorize_url(caller.tenant_id, body.state, redirect_uri, base)
        return ConsentUrl(url=url, redirect_uri=redirect_uri)

    @router.post(
        "/connection",
        response_model=ConnectionOut,
        responses={
            400: {"description": "Fortnox refused the approval code"},
            409: {"description": "Another tenant is connected to this Fortnox company"},
            **_NO_ENGINE,
        },
    )
    async def connect(request: Request, body: ConnectIn, caller: WriterDep) -> ConnectionOut:
        """Exchange an approval code and connect the tenant (then run the pre-flight check with
        ``POST /api/v1/connection/check``)."""
        consent = _consent(request)
        connections = _connections(request)
        redirect_uri = _redirect_uri(consent, body.redirect_uri, "redirect_uri")
        try:
            tokens, app = await consent.exchange(body.code, redirect_uri)
        except FortnoxError as exc:
            raise HTTPException(
                400,
                {
                    "error": "approval_code_refused",
                    "detail": f"Fortnox refused the approval code ({exc}); a code works once and "
                    "for 10 minutes, with the redirect_uri it was asked with: ask for a new "
                    "approval",
                },
            ) from None
        try:
            await connections.connect(
                caller.tenant_id,
                tokens,
                client_id=app.client_id,
                client_secret=app.client_secret,
                fortnox_tenant_id=tokens.tenant_id,
                reason="approved in Fortnox (API)",
                confirm_shared_company=body.confirm_shared_company,
            )
        except SharedCompanyError as shared:
            try:
                await consent.withdraw(tokens, app)
            except FortnoxError as exc:
                log.warning("an unused approval was not revoked at Fortnox: %s", exc)
            raise HTTPException(
                409,
                {
                    "error": "shared_fortnox_company",
                    "detail": f"Fortnox company {shared.company} is already connected to another "
                    "tenant of this bridge; connecting this tenant too makes both write to the "
                    "same company. Nothing was connected and this approval was withdrawn: if "
                    "both tenants should use that company, ask for a new approval and send its "
                    "code with confirm_shared_company: true; otherwise ask the administrator to "
                    "approve for this tenant's own company",
                },
            ) from None
        except EngineError as exc:
            raise HTTPException(409, {"error": "not_connected", "detail": str(exc)}) from None
        with request.app.state.sessions.begin() as session:
            tenant = TenantRepository(session).get(caller.tenant_id)
            assert tenant is not None
            if tenant.fortnox_tenant_id is None and tokens.tenant_id:
                tenant.fortnox_tenant_id = tokens.tenant_id
            return connection_out(session, tenant)

    @router.post(
        "/connection/disconnect",
        response_model=DisconnectOut,
        responses={409: {"description": "Never connected"}, **_NO_ENGINE},
    )
    async def disconnect(request: Request, caller: WriterDep) -> DisconnectOut:
        """Disconnect: nothing is synchronised any more, and the refresh token is revoked at
        Fortnox (if Fortnox does not confirm, the bridge is disconnected all the same)."""
        connections = _connections(request)
        with request.app.state.sessions.begin() as session:
            if ConnectionRepository(session).for_tenant(caller.tenant_id) is None:
                raise HTTPException(
                    409,
                    {
                        "error": "not_connected",
                        "detail": "the tenant has never been connected to Fortnox: nothing to "
                        "disconnect",
                    },
                )
        done = await connections.disconnect(caller.tenant_id, "disconnected through the API")
        detail = {
            "revoked": "disconnected; Fortnox revoked the bridge's refresh token",
            "none": "disconnected; there was no refresh token to revoke at Fortnox",
            "failed": f"disconnected in the bridge, but Fortnox did not confirm the revocation "
            f"({done.problem}): disconnect again to retry, or remove the integration in Fortnox",
        }[done.at_fortnox]
        return DisconnectOut(state="revoked", at_fortnox=done.at_fortnox, detail=detail)

    return router
