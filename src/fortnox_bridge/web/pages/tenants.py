"""The tenants list (with "Add tenant") and a tenant's overview: connection, the dashboard
(activity, open problems, last sync per flow, use of Fortnox's rate limit), pre-flight checklist,
last sweep, last push and next sweep, and the cards of "Sync now" and "Preview (dry run)" (their
routes are in ``sync_jobs.py``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, EmailStr, Field, field_validator

from fortnox_bridge.engine.jobs.scheduler import slot_at_or_before
from fortnox_bridge.services.errors import Conflict, NotFound
from fortnox_bridge.services.overview import Connection, Run
from fortnox_bridge.services.tenants import Tenant, TenantChanges
from fortnox_bridge.web.check_texts import checklist_lines
from fortnox_bridge.web.consent import make_link_token
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.forms import parse_form
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._dashboard import dashboard
from fortnox_bridge.web.pages._family_lights import family_lights
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant, no_tenant, tenant_page
from fortnox_bridge.web.pages._overview import checklist_now
from fortnox_bridge.web.pages._streams import stream_rows
from fortnox_bridge.web.pages.sync_jobs import job_cards
from fortnox_bridge.web.render import flash, gettext, render
from fortnox_bridge.web.security import User, root, web_context
from fortnox_bridge.web.status import (
    NOT_CONNECTED,
    STATE_WORDS,
    light_for,
)

router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("overview", N_("Overview"), 10, "")


class NewTenant(BaseModel):
    """The "Add tenant" form."""

    name: str = Field(min_length=1, max_length=200)
    recipients: list[EmailStr] = Field(default_factory=list)

    @field_validator("name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("recipients", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in re.split(r"[\s,;]+", value) if part]
        return value


def when(value: datetime | None) -> str:
    """A moment as the pages show it (UTC, to the minute)."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


@router.get("/tenants", response_class=HTMLResponse)
def tenants(request: Request, user: User) -> Response:
    """Every tenant with its light, connection state, last sweep and open problems."""
    return _tenants_page(request, user, form={}, errors={})


def _tenants_page(
    request: Request,
    user: Any,
    *,
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    context = web_context(request)
    rows = []
    for row in context.services.overview.rows():
        status, last = row.facts, row.last_sweep
        light = light_for(status)
        rows.append(
            {
                "id": row.tenant.id,
                "name": row.tenant.name,
                "light": {"color": light.color, "text": gettext(request, light.text)},
                "state": gettext(request, STATE_WORDS.get(status.connection, "Unknown")),
                "last_sweep": when(last.finished_at or last.started_at) if last else "",
                "last_status": last.status if last else None,
                "problems": status.open_problems,
            }
        )
    return render(
        request,
        "tenants.html",
        user=user,
        status_code=status_code,
        rows=rows,
        form=form,
        errors=errors,
        streams=stream_rows(request, context.services.streams.overview()),
    )


@router.post("/tenants", response_class=HTMLResponse)
async def add_tenant(request: Request, user: User) -> Response:
    """Add a tenant; a bad name or address is shown next to its field and nothing is saved."""
    context = web_context(request)
    posted = await request.form()
    form = {key: str(posted.get(key, "")) for key in ("name", "recipients")}
    parsed, errors = parse_form(NewTenant, form)
    if parsed is not None:
        try:
            made = context.services.tenants.create(
                parsed.name, TenantChanges(recipients=parsed.recipients)
            )
            tenant_id = made.tenant.id
        except Conflict:
            errors["name"] = gettext(
                request, "A tenant called %(name)s exists already.", name=parsed.name
            )
    if errors:
        if "name" in errors and not form["name"].strip():
            errors["name"] = gettext(request, "Give the tenant a name.")
        if "recipients" in errors:
            errors["recipients"] = gettext(
                request,
                "Write e-mail addresses separated by commas, e.g. lon@foretaget.se. %(detail)s",
                detail=errors["recipients"],
            )
        return _tenants_page(request, user, form=form, errors=errors, status_code=400)
    flash(
        request,
        gettext(
            request, "Tenant %(name)s added. Connect it to Fortnox next.", name=form["name"].strip()
        ),
    )
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}", status_code=303)


@router.get("/tenants/{tenant_id}", response_class=HTMLResponse)
def overview(request: Request, tenant_id: TenantId, user: User) -> Response:
    """A tenant's connection, checklist, sweeps and sync actions."""
    return overview_page(request, user, tenant_id)


