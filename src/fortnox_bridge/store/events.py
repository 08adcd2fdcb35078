"""The tenant's event feed: what came from Fortnox and how pushed changes ended.

Events are numbered per tenant (``seq``). The number comes from an ``UPDATE ... RETURNING`` of the
tenant row, which keeps that row locked until the transaction ends (SQLite has one writer at a
time anyway), so events of one tenant commit in ``seq`` order: a reader that saw ``seq`` n never
later finds a new event below n, and a cursor of "the last ``seq`` I processed" never skips.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Event, Tenant


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
        seq = self.session.execute(
            update(Tenant)
            .where(Tenant.id == tenant_id)
            .values(event_seq=Tenant.event_seq + 1)
            .returning(Tenant.event_seq)
        ).scalar_one()
        event = Event(
            tenant_id=tenant_id,
            seq=seq,
            type=type_,
            entity_type=entity_type,
            external_id=external_id,
            data=dict(data),
            created_at=now,
        )
        self.session.add(event)
        self.session.flush()
        return event

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
