"""``/api/v1/webhooks`` and ``/api/v1/webhook-deliveries``: endpoints that receive the tenant's
events, signed, and the log of every delivery and attempt.

A signing secret (``whsec_...``) is shown when an endpoint is made and when it is rotated, and
never again; the bridge keeps it encrypted with its secret key. Reading needs any key of the
tenant, changing anything a ``read_write`` key. A URL whose host is (or resolves to) an internal
address is refused (422) unless the deployment allows its network (``webhook_allow_networks``);
deliveries check again on every attempt.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.events import event_out
from fortnox_bridge.api.paging import DEFAULT_LIMIT, Cursor, Limit
from fortnox_bridge.api.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    EventOut,
    Page,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookWithSecret,
)
from fortnox_bridge.services.webhooks import (
    MAX_ENDPOINTS,
    Event,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookService,
    WithSecret,
    outbound_policy,
)

__all__ = ["MAX_ENDPOINTS", "delivery_out", "outbound_policy", "router", "webhook_out"]

_MAX_ID = 2**31 - 1

WebhookId = Annotated[int, Path(ge=1, le=_MAX_ID, description="The endpoint's id.")]
DeliveryId = Annotated[int, Path(ge=1, le=_MAX_ID, description="The delivery's id.")]
DeliveryStatus = Annotated[
    Literal["pending", "retrying", "succeeded", "failed"] | None,
    Query(description="Only deliveries in this state."),
]
OverlapHours = Annotated[
    int,
    Query(
        ge=0,
        le=168,
        description="Hours the old secret still signs deliveries beside the new one (0: stop "
        "at once, e.g. when the old one leaked).",
    ),
]
_ERRORS: dict[int | str, dict[str, Any]] = {404: {"description": "No such endpoint or delivery"}}
router = APIRouter(prefix="/api/v1", tags=["webhooks"])


def _webhooks(request: Request) -> WebhookService:
    return services_of(request).webhooks


Webhooks = Annotated[WebhookService, Depends(_webhooks)]


def webhook_out(endpoint: WebhookEndpoint) -> WebhookOut:
    """The API shape of an endpoint (without its secret)."""
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        event_types=[str(t) for t in endpoint.event_types],
        description=endpoint.description,
        active=endpoint.active,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


def delivery_out(delivery: WebhookDelivery, event: Event) -> DeliveryOut:
    """The API shape of a delivery."""
    return DeliveryOut(
        id=delivery.id,
        webhook_id=delivery.endpoint_id,
        event_id=str(event.seq),
        event_type=event.type,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        last_duration_ms=delivery.last_duration_ms,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
        delivered_at=delivery.delivered_at,
    )


def _with_secret(made: WithSecret) -> WebhookWithSecret:
    return WebhookWithSecret(
        **webhook_out(made.endpoint).model_dump(),
        secret=made.secret,
        previous_secret_expires_at=made.previous_until,
    )


@router.post(
    "/webhooks",
    response_model=WebhookWithSecret,
    status_code=status.HTTP_201_CREATED,
    summary="Register an endpoint (its secret is shown once)",
    responses={409: {"description": "Too many endpoints"}, 503: {"description": "No key"}},
)
def create_webhook(body: WebhookIn, caller: WriterDep, webhooks: Webhooks) -> WebhookWithSecret:
    """Register a URL that receives the tenant's events of the chosen types, signed."""
    made = webhooks.create(caller.tenant_id, body.url, body.event_types, body.description)
    return WebhookWithSecret(**webhook_out(made.endpoint).model_dump(), secret=made.secret)


