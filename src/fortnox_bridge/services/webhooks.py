"""Webhook endpoints of a tenant (registered, changed, paused, their secrets rotated, tested)
and the log of their deliveries (read, retried).

A signing secret (``whsec_...``) is handed out when an endpoint is made and when it is rotated,
and never again; the bridge keeps it encrypted with its secret key. A URL whose host is (or
resolves to) an internal address is refused unless the deployment allows its network
(``webhook_allow_networks``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.outbox.events import TEST_EVENT
from fortnox_bridge.engine.outbox.outbound import OutboundPolicy, OutboundRefused
from fortnox_bridge.engine.outbox.webhook_endpoints import check_url, event_types
from fortnox_bridge.engine.outbox.webhook_secrets import EndpointSecrets, new_secret, rotate, seal
from fortnox_bridge.engine.outbox.webhooks import WebhookWorker
from fortnox_bridge.engine.tenancy.crypto import TokenCipher
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, Unavailable
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.paging import decode_cursor, encode_cursor
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from fortnox_bridge.store.webhooks import WebhookRepository

__all__ = [
    "MAX_ENDPOINTS",
    "Event",
    "TestDelivery",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookService",
    "outbound_policy",
]

#: How many endpoints one tenant may register.
MAX_ENDPOINTS = 25
#: How often a test sent now looks whether another worker finished its delivery.
TEST_POLL_SECONDS = 0.2


def outbound_policy(settings: Settings) -> OutboundPolicy:
    """Where webhook receivers may be: public addresses, and the networks the settings allow;
    never the bridge's own port."""
    return OutboundPolicy.of(settings.webhook_allow_networks, own_port=settings.port)


@dataclass(frozen=True)
class WithSecret:
    """An endpoint and its new signing secret (shown this once); after a rotation, until when
    the previous secret still signs."""

    endpoint: WebhookEndpoint
    secret: str
    previous_until: datetime | None = None


@dataclass(frozen=True)
class DeliveryDetail:
    """A delivery, its event and every attempt."""

    delivery: WebhookDelivery
    event: Event
    attempts: list[WebhookAttempt]


@dataclass(frozen=True)
class TestDelivery:
    """A ``webhook.test`` event sent now and its delivery as it stands afterwards (``None``:
    not made yet)."""

    event: Event
    delivery: WebhookDelivery | None

    @property
    def answered(self) -> bool:
        """Whether an attempt finished (the receiver's status code or the error is on the
        delivery); a fresh delivery stays ``pending`` until then."""
        return self.delivery is not None and self.delivery.status != "pending"

    @property
    def in_flight(self) -> bool:
        """Whether a worker has taken the delivery and not finished its attempt yet."""
        return self.delivery is not None and not self.answered and self.delivery.attempts > 0


