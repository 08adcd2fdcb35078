"""``/api/v1/webhooks`` and ``/api/v1/webhook-deliveries``: endpoints that receive the tenant's
events, signed, and the log of every delivery and attempt.

A signing secret (``whsec_...``) is shown when an endpoint is made and when it is rotated, and
never again; the bridge keeps it encrypted with its secret key. Reading needs any key of the
tenant, changing anything a ``read_write`` key. A URL whose host is (or resolves to) an internal
address is refused (422) unless the deployment allows its network (``webhook_allow_networks``);
deliveries check again on every attempt.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.auth import ReaderDep, WriterDep, not_found
from fortnox_bridge.api.events import event_out
from fortnox_bridge.api.paging import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    decode_cursor,
    encode_cursor,
    invalid,
)
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
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.outbox.events import TEST_EVENT
from fortnox_bridge.engine.outbox.outbound import OutboundPolicy, OutboundRefused
from fortnox_bridge.engine.outbox.webhook_endpoints import check_url, event_types
from fortnox_bridge.engine.outbox.webhook_secrets import EndpointSecrets, new_secret, rotate, seal
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import Event, WebhookDelivery, WebhookEndpoint
from fortnox_bridge.store.webhooks import WebhookRepository

#: How many endpoints one tenant may register.
MAX_ENDPOINTS = 25
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
_NO_CIPHER = HTTPException(
    503,
    {
        "error": "no_secret_key",
        "detail": "this API runs without the bridge's secret key, so it cannot keep webhook "
        "secrets; run it with 'fortnox-bridge serve' (or pass cipher= to create_app)",
    },
)
_ERRORS: dict[int | str, dict[str, Any]] = {404: {"description": "No such endpoint or delivery"}}


def outbound_policy(settings: Settings) -> OutboundPolicy:
    """Where webhook receivers may be: public addresses, and the networks the settings allow;
    never the bridge's own port."""
    return OutboundPolicy.of(settings.webhook_allow_networks, own_port=settings.port)


def _checked_url(url: str, policy: OutboundPolicy) -> str:
    try:
        check_url(url)
    except ValueError as exc:
        raise invalid(("body", "url"), str(exc), "invalid_webhook_url", url) from None
    try:
        policy.check_url(url)
    except OutboundRefused as exc:
        raise invalid(("body", "url"), str(exc), "forbidden_webhook_address", url) from None
    return url


def _checked_types(requested: list[str]) -> list[str]:
    try:
        return event_types(requested)
    except ValueError as exc:
        raise invalid(("body", "event_types"), str(exc), "unknown_event_type", requested) from None


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


def _cursor_id(cursor: str | None) -> int | None:
    position = decode_cursor(cursor)
    if position is None or (isinstance(position, int) and not isinstance(position, bool)):
        return position
    raise invalid(
        ("query", "cursor"),
        "not a cursor of this list: pass next_cursor of the previous page unchanged, or leave "
        "it out to start again",
        "invalid_cursor",
        cursor,
    )


