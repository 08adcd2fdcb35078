"""Settings of a tenant: who gets its e-mails and its API keys (a new key is shown once), on
the page that also holds its conflict policy, sweep interval and digest (``sync_options.py``),
flow families (``families.py``), problem e-mails (``problem_mail.py``), sweeps while changes
stream (``sweep_stretch.py``) and webhook endpoints (``settings_webhooks.py``).

The page uses what ``/api/v1/tenant``, ``/api/v1/api-keys`` and ``/api/v1/webhooks`` use.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import EmailStr, TypeAdapter, ValidationError

from fortnox_bridge.engine.outbox.events import EVENT_TYPES
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.tenants import TenantChanges
from fortnox_bridge.web.context import WebContext
from fortnox_bridge.web.forms import FieldErrors, parse_form
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.menu import MenuEntry
from fortnox_bridge.web.pages._ops import (
    RecordId,
    TenantId,
    context,
    no_tenant,
    tenant_of,
    tenant_page,
)
from fortnox_bridge.web.pages._sync_options import DIGESTS, POLICIES, options, sweep_default
from fortnox_bridge.web.pages.families import family_choices
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root
from fortnox_bridge.web.views import KeyForm, delivery_view, key_view, webhook_view

router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("settings", N_("Settings"), 80, "/settings")

MAX_RECIPIENTS = 20
_EMAIL = TypeAdapter(EmailStr)
#: How long a new key or secret waits to be shown (on the page the form redirects to).
REVEAL_FOR = timedelta(minutes=10)
#: New keys and secrets waiting to be shown once: token (kept in the session) → tenant, values,
#: until when. Kept in memory only, never in the cookie or the store.
_waiting: dict[str, tuple[int, dict[str, Any], datetime]] = {}


def show_once(request: Request, tenant_id: int, values: dict[str, Any]) -> None:
    """Show ``values`` on the next page of this session (once), after the redirect."""
    now = context(request).clock.now()
    for token, (_, _, until) in list(_waiting.items()):
        if until < now:
            del _waiting[token]
    token = secrets.token_urlsafe(24)
    _waiting[token] = (tenant_id, values, now + REVEAL_FOR)
    request.session["reveal"] = token


def _revealed(request: Request, tenant_id: int) -> dict[str, Any]:
    token = request.session.pop("reveal", None)
    found = _waiting.pop(token, None) if isinstance(token, str) else None
    if found is None or found[0] != tenant_id or found[2] < context(request).clock.now():
        return {}
    return found[1]


def _addresses(text: str) -> list[str]:
    return [
        part.strip()
        for part in text.replace(",", "\n").replace(";", "\n").splitlines()
        if part.strip()
    ]


def show(
    request: Request,
    user: User,
    tenant_id: int,
    *,
    status_code: int = 200,
    typed: dict[str, str] | None = None,
    **values: Any,
) -> Response:
    """The settings page; ``values`` of a form that comes back with errors (``typed``: what was
    typed in one of the conflict policy, sweep interval and digest forms)."""
    web = context(request)
    tenant = tenant_of(request, tenant_id)
    keys = [key_view(row) for row in web.services.overview.api_keys(tenant.id)]
    hooks = _webhooks(web, tenant.id)
    shown = _revealed(request, tenant.id)
    values.update(shown)
    values.setdefault("recipients", "\n".join(tenant.notify_emails or []))
    values.setdefault("key_form", {"label": "", "scope": "read_write"})
    values.setdefault("hook_form", {"url": "", "events": ["*"], "description": ""})
    page = tenant_page(
        request,
        "settings.html",
        user=user,
        tenant=tenant,
        tab="settings",
        status_code=status_code,
        keys=keys,
        webhooks=hooks,
        event_types=EVENT_TYPES,
        families=family_choices(request, tenant),
        errors=values.pop("errors", {}),
        can_sign=web.hooks.cipher is not None,
        options=options(tenant, typed),
        policies=POLICIES,
        digests=DIGESTS,
        sweep_default=sweep_default(request, tenant),
        **values,
    )
    if shown:
        page.headers["Cache-Control"] = "no-store"
    return page


def _webhooks(web: WebContext, tenant_id: int) -> list[dict[str, Any]]:
    service = web.services.webhooks
    found = []
    for endpoint in service.all(tenant_id):
        recent, _ = service.deliveries(tenant_id, endpoint.id, status=None, cursor=None, limit=5)
        found.append(
            {
                "endpoint": webhook_view(endpoint),
                "deliveries": [delivery_view(d, e) for d, e in recent],
            }
        )
    return found


def back(request: Request, tenant_id: int, anchor: str) -> Response:
    """To the settings page again, at the section ``anchor``."""
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/settings#{anchor}", status_code=303
    )


@router.get("/tenants/{tenant_id}/settings", response_class=HTMLResponse)
def settings_page(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Recipients, API keys and webhooks."""
    return show(request, user, tenant_id)