def overview_page(
    request: Request,
    user: Any,
    tenant_id: int,
    *,
    status_code: int = 200,
) -> Response:
    """The overview (with the cards of the last sync and preview started here)."""
    context = web_context(request)
    services = context.services
    try:
        detail = services.overview.detail(tenant_id)
    except NotFound:
        raise no_tenant(request, tenant_id) from None
    tenant = detail.tenant
    facts = services.status.facts(tenant_id)
    shown = light_for(facts)
    light = {"color": shown.color, "text": gettext(request, shown.text)}
    connection = _connection(request, detail.connection, tenant)
    proposal = services.resync.proposal(tenant_id)
    last_run = _run_view(detail.last_sweep) if detail.last_sweep else None
    pushes = services.runs.latest(tenant_id, kind="push", limit=1)
    checklist = checklist_now(context.checklists.get(tenant_id), connection)
    return tenant_page(
        request,
        "tenant_overview.html",
        user=user,
        tenant=tenant,
        tab="overview",
        light=light,
        status_code=status_code,
        connection=connection,
        proposal=proposal,
        checklist=checklist,
        checklist_lines=checklist_lines(request, checklist),
        last_run=last_run,
        last_push=_run_view(pushes[0]) if pushes else None,
        first_sync_waiting=facts.first_sync_waiting,
        dashboard=dashboard(request, tenant_id, facts.open_problems),
        next_sweep=_next_sweep(context, tenant, connection["state"]),
        **job_cards(request, tenant_id),
        engine=context.hooks.service is not None,
        consent=context.consent,
        # Client credentials need the engine (it asks Fortnox for the token).
        service_account=context.hooks.service is not None,
        link=_connection_link(request, context, tenant_id),
        families=family_lights(request, tenant_id),
    )


def _connection(request: Request, row: Connection | None, tenant: Tenant) -> dict[str, Any]:
    state = row.state if row else NOT_CONNECTED
    return {
        "state": state,
        "words": gettext(request, STATE_WORDS.get(state, "Unknown")),
        "since": when(row.state_changed_at) if row else "",
        "fortnox_tenant_id": (row.fortnox_tenant_id if row else None) or tenant.fortnox_tenant_id,
        "last_error": row.last_error if row and state != "active" else None,
        "scopes": sorted(row.scopes.split()) if row and row.scopes else [],
        "can_connect": state in (NOT_CONNECTED, "pending_auth", "needs_reauth", "revoked"),
        "reconnect": state in ("needs_reauth", "revoked", "missing_licence"),
        # A revoked connection that still holds tokens: Fortnox did not confirm the revocation.
        "can_disconnect": state not in (NOT_CONNECTED, "revoked")
        or (row is not None and row.tokens_ciphertext is not None),
    }


def bridge_base(request: Request, context: WebContext) -> str:
    """The bridge's address for links others open: ``public_url``, else this request's."""
    if context.settings.public_url:
        return context.settings.public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def _connection_link(request: Request, context: WebContext, tenant_id: int) -> str:
    """A signed link (7 days) a tenant's Fortnox administrator opens to approve the bridge."""
    token = make_link_token(context.secret, tenant_id)
    return f"{bridge_base(request, context)}{root(request)}/connect/{token}"


def _run_view(run: Run) -> dict[str, Any]:
    counts = {key: value for key, value in (run.counts or {}).items() if value}
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "at": when(run.finished_at or run.started_at),
        "counts": counts,
        "error": run.error,
    }


def _next_sweep(context: WebContext, tenant: Tenant, state: str) -> str:
    if state != "active" or context.scheduler is None:
        return ""
    minutes = max(int(tenant.sweep_interval_minutes), 1)
    now = context.clock.now()
    slot = slot_at_or_before(now, minutes, context.scheduler.offset(tenant.id))
    return when(slot + timedelta(minutes=minutes))


@router.post("/tenants/{tenant_id}/check")
async def check(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Run the pre-flight check now (reads Fortnox)."""
    context = web_context(request)
    ensure_tenant(request, tenant_id)
    service = context.hooks.service
    if service is None:
        flash(request, gettext(request, NO_ENGINE), "error")
    else:
        context.checklists[tenant_id] = await service.check(tenant_id)
    return RedirectResponse(f"{root(request)}/tenants/{tenant_id}#checklist", status_code=303)


NO_ENGINE = N_(
    "The sync engine is not running beside this page; start the bridge with 'fortnox-bridge serve'."
)