class WebhookService:
    """The webhook endpoints and deliveries of the bridge's tenants."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, hooks: EngineHooks, settings: Settings
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hooks = hooks
        self.settings = settings

    @property
    def policy(self) -> OutboundPolicy:
        """Which receiver addresses may be registered."""
        return self.hooks.outbound or outbound_policy(self.settings)

    def _cipher(self) -> TokenCipher:
        if self.hooks.cipher is None:
            raise Unavailable(
                "this API runs without the bridge's secret key, so it cannot keep webhook "
                "secrets; run it with 'fortnox-bridge serve' (or pass cipher= to create_app)",
                code="no_secret_key",
            )
        return self.hooks.cipher

    def checked_url(self, url: str) -> str:
        """``url`` if a receiver may be there; :class:`InvalidInput` (``body.url``) if not."""
        try:
            check_url(url)
        except ValueError as exc:
            raise _bad("url", str(exc), "invalid_webhook_url", url) from None
        try:
            self.policy.check_url(url)
        except OutboundRefused as exc:
            raise _bad("url", str(exc), "forbidden_webhook_address", url) from None
        return url

    @staticmethod
    def checked_types(requested: list[str]) -> list[str]:
        """The event types, checked (``*`` and ``family.*`` allowed)."""
        try:
            return event_types(requested)
        except ValueError as exc:
            raise _bad("event_types", str(exc), "unknown_event_type", requested) from None

    def create(self, tenant_id: int, url: str, types: list[str], description: str) -> WithSecret:
        """Register an endpoint (at most :data:`MAX_ENDPOINTS` per tenant)."""
        url, types = self.checked_url(url), self.checked_types(types)
        cipher = self._cipher()
        secret = new_secret()
        with self.sessions.begin() as session:
            repo = WebhookRepository(session)
            if repo.count(tenant_id) >= MAX_ENDPOINTS:
                raise Conflict(
                    f"a tenant may register at most {MAX_ENDPOINTS} endpoints; delete one it no "
                    "longer needs, or subscribe one endpoint to more types",
                    code="too_many_webhooks",
                )
            endpoint = repo.create(
                tenant_id,
                url=url,
                event_types=types,
                description=description,
                secret_ciphertext=seal(cipher, EndpointSecrets(secret)),
                now=self.clock.now(),
            )
        return WithSecret(endpoint, secret)

    def page(
        self, tenant_id: int, *, cursor: str | None, limit: int
    ) -> tuple[list[WebhookEndpoint], str | None]:
        """One page of the tenant's endpoints, oldest first."""
        after = _cursor_id(cursor) or 0
        with self.sessions.begin() as session:
            rows = WebhookRepository(session).page(tenant_id, after_id=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].id) if more else None

    def all(self, tenant_id: int) -> list[WebhookEndpoint]:
        """Every endpoint of the tenant, oldest first."""
        with self.sessions.begin() as session:
            return WebhookRepository(session).page(tenant_id, after_id=0, limit=MAX_ENDPOINTS)

    def get(self, tenant_id: int, webhook_id: int) -> WebhookEndpoint:
        """One endpoint of the tenant; 404 otherwise."""
        with self.sessions.begin() as session:
            return _owned(session, tenant_id, webhook_id)

    def change(
        self,
        tenant_id: int,
        webhook_id: int,
        *,
        url: str | None = None,
        types: list[str] | None = None,
        description: str | None = None,
        active: bool | None = None,
    ) -> WebhookEndpoint:
        """Change what is given (``None``: as it is)."""
        url = self.checked_url(url) if url is not None else None
        types = self.checked_types(types) if types is not None else None
        with self.sessions.begin() as session:
            endpoint = _owned(session, tenant_id, webhook_id)
            if url is not None:
                endpoint.url = url
            if types is not None:
                endpoint.event_types = types
            if description is not None:
                endpoint.description = description
            if active is not None:
                endpoint.active = active
            endpoint.updated_at = self.clock.now()
            session.flush()
        return endpoint

    def delete(self, tenant_id: int, webhook_id: int) -> None:
        """Delete an endpoint and its delivery log."""
        with self.sessions.begin() as session:
            WebhookRepository(session).delete(_owned(session, tenant_id, webhook_id))

    def rotate_secret(self, tenant_id: int, webhook_id: int, overlap_hours: int) -> WithSecret:
        """A new secret; the old one keeps signing beside it for ``overlap_hours``."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            endpoint = _owned(session, tenant_id, webhook_id)
            secret, sealed, until = rotate(
                self._cipher(),
                endpoint.secret_ciphertext,
                now=now,
                overlap=timedelta(hours=overlap_hours),
            )
            endpoint.secret_ciphertext, endpoint.updated_at = sealed, now
            session.flush()
        return WithSecret(endpoint, secret, until)

    def send_test(self, tenant_id: int, webhook_id: int) -> Event:
        """Queue a ``webhook.test`` event for this endpoint only (409 while it is paused)."""
        with self.sessions.begin() as session:
            endpoint = _owned(session, tenant_id, webhook_id)
            if not endpoint.active:
                raise Conflict(
                    f"webhook endpoint {webhook_id} is paused; activate it "
                    '(PATCH {"active": true}) to receive the test',
                    code="webhook_paused",
                )
            return EventRepository(session).append(
                tenant_id,
                TEST_EVENT,
                data={"webhook_id": endpoint.id, "url": endpoint.url},
                now=self.clock.now(),
            )

    async def send_test_now(self, tenant_id: int, webhook_id: int) -> TestDelivery:
        """Queue a ``webhook.test`` event for this endpoint and deliver it at once, signed and
        through the pinned transport as every delivery (the endpoint's earlier deliveries that
        are due go first). When another worker took the delivery, wait for its attempt (at most
        the receiver's timeout and a little more); one waiting behind an earlier delivery that
        is not due is left to the worker."""
        cipher = self._cipher()
        event = self.send_test(tenant_id, webhook_id)
        worker = WebhookWorker(
            self.sessions,
            cipher,
            self.clock,
            max_attempts=self.settings.webhook_max_attempts,
            timeout=self.settings.webhook_timeout_seconds,
            sleep=asyncio.sleep,
            policy=self.policy,
        )
        try:
            await worker.deliver_now(webhook_id)
        finally:
            await worker.aclose()
        sleep = self.hooks.sleep or asyncio.sleep
        looks = int((self.settings.webhook_timeout_seconds + 2) / TEST_POLL_SECONDS)
        found = self._test_delivery(tenant_id, webhook_id, event)
        while found.in_flight and looks > 0:
            await sleep(TEST_POLL_SECONDS)
            looks -= 1
            found = self._test_delivery(tenant_id, webhook_id, event)
        return found

    def _test_delivery(self, tenant_id: int, webhook_id: int, event: Event) -> TestDelivery:
        rows, _ = self.deliveries(tenant_id, webhook_id, status=None, cursor=None, limit=10)
        found = next((d for d, e in rows if e.id == event.id), None)
        return TestDelivery(event, found)

    def deliveries(
        self,
        tenant_id: int,
        webhook_id: int,
        *,
        status: str | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[list[tuple[WebhookDelivery, Event]], str | None]:
        """One page of the endpoint's deliveries, newest first (of one state, when given)."""
        before = _cursor_id(cursor)
        with self.sessions.begin() as session:
            _owned(session, tenant_id, webhook_id)
            rows = WebhookRepository(session).deliveries(
                webhook_id, status=status, before_id=before, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1][0].id) if more else None

    def delivery(self, tenant_id: int, delivery_id: int) -> DeliveryDetail:
        """One delivery with its event and attempts; 404 otherwise."""
        with self.sessions.begin() as session:
            repo = WebhookRepository(session)
            delivery, event = _delivery(repo, tenant_id, delivery_id)
            return DeliveryDetail(delivery, event, list(repo.attempts(delivery_id)))

    def retry(self, tenant_id: int, delivery_id: int) -> tuple[WebhookDelivery, Event]:
        """Queue a delivery again, now."""
        with self.sessions.begin() as session:
            repo = WebhookRepository(session)
            delivery, event = _delivery(repo, tenant_id, delivery_id)
            repo.requeue(delivery, now=self.clock.now())
            return delivery, event


def _owned(session: Session, tenant_id: int, webhook_id: int) -> WebhookEndpoint:
    endpoint = WebhookRepository(session).get(tenant_id, webhook_id)
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {webhook_id}")
    return endpoint


def _delivery(
    repo: WebhookRepository, tenant_id: int, delivery_id: int
) -> tuple[WebhookDelivery, Event]:
    found = repo.delivery(tenant_id, delivery_id)
    if found is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    return found


def _bad(field: str, message: str, code: str, value: object) -> InvalidInput:
    return InvalidInput(message, code=code, field=("body", field), value=value)


def _cursor_id(cursor: str | None) -> int | None:
    position = decode_cursor(cursor)
    if position is None or (isinstance(position, int) and not isinstance(position, bool)):
        return position
    raise InvalidInput(
        "not a cursor of this list: pass next_cursor of the previous page unchanged, or leave "
        "it out to start again",
        code="invalid_cursor",
        field=("query", "cursor"),
        value=cursor,
    )
