"""The webhook endpoints on a tenant's settings page: add one (its signing secret is shown
once), rotate its secret, pause and resume it, delete it, and send it a test now.

The page uses what ``/api/v1/webhooks`` uses; a test goes out signed through the same delivery
path as every event (``WebhookService.send_test_now``), and the page says what the receiver
answered.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from fortnox_bridge.engine.outbox.outbound import OutboundRefused
from fortnox_bridge.engine.outbox.webhook_endpoints import check_url, event_types
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, Unavailable
from fortnox_bridge.services.webhooks import MAX_ENDPOINTS, TestDelivery, outbound_policy
from fortnox_bridge.web.forms import FieldErrors
from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.pages._ops import RecordId, TenantId, context, tenant_of
from fortnox_bridge.web.pages.settings import back, show, show_once
from fortnox_bridge.web.render import flash, gettext
from fortnox_bridge.web.security import User

router = APIRouter()
#: How long an old webhook secret keeps signing beside a new one.
ROTATE_OVERLAP = timedelta(hours=24)
#: Why no webhook secret can be kept (or used).
NO_SECRET_KEY = N_("This bridge runs without its secret key, so it cannot keep webhook secrets.")
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
        errors["__all__"] = gettext(request, NO_SECRET_KEY)
    tenant = tenant_of(request, tenant_id)
    if not errors and len(web.services.webhooks.all(tenant.id)) >= MAX_ENDPOINTS:
        errors["__all__"] = _too_many(request)
    if errors or cipher is None:
        return show(request, user, tenant_id, hook_form=values, errors=errors, status_code=400)
    try:
        made = await run_in_threadpool(
            web.services.webhooks.create, tenant_id, url, types, description
        )
    except (Conflict, InvalidInput) as exc:  # another endpoint or address since the checks
        if isinstance(exc, Conflict):
            errors["__all__"] = _too_many(request)
        else:
            errors["url"] = str(exc)
        return show(request, user, tenant_id, hook_form=values, errors=errors, status_code=400)
    show_once(
        request,
        tenant_id,
        {"new_secret": {"webhook_id": made.endpoint.id, "url": url, "secret": made.secret}},
    )
    return back(request, tenant_id, "webhooks")


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
        raise HTTPException(503, gettext(request, NO_SECRET_KEY)) from None
    url, secret = made.endpoint.url, made.secret
    show_once(
        request,
        tenant_id,
        {"new_secret": {"webhook_id": webhook_id, "url": url, "secret": secret, "rotated": True}},
    )
    return back(request, tenant_id, "webhooks")


def _toggle(request: Request, tenant_id: int, webhook_id: int, *, active: bool) -> Response:
    web = context(request)
    tenant_of(request, tenant_id)
    try:
        web.services.webhooks.change(tenant_id, webhook_id, active=active)
    except NotFound:
        raise _no_endpoint(request, webhook_id) from None
    flash(
        request,
        gettext(request, "Webhook endpoint enabled.")
        if active
        else gettext(request, "Webhook endpoint disabled: deliveries wait until it is enabled."),
    )
    return back(request, tenant_id, f"webhook-{webhook_id}")


@router.post("/tenants/{tenant_id}/settings/webhooks/{webhook_id}/disable")
def disable_webhook(
    request: Request, tenant_id: TenantId, webhook_id: RecordId, user: User
) -> Response:
    """Pause deliveries; they are kept and caught up when the endpoint is enabled."""
    return _toggle(request, tenant_id, webhook_id, active=False)


@router.post("/tenants/{tenant_id}/settings/webhooks/{webhook_id}/enable")
def enable_webhook(
    request: Request, tenant_id: TenantId, webhook_id: RecordId, user: User
) -> Response:
    """Resume deliveries."""
    return _toggle(request, tenant_id, webhook_id, active=True)


@router.post("/tenants/{tenant_id}/settings/webhooks/{webhook_id}/delete")
def delete_webhook(
    request: Request, tenant_id: TenantId, webhook_id: RecordId, user: User
) -> Response:
    """Delete an endpoint and its delivery log (the page asks first)."""
    web = context(request)
    tenant_of(request, tenant_id)
    try:
        url = web.services.webhooks.get(tenant_id, webhook_id).url
        web.services.webhooks.delete(tenant_id, webhook_id)
    except NotFound:
        raise _no_endpoint(request, webhook_id) from None
    flash(request, gettext(request, "Webhook endpoint %(url)s deleted.", url=url))
    return back(request, tenant_id, "webhooks")


@router.post("/tenants/{tenant_id}/settings/webhooks/{webhook_id}/test")
async def test_webhook(
    request: Request, tenant_id: TenantId, webhook_id: RecordId, user: User
) -> Response:
    """Send a signed ``webhook.test`` event to this endpoint now and say how it went."""
    web = context(request)
    tenant_of(request, tenant_id)
    try:
        sent = await web.services.webhooks.send_test_now(tenant_id, webhook_id)
    except NotFound:
        raise _no_endpoint(request, webhook_id) from None
    except Conflict:
        flash(
            request,
            gettext(request, "Enable the endpoint first: a disabled one gets no test."),
            "error",
        )
    except Unavailable:
        flash(request, gettext(request, NO_SECRET_KEY), "error")
    else:
        message, kind = test_result(request, sent)
        flash(request, message, kind)
    return back(request, tenant_id, f"webhook-{webhook_id}")


def test_result(request: Request, sent: TestDelivery) -> tuple[str, str]:
    """What the page says of a test sent now, and the kind of message."""
    delivery = sent.delivery
    if delivery is None or not sent.answered:
        return (
            gettext(
                request,
                "The test is queued: it goes out after the endpoint's earlier deliveries. Its "
                "answer shows under Recent deliveries.",
            ),
            "warning",
        )
    code = delivery.last_status_code
    if delivery.status == "succeeded":
        return gettext(
            request, "Test delivered: the receiver answered HTTP %(code)s.", code=code
        ), "success"
    if code is not None:
        return (
            gettext(request, "Test not accepted: the receiver answered HTTP %(code)s.", code=code),
            "error",
        )
    return (
        gettext(request, "Test not delivered: %(error)s", error=delivery.last_error or ""),
        "error",
    )
