"""The tenant's event feed: what came from Fortnox and how pushed changes ended.

Events are numbered per tenant (``seq``). The number comes from an ``UPDATE ... RETURNING`` of the
tenant row, which keeps that row locked until the transaction ends (SQLite has one writer at a
time anyway), so events of one tenant commit in ``seq`` order: a reader that saw ``seq`` n never
later finds a new event below n, and a cursor of "the last ``seq`` I processed" never skips.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Event, Tenant


@dataclass(frozen=True)
class NewEvent:
    """One event to append."""

    type: str
    data: Mapping[str, Any] = field(default_factory=dict)
    entity_type: str | None = None
    external_id: str | None = None


class EventRepository:
    """Appends to and reads the event feed within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(
        self,
        tenant_id: int,
        type_: str,
        *,
        data: Mapping[str, Any],
        now: datetime,
        entity_type: str | None = None,
        external_id: str | None = None,
    ) -> Event:
        """Add one event at the end of the tenant's feed (visible when the session commits)."""
        (event,) = self.append_many(
            tenant_id, [NewEvent(type_, data, entity_type, external_id)], now=now
        )
        return event

    def append_many(self, tenant_id: int, new: Sequence[NewEvent], *, now: datetime) -> list[Event]:
        """Add events at the end of the tenant's feed in this order, numbered by one update
        of the tenant row however many there are."""
        if not new:
            return []
        last = self.session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(event_seq=Tenant.event_seq + len(new))
            .returning(Tenant.event_seq)
        ).scalar_one()
        events = [
            Event(
                tenant_id=tenant_id,
                seq=last - len(new) + number,
                type=entry.type,
                entity_type=entry.entity_type,
                external_id=entry.external_id,
                data=dict(entry.data),
                created_at=now,
            )
            for number, entry in enumerate(new, start=1)
        ]
        self.session.add_all(events)
        self.session.flush()
        return events

    def after(
        self, tenant_id: int, cursor: int, *, limit: int, types: frozenset[str] | None = None
    ) -> list[Event]:
        """Up to ``limit`` events with ``seq`` above ``cursor``, oldest first."""
        query = select(Event).where(Event.tenant_id == tenant_id, Event.seq > cursor)
        if types:
            query = query.where(Event.type.in_(sorted(types)))
        return list(self.session.scalars(query.order_by(Event.seq).limit(limit)))

    def last_seq(self, tenant_id: int) -> int:
        """The newest ``seq`` handed out for the tenant (0 when it has no events)."""
        value = self.session.scalar(select(Tenant.event_seq).where(Tenant.id == tenant_id))
        return int(value or 0)
