"""Settings of a tenant: who gets its e-mails, its API keys (a new key is shown once) and its
webhook endpoints (a signing secret is shown once; rotate, pause, recent deliveries).

The page uses what ``/api/v1/tenant``, ``/api/v1/api-keys`` and ``/api/v1/webhooks`` use.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import EmailStr, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from fortnox_bridge.engine.outbox.events import EVENT_TYPES
from fortnox_bridge.engine.outbox.outbound import OutboundRefused
from fortnox_bridge.engine.outbox.webhook_endpoints import check_url, event_types
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, Unavailable
from fortnox_bridge.services.tenants import TenantChanges
from fortnox_bridge.services.webhooks import MAX_ENDPOINTS, outbound_policy
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
from fortnox_bridge.web.pages.families import family_choices
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User, root
from fortnox_bridge.web.views import KeyForm, delivery_view, key_view, webhook_view

router = APIRouter()
#: This page's tab in a tenant's menu.
MENU = MenuEntry("settings", N_("Settings"), 80, "/settings")

MAX_RECIPIENTS = 20
#: How long an old webhook secret keeps signing beside a new one.
ROTATE_OVERLAP = timedelta(hours=24)
_EMAIL = TypeAdapter(EmailStr)
#: What each kind of address a webhook may not go to is called.
ADDRESS_KINDS = {
    "metadata": N_("a cloud metadata address"),
    "bridge": N_("the bridge's own address"),
    "loopback": N_("a loopback address (this machine)"),
    "private": N_("an address in a private network"),
    "link_local": N_("a link-local address"),
    "multicast": N_("a multicast address"),
    "unspecified": N_("the unspecified address"),
    "reserved": N_("a reserved address, not reachable on the internet"),
}
#: How long a new key or secret waits to be shown (on the page the form redirects to).
REVEAL_FOR = timedelta(minutes=10)
#: New keys and secrets waiting to be shown once: token (kept in the session) → tenant, values,
#: until when. Kept in memory only, never in the cookie or the store.
_waiting: dict[str, tuple[int, dict[str, Any], datetime]] = {}


def _show_once(request: Request, tenant_id: int, values: dict[str, Any]) -> None:
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


def _page(
    request: Request,
    user: User,
    tenant_id: int,
    *,
    status_code: int = 200,
    **values: Any,
) -> Response:
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


def _back(request: Request, tenant_id: int, anchor: str) -> Response:
    return RedirectResponse(
        f"{root(request)}/tenants/{tenant_id}/settings#{anchor}", status_code=303
    )


@router.get("/tenants/{tenant_id}/settings", response_class=HTMLResponse)
def settings_page(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Recipients, API keys and webhooks."""
    return _page(request, user, tenant_id)


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
        return _page(request, user, tenant_id, recipients=text, errors=errors, status_code=400)
    recipients = list(dict.fromkeys(address.lower() for address in addresses))
    try:
        web.services.tenants.change(tenant_id, TenantChanges(recipients=recipients))
    except NotFound:
        raise no_tenant(request, tenant_id) from None
    flash(request, gettext(request, "Recipients saved."))
    return _back(request, tenant_id, "recipients")


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
        return _page(request, user, tenant_id, key_form=values, errors=errors, status_code=400)
    tenant = tenant_of(request, tenant_id)
    issued = web.services.tenants.issue_key(tenant.id, label=wanted.label, scope=wanted.scope)
    _show_once(
        request,
        tenant_id,
        {"new_key": {"label": wanted.label, "key": issued.key, "scope": wanted.scope}},
    )
    return _back(request, tenant_id, "api-keys")


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
    return _back(request, tenant_id, "api-keys")


def refused_address(request: Request, refused: OutboundRefused) -> str:
    """Why a webhook URL's address is refused, in the page's language."""
    values = {
        "host": refused.host,
        "address": str(refused.address),
        "kind": gettext(request, ADDRESS_KINDS[refused.kind]),
    }
    if refused.kind in ("metadata", "bridge"):
        return gettext(
            request,
            "%(host)s is %(address)s, %(kind)s: the bridge never sends webhooks there.",
            **values,
        )
    return gettext(
        request,
        "%(host)s is %(address)s, %(kind)s: the bridge sends webhooks to public addresses "
        "only. Give the receiver's public address, or ask the bridge's operator to allow its "
        "network (webhook_allow_networks).",
        **values,
    )


def _no_endpoint(request: Request, webhook_id: int) -> HTTPException:
    return HTTPException(
        404, gettext(request, "This tenant has no webhook endpoint %(id)s.", id=webhook_id)
    )