def webhooks_router(
    sessions: sessionmaker[Session], cipher: TokenCipher | None, policy: OutboundPolicy
) -> APIRouter:
    """The routes; ``cipher`` encrypts signing secrets (without it, none can be made),
    ``policy`` decides which receiver addresses may be registered."""
    router = APIRouter(prefix="/api/v1", tags=["webhooks"])

    def owned(session: Session, tenant_id: int, webhook_id: int) -> WebhookEndpoint:
        endpoint = WebhookRepository(session).get(tenant_id, webhook_id)
        if endpoint is None:
            raise not_found(f"no webhook endpoint {webhook_id}")
        return endpoint

    @router.post(
        "/webhooks",
        response_model=WebhookWithSecret,
        status_code=status.HTTP_201_CREATED,
        summary="Register an endpoint (its secret is shown once)",
        responses={409: {"description": "Too many endpoints"}, 503: {"description": "No key"}},
    )
    def create_webhook(request: Request, body: WebhookIn, caller: WriterDep) -> WebhookWithSecret:
        """Register a URL that receives the tenant's events of the chosen types, signed."""
        url, types = _checked_url(body.url, policy), _checked_types(body.event_types)
        if cipher is None:
            raise _NO_CIPHER
        secret = new_secret()
        with sessions.begin() as session:
            repo = WebhookRepository(session)
            if repo.count(caller.tenant_id) >= MAX_ENDPOINTS:
                raise HTTPException(
                    409,
                    {
                        "error": "too_many_webhooks",
                        "detail": f"a tenant may register at most {MAX_ENDPOINTS} endpoints; "
                        "delete one it no longer needs, or subscribe one endpoint to more types",
                    },
                )
            endpoint = repo.create(
                caller.tenant_id,
                url=url,
                event_types=types,
                description=body.description,
                secret_ciphertext=seal(cipher, EndpointSecrets(secret)),
                now=request.app.state.clock.now(),
            )
            return WebhookWithSecret(**webhook_out(endpoint).model_dump(), secret=secret)

    @router.get("/webhooks", response_model=Page[WebhookOut], summary="The endpoints")
    def list_webhooks(
        caller: ReaderDep, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> Page[WebhookOut]:
        """The tenant's endpoints, oldest first."""
        after = _cursor_id(cursor) or 0
        with sessions.begin() as session:
            rows = WebhookRepository(session).page(
                caller.tenant_id, after_id=after, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return Page[WebhookOut](
            data=[webhook_out(row) for row in rows],
            next_cursor=encode_cursor(rows[-1].id) if more else None,
        )

    @router.get(
        "/webhooks/{webhook_id}",
        response_model=WebhookOut,
        summary="One endpoint",
        responses=_ERRORS,
    )
    def get_webhook(webhook_id: WebhookId, caller: ReaderDep) -> WebhookOut:
        """One endpoint (without its secret)."""
        with sessions.begin() as session:
            return webhook_out(owned(session, caller.tenant_id, webhook_id))

    @router.patch(
        "/webhooks/{webhook_id}",
        response_model=WebhookOut,
        summary="Change an endpoint",
        responses=_ERRORS,
    )
    def patch_webhook(
        request: Request, webhook_id: WebhookId, body: WebhookPatch, caller: WriterDep
    ) -> WebhookOut:
        """Change the URL, the event types, the description, or pause and resume deliveries."""
        url = _checked_url(body.url, policy) if body.url is not None else None
        types = _checked_types(body.event_types) if body.event_types is not None else None
        with sessions.begin() as session:
            endpoint = owned(session, caller.tenant_id, webhook_id)
            if url is not None:
                endpoint.url = url
            if types is not None:
                endpoint.event_types = types
            if body.description is not None:
                endpoint.description = body.description
            if body.active is not None:
                endpoint.active = body.active
            endpoint.updated_at = request.app.state.clock.now()
            session.flush()
            return webhook_out(endpoint)

    @router.delete(
        "/webhooks/{webhook_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        summary="Delete an endpoint and its delivery log",
        responses=_ERRORS,
    )
    def delete_webhook(webhook_id: WebhookId, caller: WriterDep) -> Response:
        """Stop deliveries to an endpoint for good; its delivery log goes with it."""
        with sessions.begin() as session:
            WebhookRepository(session).delete(owned(session, caller.tenant_id, webhook_id))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/webhooks/{webhook_id}/rotate-secret",
        response_model=WebhookWithSecret,
        summary="A new signing secret (shown once)",
        responses={**_ERRORS, 503: {"description": "No key"}},
    )
    def rotate_secret(
        request: Request,
        webhook_id: WebhookId,
        caller: WriterDep,
        overlap_hours: OverlapHours = 24,
    ) -> WebhookWithSecret:
        """Replace the endpoint's secret; the old one keeps signing beside it for
        ``overlap_hours``, so the receiver can switch without rejecting a delivery."""
        now = request.app.state.clock.now()
        with sessions.begin() as session:
            endpoint = owned(session, caller.tenant_id, webhook_id)
            if cipher is None:
                raise _NO_CIPHER
            secret, sealed, until = rotate(
                cipher, endpoint.secret_ciphertext, now=now, overlap=timedelta(hours=overlap_hours)
            )
            endpoint.secret_ciphertext, endpoint.updated_at = sealed, now
            session.flush()
            return WebhookWithSecret(
                **webhook_out(endpoint).model_dump(),
                secret=secret,
                previous_secret_expires_at=until,
            )

    @router.post(
        "/webhooks/{webhook_id}/test",
        response_model=EventOut,
        status_code=status.HTTP_202_ACCEPTED,
        summary="Send a webhook.test event to this endpoint",
        responses={**_ERRORS, 409: {"description": "The endpoint is paused"}},
    )
    def test_webhook(request: Request, webhook_id: WebhookId, caller: WriterDep) -> EventOut:
        """Queue a ``webhook.test`` event for this endpoint only (it also shows in the feed)."""
        with sessions.begin() as session:
            endpoint = owned(session, caller.tenant_id, webhook_id)
            if not endpoint.active:
                raise HTTPException(
                    409,
                    {
                        "error": "webhook_paused",
                        "detail": f"webhook endpoint {webhook_id} is paused; activate it "
                        '(PATCH {"active": true}) to receive the test',
                    },
                )
            event = EventRepository(session).append(
                caller.tenant_id,
                TEST_EVENT,
                data={"webhook_id": endpoint.id, "url": endpoint.url},
                now=request.app.state.clock.now(),
            )
            return event_out(event)

    @router.get(
        "/webhooks/{webhook_id}/deliveries",
        response_model=Page[DeliveryOut],
        summary="The endpoint's delivery log, newest first",
        responses=_ERRORS,
    )
    def list_deliveries(
        webhook_id: WebhookId,
        caller: ReaderDep,
        status: DeliveryStatus = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[DeliveryOut]:
        """Deliveries to the endpoint, newest first, optionally of one state."""
        before = _cursor_id(cursor)
        with sessions.begin() as session:
            owned(session, caller.tenant_id, webhook_id)
            rows = WebhookRepository(session).deliveries(
                webhook_id, status=status, before_id=before, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return Page[DeliveryOut](
            data=[delivery_out(delivery, event) for delivery, event in rows],
            next_cursor=encode_cursor(rows[-1][0].id) if more else None,
        )

    @router.get(
        "/webhook-deliveries/{delivery_id}",
        response_model=DeliveryDetail,
        summary="One delivery with its event and attempts",
        responses=_ERRORS,
    )
    def get_delivery(delivery_id: DeliveryId, caller: ReaderDep) -> DeliveryDetail:
        """One delivery: its state, its event and every attempt (status or error, duration)."""
        with sessions.begin() as session:
            repo = WebhookRepository(session)
            found = repo.delivery(caller.tenant_id, delivery_id)
            if found is None:
                raise not_found(f"no webhook delivery {delivery_id}")
            delivery, event = found
            log = [
                AttemptOut.model_validate(a, from_attributes=True)
                for a in repo.attempts(delivery_id)
            ]
        return DeliveryDetail(
            **delivery_out(delivery, event).model_dump(), event=event_out(event), attempt_log=log
        )

    @router.post(
        "/webhook-deliveries/{delivery_id}/retry",
        response_model=DeliveryOut,
        status_code=status.HTTP_202_ACCEPTED,
        summary="Deliver again",
        responses=_ERRORS,
    )
    def retry_delivery(request: Request, delivery_id: DeliveryId, caller: WriterDep) -> DeliveryOut:
        """Queue a delivery again, now (a failed one, or a succeeded one to send it once more).
        It goes as soon as its endpoint's earlier deliveries are done; if it fails again it
        goes on with the attempts it has left, or fails at once if it used them all."""
        with sessions.begin() as session:
            repo = WebhookRepository(session)
            found = repo.delivery(caller.tenant_id, delivery_id)
            if found is None:
                raise not_found(f"no webhook delivery {delivery_id}")
            delivery, event = found
            repo.requeue(delivery, now=request.app.state.clock.now())
            return delivery_out(delivery, event)

    return router
