"""Service: the service family of a tenant in one place — its one settings form (grouped as
the settings model groups them), each flow of the family with when it last synced and a
"Sync now", and the service orders sent to Fortnox with their integration reference (Fortnox's
document number and whether it is an order or an invoice), invoiced status and invoice PDF.

The tab is shown to tenants using the service family. The page reads and saves through
``services.service_family``; a sync is started as the overview's "Sync now" starts one (the
engine's sweep), limited to the family's flows.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.services.errors import NotFound, Unavailable
from fortnox_bridge.services.service_family import ServiceFamily
from fortnox_bridge.web.forms import FieldErrors, field_errors
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.labels import flow_title
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._ops import TenantId, context, ensure_tenant, tenant_of, tenant_page
from fortnox_bridge.web.pages.flows import PREFIX
from fortnox_bridge.web.pages.sync_jobs import start_sync
from fortnox_bridge.web.pages.tenants import NO_ENGINE, when
from fortnox_bridge.web.render import error_words, flash, gettext, language_of
from fortnox_bridge.web.security import User, root
from fortnox_bridge.web.settings_form import settings_groups

router = APIRouter()
#: The family whose tenants have this page.
FAMILY = "service"
#: This page's tab in a tenant's menu (tenants using the service family only).
MENU = MenuEntry("service", N_("Service"), 36, "/service", family=FAMILY)
#: What each order kind and Fortnox document is called on the page.
KINDS = {"service": N_("Service order"), "work": N_("Work order"), "sales": N_("Sales order")}
DOCUMENTS = {"order": N_("Order"), "invoice": N_("Invoice")}
#: A service order's number in a page's address.
OrderNumber = Annotated[str, Path(min_length=1, max_length=200)]
DIRECTIONS = {"push": N_("To Fortnox"), "pull": N_("From Fortnox")}


def family(request: Request) -> ServiceFamily:
    """The Service tab's service."""
    return context(request).services.service_family


def _settings_form(
    request: Request, tenant_id: int, posted: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The family's settings form in the request's language ([] without the settings flow)."""
    try:
        flow = family(request).settings_flow()
    except NotFound:
        return []
    values = posted if posted is not None else family(request).settings(tenant_id)
    return settings_groups(
        flow.Settings,
        values,
        lambda text: gettext(request, text),
        language=language_of(request),
        prefix=PREFIX,
    )


def _service_page(
    request: Request,
    tenant_id: int,
    user: User,
    *,
    posted: dict[str, Any] | None = None,
    errors: FieldErrors | None = None,
    status_code: int = 200,
) -> Response:
    tenant = tenant_of(request, tenant_id)
    service = family(request)
    flows = [
        {
            "name": each.name,
            "direction": gettext(request, DIRECTIONS.get(each.direction, each.direction)),
            "enabled": each.enabled,
            "last_ok": when(each.last_ok),
        }
        for each in service.flows(tenant.id)
    ]
    return tenant_page(
        request,
        "service.html",
        user=user,
        tenant=tenant,
        tab="service",
        status_code=status_code,
        uses_family=FAMILY in (tenant.families or ()),
        groups=_settings_form(request, tenant.id, posted),
        errors=errors or {},
        flows=flows,
        orders=service.orders(tenant.id),
        kinds=KINDS,
        documents=DOCUMENTS,
        engine=context(request).hooks.service is not None,
    )


@router.get("/tenants/{tenant_id}/service", response_class=HTMLResponse)
def service_page(request: Request, tenant_id: TenantId, user: User) -> Response:
    """The family's settings, flows and orders."""
    return _service_page(request, tenant_id, user)


@router.post("/tenants/{tenant_id}/service/settings", response_class=HTMLResponse)
async def save_settings(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Save the family's settings as one form; errors beside their fields, nothing saved."""
    ensure_tenant(request, tenant_id)
    form = await request.form()
    posted: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key.startswith(PREFIX) and isinstance(value, str):
            posted[key.removeprefix(PREFIX)] = value  # the last value (checkbox after hidden)
    cleaned = {key: value for key, value in posted.items() if value != ""}
    try:
        family(request).save_settings(tenant_id, cleaned)
    except NotFound:
        flash(request, gettext(request, "The service family's settings flow is missing."), "error")
        return _back(request, tenant_id, "settings")
    except ValidationError as exc:  # nothing saved
        errors = {
            (key if key == "__all__" else PREFIX + key): message
            for key, message in field_errors(exc, error_words(request)).items()
        }
        return _service_page(
            request, tenant_id, user, posted=posted, errors=errors, status_code=400
        )
    flash(request, gettext(request, "Saved the service settings."))
    return _back(request, tenant_id, "settings")


@router.post("/tenants/{tenant_id}/service/sync")
async def sync_now(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Start a sync of the family's flows (or the one ``flow`` named) in the background; the
    overview's sync card follows it."""
    ensure_tenant(request, tenant_id)
    flow = str((await request.form()).get("flow", ""))
    names = family(request).flow_names(tenant_id)
    only = [flow] if flow in names else names
    engine = context(request).hooks.service
    if engine is None:
        flash(request, gettext(request, NO_ENGINE), "error")
    elif flow and flow not in names:
        flash(
            request,
            gettext(
                request,
                "%(flow)s does not run for this tenant.",
                flow=flow_title(flow, lambda text: gettext(request, text)),
            ),
            "error",
        )
    elif not only:
        flash(
            request,
            gettext(request, "No flow of the service family runs for this tenant."),
            "error",
        )
    elif start_sync(request, tenant_id, only=only):
        # It runs in the background: the overview's sync card follows it to the end.
        return RedirectResponse(f"{root(request)}/tenants/{tenant_id}#sync", status_code=303)
    return _back(request, tenant_id, "flows")


def _back(request: Request, tenant_id: int, anchor: str) -> Response:
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/service#{anchor}", status_code=303
    )


@router.get("/tenants/{tenant_id}/service/orders/{number}/invoice.pdf")
async def invoice_pdf(
    request: Request, tenant_id: TenantId, number: OrderNumber, user: User
) -> Response:
    """The Fortnox invoice of a service order, as a PDF to open."""
    ensure_tenant(request, tenant_id)
    try:
        pdf = await context(request).services.service_orders.invoice_pdf(tenant_id, number)
    except NotFound:
        raise HTTPException(
            404,
            gettext(request, "Service order %(order)s has no invoice in Fortnox.", order=number),
        ) from None
    except Unavailable:
        raise HTTPException(503, gettext(request, NO_ENGINE)) from None
    except FortnoxError as exc:
        raise HTTPException(
            502, gettext(request, "Fortnox could not give the invoice: %(error)s", error=exc)
        ) from None
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(pdf.name)}"},
    )