@router.get("/webhooks", response_model=Page[WebhookOut], summary="The endpoints")
def list_webhooks(
    caller: ReaderDep, webhooks: Webhooks, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[WebhookOut]:
    """The tenant's endpoints, oldest first."""
    rows, after = webhooks.page(caller.tenant_id, cursor=cursor, limit=limit)
    return Page[WebhookOut](data=[webhook_out(row) for row in rows], next_cursor=after)


@router.get(
    "/webhooks/{webhook_id}", response_model=WebhookOut, summary="One endpoint", responses=_ERRORS
)
def get_webhook(webhook_id: WebhookId, caller: ReaderDep, webhooks: Webhooks) -> WebhookOut:
    """One endpoint (without its secret)."""
    return webhook_out(webhooks.get(caller.tenant_id, webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    response_model=WebhookOut,
    summary="Change an endpoint",
    responses=_ERRORS,
)
def patch_webhook(
    webhook_id: WebhookId, body: WebhookPatch, caller: WriterDep, webhooks: Webhooks
) -> WebhookOut:
    """Change the URL, the event types, the description, or pause and resume deliveries."""
    endpoint = webhooks.change(
        caller.tenant_id,
        webhook_id,
        url=body.url,
        types=body.event_types,
        description=body.description,
        active=body.active,
    )
    return webhook_out(endpoint)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete an endpoint and its delivery log",
    responses=_ERRORS,
)
def delete_webhook(webhook_id: WebhookId, caller: WriterDep, webhooks: Webhooks) -> Response:
    """Stop deliveries to an endpoint for good; its delivery log goes with it."""
    webhooks.delete(caller.tenant_id, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response_model=WebhookWithSecret,
    summary="A new signing secret (shown once)",
    responses={**_ERRORS, 503: {"description": "No key"}},
)
def rotate_secret(
    webhook_id: WebhookId,
    caller: WriterDep,
    webhooks: Webhooks,
    overlap_hours: OverlapHours = 24,
) -> WebhookWithSecret:
    """Replace the endpoint's secret; the old one keeps signing beside it for
    ``overlap_hours``, so the receiver can switch without rejecting a delivery."""
    return _with_secret(webhooks.rotate_secret(caller.tenant_id, webhook_id, overlap_hours))


@router.post(
    "/webhooks/{webhook_id}/test",
    response_model=EventOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a webhook.test event to this endpoint",
    responses={**_ERRORS, 409: {"description": "The endpoint is paused"}},
)
def test_webhook(webhook_id: WebhookId, caller: WriterDep, webhooks: Webhooks) -> EventOut:
    """Queue a ``webhook.test`` event for this endpoint only (it also shows in the feed)."""
    return event_out(webhooks.send_test(caller.tenant_id, webhook_id))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=Page[DeliveryOut],
    summary="The endpoint's delivery log, newest first",
    responses=_ERRORS,
)
def list_deliveries(
    webhook_id: WebhookId,
    caller: ReaderDep,
    webhooks: Webhooks,
    status: DeliveryStatus = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[DeliveryOut]:
    """Deliveries to the endpoint, newest first, optionally of one state."""
    rows, after = webhooks.deliveries(
        caller.tenant_id, webhook_id, status=status, cursor=cursor, limit=limit
    )
    return Page[DeliveryOut](
        data=[delivery_out(delivery, event) for delivery, event in rows], next_cursor=after
    )


@router.get(
    "/webhook-deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    summary="One delivery with its event and attempts",
    responses=_ERRORS,
)
def get_delivery(delivery_id: DeliveryId, caller: ReaderDep, webhooks: Webhooks) -> DeliveryDetail:
    """One delivery: its state, its event and every attempt (status or error, duration)."""
    found = webhooks.delivery(caller.tenant_id, delivery_id)
    log = [AttemptOut.model_validate(a, from_attributes=True) for a in found.attempts]
    return DeliveryDetail(
        **delivery_out(found.delivery, found.event).model_dump(),
        event=event_out(found.event),
        attempt_log=log,
    )


@router.post(
    "/webhook-deliveries/{delivery_id}/retry",
    response_model=DeliveryOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Deliver again",
    responses=_ERRORS,
)
def retry_delivery(delivery_id: DeliveryId, caller: WriterDep, webhooks: Webhooks) -> DeliveryOut:
    """Queue a delivery again, now (a failed one, or a succeeded one to send it once more).
    It goes as soon as its endpoint's earlier deliveries are done; if it fails again it
    goes on with the attempts it has left, or fails at once if it used them all."""
    return delivery_out(*webhooks.retry(caller.tenant_id, delivery_id))
