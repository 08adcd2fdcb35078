"""A tenant's Fortnox connection without the consent page: connecting as a service account
(client credentials and the company's TenantId) and "Disconnect"."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from fortnox_bridge.engine.errors import ConnectionStateError, EngineError
from fortnox_bridge.fortnox.errors import FortnoxError, OAuthError
from fortnox_bridge.web.forms import parse_form
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant
from fortnox_bridge.web.pages.connection import connections_of
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root, web_context

log = logging.getLogger(__name__)
router = APIRouter()


class ServiceAccountForm(BaseModel):
    """The service-account form: the company's TenantId, and the app if not the bridge's."""

    model_config = ConfigDict(extra="ignore")

    fortnox_tenant_id: int = Field(ge=1, le=2**31 - 1)
    client_id: str | None = Field(default=None, max_length=200)
    client_secret: str | None = Field(default=None, max_length=500)


@router.post("/tenants/{tenant_id}/connection/service-account")
async def service_account(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Connect as a Fortnox service account: client credentials and the TenantId, no consent
    page (the company's administrator approved the app as a service account before)."""
    context = web_context(request)
    ensure_tenant(request, tenant_id)
    back = RedirectResponse(f"{root(request)}/tenants/{tenant_id}#connection", status_code=303)
    form, _ = parse_form(ServiceAccountForm, dict(await request.form()))
    service = context.hooks.service
    if form is None or (form.client_id is None) != (form.client_secret is None):
        flash(request, gettext(request, SERVICE_ACCOUNT_FORM), "error")
        return back
    if service is None:
        flash(request, gettext(request, NO_ENGINE), "error")
        return back
    try:
        moved = await service.connect_service_account(
            tenant_id,
            form.fortnox_tenant_id,
            client_id=form.client_id,
            client_secret=form.client_secret,
        )
    except OAuthError as exc:
        flash(
            request,
            gettext(
                request,
                "Fortnox refused the service account of tenant %(id)s (%(error)s). The company's "
                "administrator approves the app as a service account once, and the tenant id "
                "must be that company's.",
                id=form.fortnox_tenant_id,
                error=exc.error,
            ),
            "error",
        )
        return back
    except (EngineError, FortnoxError) as exc:
        flash(request, gettext(request, "Cannot connect: %(error)s", error=str(exc)), "error")
        return back
    context.services.tenants.set_fortnox_tenant_id(tenant_id, form.fortnox_tenant_id)
    try:
        context.checklists[tenant_id] = await service.check(tenant_id)
    except (EngineError, FortnoxError) as exc:  # the connection stands; the check says why
        log.warning("pre-flight check after connecting failed: %s", exc)
    message = gettext(
        request,
        "Connected as a service account of Fortnox tenant %(id)s.",
        id=form.fortnox_tenant_id,
    )
    if moved is not None and moved.proposals:
        message += " " + gettext(
            request, "A re-sync of the time it was disconnected is proposed under Maintenance."
        )
    flash(request, message)
    return back


NO_ENGINE = N_(
    "The sync engine is not running beside this page; start the bridge with 'fortnox-bridge serve'."
)
SERVICE_ACCOUNT_FORM = N_(
    "Give the company's Fortnox tenant id (a number), and the app's client id and secret "
    "together or not at all (then the bridge's own app asks)."
)


@router.post("/tenants/{tenant_id}/connection/disconnect")
async def disconnect(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Revoke the connection: nothing is synchronised until it is connected again."""
    context = web_context(request)
    ensure_tenant(request, tenant_id)
    try:
        done = await connections_of(context).disconnect(
            tenant_id, f"disconnected in the admin UI by {user.email}"
        )
        if done.at_fortnox == "failed":
            flash(
                request,
                gettext(
                    request,
                    "Disconnected in the bridge: nothing is synchronised until the tenant is "
                    "connected again. But Fortnox did not confirm that it revoked the bridge's "
                    "access (%(problem)s): disconnect again to retry, or remove the integration "
                    "in Fortnox.",
                    problem=done.problem or "",
                ),
                "error",
            )
        else:
            flash(
                request,
                gettext(
                    request,
                    "Disconnected from Fortnox. Nothing is synchronised "
                    "until the tenant is connected again.",
                )
                + (
                    " " + gettext(request, "Fortnox revoked the bridge's access.")
                    if done.at_fortnox == "revoked"
                    else ""
                ),
            )
    except (ConnectionStateError, EngineError) as exc:
        flash(request, gettext(request, "Cannot disconnect: %(error)s", error=str(exc)), "error")
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}", status_code=303)