@router.post("/tenants/{tenant_id}/settings/recipients", response_class=HTMLResponse)
async def save_recipients(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Who gets the tenant's e-mails (problems, digests): every address is checked first."""
    web = context(request)
    text = str((await request.form()).get("recipients", ""))
    addresses = _addresses(text)
    errors: FieldErrors = {}
    bad = []
    for address in addresses:
        try:
            _EMAIL.validate_python(address)
        except ValidationError:
            bad.append(address)
    if bad:
        errors["recipients"] = gettext(
            request,
            "Not an e-mail address: %(bad)s. Write one address per line, like ekonomi@example.se.",
            bad=", ".join(bad),
        )
    elif len(addresses) > MAX_RECIPIENTS:
        errors["recipients"] = gettext(
            request, "At most %(max)s recipients; remove some.", max=MAX_RECIPIENTS
        )
    if errors:
        return show(request, user, tenant_id, recipients=text, errors=errors, status_code=400)
    recipients = list(dict.fromkeys(address.lower() for address in addresses))
    try:
        web.services.tenants.change(tenant_id, TenantChanges(recipients=recipients))
    except NotFound:
        raise no_tenant(request, tenant_id) from None
    flash(request, gettext(request, "Recipients saved."))
    return back(request, tenant_id, "recipients")


@router.post("/tenants/{tenant_id}/settings/api-keys", response_class=HTMLResponse)
async def create_key(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Make an API key; the page shows it this once."""
    web = context(request)
    form = await request.form()
    values = {"label": str(form.get("label", "")).strip(), "scope": str(form.get("scope", ""))}
    wanted, errors = parse_form(KeyForm, values)
    if "label" not in values or not values["label"]:
        errors["label"] = gettext(request, "Give the key a label, e.g. the app that uses it.")
    if values["scope"] not in ("read", "read_write"):
        errors["scope"] = gettext(request, "Choose read or read and write.")
    if errors or wanted is None:
        return show(request, user, tenant_id, key_form=values, errors=errors, status_code=400)
    tenant = tenant_of(request, tenant_id)
    issued = web.services.tenants.issue_key(tenant.id, label=wanted.label, scope=wanted.scope)
    show_once(
        request,
        tenant_id,
        {"new_key": {"label": wanted.label, "key": issued.key, "scope": wanted.scope}},
    )
    return back(request, tenant_id, "api-keys")


@router.post("/tenants/{tenant_id}/settings/api-keys/{key_id}/revoke")
def revoke_key(request: Request, tenant_id: TenantId, key_id: RecordId, user: User) -> Response:
    """Revoke a key: it stops working at once."""
    web = context(request)
    tenant = tenant_of(request, tenant_id)
    try:
        label = web.services.tenants.revoke_key(tenant.id, key_id, own_key_id=None).label
    except NotFound:
        raise HTTPException(
            404, gettext(request, "This tenant has no API key %(id)s.", id=key_id)
        ) from None
    flash(request, gettext(request, "Key %(label)s revoked: it no longer works.", label=label))
    return back(request, tenant_id, "api-keys")
