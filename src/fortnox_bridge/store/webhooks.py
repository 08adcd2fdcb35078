"""Webhook endpoints, their deliveries (one per endpoint and event) and the attempt log.

A delivery is *open* while ``pending`` or ``retrying``. An endpoint receives its events in feed
order: only its open delivery with the lowest event ``seq`` (its *head*) may be attempted, so a
later event never overtakes one that is still being retried.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import (
    Event,
    Tenant,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

OPEN_STATUSES = ("pending", "retrying")
DELIVERY_STATUSES = ("pending", "retrying", "succeeded", "failed")


@dataclass(frozen=True)
class Head:
    """The next delivery of one endpoint, with the endpoint and the event."""

    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    event: Event


class WebhookRepository:
    """Reads and writes webhook endpoints, deliveries and attempts within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- endpoints ------------------------------------------------------------------------------

    def create(
        self,
        tenant_id: int,
        *,
        url: str,
        event_types: Sequence[str],
        description: str,
        secret_ciphertext: str,
        now: datetime,
    ) -> WebhookEndpoint:
        """Register an endpoint (active)."""
        endpoint = WebhookEndpoint(
            tenant_id=tenant_id,
            url=url,
            event_types=list(event_types),
            description=description,
            secret_ciphertext=secret_ciphertext,
            active=True,
            created_at=now,
            updated_at=now,
        )
        self.session.add(endpoint)
        self.session.flush()
        return endpoint

    def get(self, tenant_id: int, webhook_id: int) -> WebhookEndpoint | None:
        """One endpoint of the tenant."""
        endpoint = self.session.get(WebhookEndpoint, webhook_id)
        return endpoint if endpoint is not None and endpoint.tenant_id == tenant_id else None

    def page(self, tenant_id: int, *, after_id: int, limit: int) -> list[WebhookEndpoint]:
        """Up to ``limit`` endpoints of the tenant with an id above ``after_id``, by id."""
        return list(
            self.session.scalars(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.id > after_id)
                .order_by(WebhookEndpoint.id)
                .limit(limit)
            )
        )

    def count(self, tenant_id: int) -> int:
        """How many endpoints the tenant has."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(WebhookEndpoint)
                .where(WebhookEndpoint.tenant_id == tenant_id)
            )
            or 0
        )

    def delete(self, endpoint: WebhookEndpoint) -> None:
        """Remove an endpoint with its deliveries and their attempts (the database cascades)."""
        self.session.delete(endpoint)
        self.session.flush()

    def active(self) -> list[WebhookEndpoint]:
        """Every active endpoint of every tenant, by id."""
        return list(
            self.session.scalars(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.active.is_(True))
                .order_by(WebhookEndpoint.id)
            )
        )

    # -- fan-out --------------------------------------------------------------------------------

    def last_seqs(self, tenant_ids: Iterable[int]) -> dict[int, int]:
        """The newest event ``seq`` of each tenant."""
        ids = sorted(set(tenant_ids))
        if not ids:
            return {}
        rows = self.session.execute(
            select(Tenant.id, Tenant.event_seq).where(Tenant.id.in_(ids))
        ).all()
        return {int(tenant_id): int(seq or 0) for tenant_id, seq in rows}

    def fanout_position(self, endpoint: WebhookEndpoint) -> int:
        """The ``seq`` after which the endpoint's events still have to be fanned out.

        That is the newest event it already has a delivery for; for an endpoint without any,
        the newest event created before the endpoint was registered (it receives events from
        its registration on).
        """
        delivered = self.session.scalar(
            select(func.max(Event.seq))
            .join(WebhookDelivery, WebhookDelivery.event_id == Event.id)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        if delivered is not None:
            return int(delivered)
        before = self.session.scalar(
            select(func.max(Event.seq)).where(
                Event.tenant_id == endpoint.tenant_id, Event.created_at < endpoint.created_at
            )
        )
        return int(before or 0)

    def add_deliveries(
        self, endpoint: WebhookEndpoint, event_ids: Sequence[int], *, now: datetime
    ) -> None:
        """A pending delivery of each event to the endpoint; events it already has are skipped
        (the unique constraint), so fanning out the same events twice is harmless."""
        if not event_ids:
            return
        rows = [
            {
                "tenant_id": endpoint.tenant_id,
                "endpoint_id": endpoint.id,
                "event_id": event_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for event_id in event_ids
        ]
        insert = (
            postgresql_insert
            if self.session.get_bind().dialect.name == "postgresql"
            else sqlite_insert
        )
        statement = insert(WebhookDelivery).values(rows)
        self.session.execute(
            statement.on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
        )

    # -- delivery -------------------------------------------------------------------------------

    def heads(self, endpoint_id: int | None = None) -> list[Head]:
        """The head (oldest open delivery) of every active endpoint, or of one endpoint."""
        is_open = WebhookDelivery.status.in_(OPEN_STATUSES)
        first = select(WebhookDelivery.endpoint_id, func.min(Event.seq).label("seq")).join(
            Event, Event.id == WebhookDelivery.event_id
        )
        if endpoint_id is not None:
            first = first.where(WebhookDelivery.endpoint_id == endpoint_id)
        oldest = first.where(is_open).group_by(WebhookDelivery.endpoint_id).subquery()
        rows = self.session.execute(
            select(WebhookDelivery, WebhookEndpoint, Event)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .join(
                oldest,
                and_(
                    oldest.c.endpoint_id == WebhookDelivery.endpoint_id, oldest.c.seq == Event.seq
                ),
            )
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(is_open, WebhookEndpoint.active.is_(True))
            .order_by(WebhookDelivery.endpoint_id)
        )
        return [Head(delivery, endpoint, event) for delivery, endpoint, event in rows]

    def claim(self, delivery: WebhookDelivery, *, until: datetime, now: datetime) -> int | None:
        """Take the next attempt of an open delivery; returns its number, or ``None`` when
        another worker took it first. Until ``until`` nobody else takes it (a worker that dies
        mid-attempt only delays the delivery)."""
        attempt = delivery.attempts + 1
        taken = self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery.id,
                WebhookDelivery.attempts == delivery.attempts,
                WebhookDelivery.status.in_(OPEN_STATUSES),
            )
            .values(attempts=attempt, next_attempt_at=until, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return attempt if taken.rowcount == 1 else None  # type: ignore[attr-defined]

    def finish(
        self,
        delivery_id: int,
        *,
        attempt: int,
        at: datetime,
        status: str,
        status_code: int | None,
        error: str | None,
        duration_ms: int,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> None:
        """Log one attempt and move its delivery to ``status``."""
        self.session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                attempt=attempt,
                at=at,
                status_code=status_code,
                error=error,
                duration_ms=duration_ms,
            )
        )
        values: dict[str, object] = {
            "status": status,
            "next_attempt_at": next_attempt_at,
            "last_status_code": status_code,
            "last_error": error,
            "last_duration_ms": duration_ms,
            "updated_at": now,
        }
        if status == "succeeded":
            values["delivered_at"] = now
        self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        self.session.flush()

    # -- the delivery log -----------------------------------------------------------------------

    def deliveries(
        self,
        endpoint_id: int,
        *,
        status: str | None,
        before_id: int | None,
        limit: int,
    ) -> list[tuple[WebhookDelivery, Event]]:
        """An endpoint's deliveries, newest first, optionally of one status."""
        query = (
            select(WebhookDelivery, Event)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
        )
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        if before_id is not None:
            query = query.where(WebhookDelivery.id < before_id)
        rows = self.session.execute(query.order_by(WebhookDelivery.id.desc()).limit(limit))
        return [(delivery, event) for delivery, event in rows]

    def delivery(self, tenant_id: int, delivery_id: int) -> tuple[WebhookDelivery, Event] | None:
        """One delivery of the tenant, with its event."""
        row = self.session.execute(
            select(WebhookDelivery, Event)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.tenant_id == tenant_id)
        ).first()
        return (row[0], row[1]) if row is not None else None

    def attempts(self, delivery_id: int) -> list[WebhookAttempt]:
        """The attempts of a delivery, first first."""
        return list(
            self.session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == delivery_id)
                .order_by(WebhookAttempt.attempt, WebhookAttempt.id)
            )
        )

    def requeue(self, delivery: WebhookDelivery, *, now: datetime) -> None:
        """Attempt a delivery again as soon as it is its endpoint's turn."""
        delivery.status = "pending"
        delivery.next_attempt_at = now
        delivery.updated_at = now
        self.session.flush()