@router.post("/tenants/{tenant_id}/settings/webhooks", response_class=HTMLResponse)
async def create_webhook(request: Request, tenant_id: TenantId, user: User) -> Response:
    """Register an endpoint; the page shows its signing secret this once."""
    web = context(request)
    form = await request.form()
    url = str(form.get("url", "")).strip()
    chosen = [str(v) for v in form.getlist("events")]
    description = str(form.get("description", "")).strip()
    values = {"url": url, "events": chosen, "description": description}
    errors: FieldErrors = {}
    try:
        check_url(url) if url else None
    except ValueError as exc:
        errors["url"] = str(exc)[:1].upper() + str(exc)[1:] + "."
    if not url:
        errors["url"] = gettext(
            request, "Give the URL that receives the events, e.g. https://app.example.se/hooks."
        )
    if "url" not in errors:
        policy = web.hooks.outbound or outbound_policy(web.settings)
        try:
            await run_in_threadpool(policy.check_url, url)  # resolves the name
        except OutboundRefused as exc:
            errors["url"] = refused_address(request, exc)
    try:
        types = event_types(chosen)
    except ValueError:
        types = []
        errors["events"] = gettext(request, "Choose at least one kind of event (or all).")
    if len(description) > 200:
        errors["description"] = gettext(request, "At most 200 characters.")
    cipher = web.hooks.cipher
    if cipher is None and not errors:
        errors["__all__"] = gettext(
            request, "This bridge runs without its secret key, so it cannot keep webhook secrets."
        )
    tenant = tenant_of(request, tenant_id)
    if not errors and len(web.services.webhooks.all(tenant.id)) >= MAX_ENDPOINTS:
        errors["__all__"] = _too_many(request)
    if errors or cipher is None:
        return _page(request, user, tenant_id, hook_form=values, errors=errors, status_code=400)
    try:
        made = await run_in_threadpool(
            web.services.webhooks.create, tenant_id, url, types, description
        )
    except (Conflict, InvalidInput) as exc:  # another endpoint or address since the checks
        if isinstance(exc, Conflict):
            errors["__all__"] = _too_many(request)
        else:
            errors["url"] = str(exc)
        return _page(request, user, tenant_id, hook_form=values, errors=errors, status_code=400)
    _show_once(
        request,
        tenant_id,
        {"new_secret": {"webhook_id": made.endpoint.id, "url": url, "secret": made.secret}},
    )
    return _back(request, tenant_id, "webhooks")


def _too_many(request: Request) -> str:
    return gettext(request, "At most %(max)s endpoints; delete one first.", max=MAX_ENDPOINTS)


@router.post(
    "/tenants/{tenant_id}/settings/webhooks/{webhook_id}/rotate", response_class=HTMLResponse
)
def rotate_webhook(
    request: Request, tenant_id: TenantId, webhook_id: RecordId, user: User
) -> Response:
    """A new signing secret (shown once); the old one keeps signing for 24 hours."""
    web = context(request)
    tenant_of(request, tenant_id)
    hours = ROTATE_OVERLAP // timedelta(hours=1)
    try:
        made = web.services.webhooks.rotate_secret(tenant_id, webhook_id, overlap_hours=hours)
    except NotFound:
        raise _no_endpoint(request, webhook_id) from None
    except Unavailable:
        raise HTTPException(
            503,
            gettext(
                request,
                "This bridge runs without its secret key, so it cannot keep webhook secrets.",
            ),
        ) from None
    url, secret = made.endpoint.url, made.secret
    _show_once(
        request,
        tenant_id,
        {"new_secret": {"webhook_id": webhook_id, "url": url, "secret": secret, "rotated": True}},
    )
    return _back(request, tenant_id, "webhooks")


@router.post("/tenants/{tenant_id}/settings/webhooks/{webhook_id}/{action}")
def toggle_webhook(
    request: Request, tenant_id: TenantId, webhook_id: RecordId, action: str, user: User
) -> Response:
    """``disable`` (pause deliveries; they are kept and caught up) or ``enable``."""
    if action not in ("disable", "enable"):
        raise HTTPException(404, gettext(request, "There is no such action."))
    web = context(request)
    tenant_of(request, tenant_id)
    try:
        web.services.webhooks.change(tenant_id, webhook_id, active=action == "enable")
    except NotFound:
        raise _no_endpoint(request, webhook_id) from None
    flash(
        request,
        gettext(request, "Webhook endpoint enabled.")
        if action == "enable"
        else gettext(request, "Webhook endpoint disabled: deliveries wait until it is enabled."),
    )
    return _back(request, tenant_id, f"webhook-{webhook_id}")
