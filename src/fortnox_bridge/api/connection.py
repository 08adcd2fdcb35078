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

from typing import Any

from fastapi import APIRouter, Request

from fortnox_bridge.api.auth import WriterDep
from fortnox_bridge.api.control import connection_out
from fortnox_bridge.api.deps import ConnectionDep
from fortnox_bridge.api.schemas import (
    ConnectIn,
    ConnectionOut,
    ConsentRequest,
    ConsentUrl,
    DisconnectOut,
)
from fortnox_bridge.services.connection import Consent

__all__ = ["Consent", "router"]

_NO_ENGINE: dict[int | str, dict[str, Any]] = {
    503: {"description": "No engine or no Fortnox app beside the API"}
}
router = APIRouter(prefix="/api/v1", tags=["control"])


@router.post("/connection/consent", response_model=ConsentUrl, responses=_NO_ENGINE)
async def consent_url(
    request: Request, body: ConsentRequest, caller: WriterDep, connections: ConnectionDep
) -> ConsentUrl:
    """The Fortnox approval page to send the tenant's Fortnox administrator to."""
    public = request.app.state.settings.public_url
    base = public.rstrip("/") if public else str(request.base_url).rstrip("/")
    url, redirect_uri = await connections.consent_url(
        caller.tenant_id, body.state, body.redirect_uri, base
    )
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
async def connect(body: ConnectIn, caller: WriterDep, connections: ConnectionDep) -> ConnectionOut:
    """Exchange an approval code and connect the tenant (then run the pre-flight check with
    ``POST /api/v1/connection/check``)."""
    view = await connections.connect(
        caller.tenant_id,
        body.code,
        body.redirect_uri,
        confirm_shared=body.confirm_shared_company,
    )
    return connection_out(view)


@router.post(
    "/connection/disconnect",
    response_model=DisconnectOut,
    responses={409: {"description": "Never connected"}, **_NO_ENGINE},
)
async def disconnect(caller: WriterDep, connections: ConnectionDep) -> DisconnectOut:
    """Disconnect: nothing is synchronised any more, and the refresh token is revoked at
    Fortnox (if Fortnox does not confirm, the bridge is disconnected all the same)."""
    done = await connections.disconnect(caller.tenant_id, "disconnected through the API")
    detail = {
        "revoked": "disconnected; Fortnox revoked the bridge's refresh token",
        "none": "disconnected; there was no refresh token to revoke at Fortnox",
        "failed": f"disconnected in the bridge, but Fortnox did not confirm the revocation "
        f"({done.problem}): disconnect again to retry, or remove the integration in Fortnox",
    }[done.at_fortnox]
    return DisconnectOut(state="revoked", at_fortnox=done.at_fortnox, detail=detail)
