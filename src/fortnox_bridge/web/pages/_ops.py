"""What the operations pages (runs, problems, conflicts, maintenance, settings) share: the
tenant a URL names, and the page around it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Path, Request
from fastapi.responses import HTMLResponse

from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.paging import MAX_ID
from fortnox_bridge.services.tenants import Tenant
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.render import gettext, render
from fortnox_bridge.web.security import SignedIn, web_context
from fortnox_bridge.web.status import tenant_light

#: A tenant in a page's address; out of range: 404, like a tenant that does not exist.
TenantId = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A run, problem, conflict, item, API key or webhook in a page's address (404 out of range).
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]


def context(request: Request) -> WebContext:
    """The UI's context (store, clock, engine)."""
    return web_context(request)


def no_tenant(request: Request, tenant_id: int) -> HTTPException:
    """The 404 page of a tenant that does not exist."""
    return HTTPException(404, gettext(request, "There is no tenant %(id)s.", id=tenant_id))


def tenant_of(request: Request, tenant_id: int) -> Tenant:
    """The tenant ``tenant_id``, or a 404 page."""
    try:
        return context(request).services.tenants.get(tenant_id)
    except NotFound:
        raise no_tenant(request, tenant_id) from None


def ensure_tenant(request: Request, tenant_id: int) -> None:
    """A 404 page unless the tenant ``tenant_id`` exists (for actions that need no more)."""
    tenant_of(request, tenant_id)


def tenant_page(
    request: Request,
    template: str,
    *,
    user: SignedIn,
    tenant: Tenant,
    tab: str,
    status_code: int = 200,
    light: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """A page of one tenant (its name, status light and tabs around ``template``); ``light``
    when the caller has it already, else it is read."""
    if light is None:
        light = tenant_light(request, tenant.id)
    return render(
        request,
        template,
        user=user,
        status_code=status_code,
        tenant=tenant,
        light=light,
        tab=tab,
        **values,
    )


def fragment(request: Request, template: str, **values: Any) -> HTMLResponse:
    """A piece of a page (live progress) without the layout."""
    return render(request, template, **values)
