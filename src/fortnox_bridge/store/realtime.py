"""Fortnox's WebSocket stream in the store: offsets per topic and the events accepted.

An event is *accepted* by one transaction that inserts its row (a second delivery of the same
event inserts nothing: the unique key of app, topic, Fortnox tenant and offset), moves the
topic's offset to it, and — in the caller's hands — makes its targeted read durable (queues the
job, or leaves the row itself as the work owed). So the offset never runs ahead of work that is
not yet safe, and a restart from the stored offset finds nothing missing.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import RealtimeEvent, RealtimeOffset


@dataclass(frozen=True)
class StreamEvent:
    """One event as Fortnox sends it (the fields the bridge keeps)."""

    topic: str
    offset: str
    type: str
    fortnox_tenant_id: int
    entity_id: str
    #: The extras of its type, sorted (a voucher's ``year``, ``series``, ``id``).
    extras: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> str:
        """What names the entity: its ``entityId``, or with extras the JSON of the event's
        ``entityId`` and extras (a voucher is named by year, series and number)."""
        if not self.extras:
            return self.entity_id
        return json.dumps({"entityId": self.entity_id, **dict(self.extras)}, sort_keys=True)


def entity_of(key: str) -> str | dict[str, Any]:
    """The inverse of :attr:`StreamEvent.key`: an ``entityId``, or the event's ``entityId``
    and extras."""
    if key.startswith("{"):
        found = json.loads(key)
        if isinstance(found, dict):
            return found
    return key


class RealtimeRepository:
    """Offsets and accepted events within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def offsets(self, app: str) -> dict[str, str]:
        """``{topic: last accepted offset}`` of the app's stream."""
        rows = self.session.execute(
            select(RealtimeOffset.topic, RealtimeOffset.offset).where(RealtimeOffset.app == app)
        )
        return {str(topic): str(offset) for topic, offset in rows}

    def accept(self, app: str, event: StreamEvent, tenant_id: int, *, now: datetime) -> bool:
        """Keep ``event`` of the bridge's tenant ``tenant_id`` and move its topic's offset to it;
        ``False`` (and nothing changed) when it was accepted before: a duplicate."""
        values = {
            "app": app,
            "topic": event.topic,
            "fortnox_tenant_id": event.fortnox_tenant_id,
            "offset": event.offset,
            "tenant_id": tenant_id,
            "type": event.type,
            "entity_id": event.key,
            "received_at": now,
        }
        dialect = postgresql if self._postgres else sqlite
        table = cast(Table, RealtimeEvent.__table__)
        statement = dialect.insert(table).values(values).on_conflict_do_nothing()
        inserted = self.session.execute(statement.returning(table.c.id)).first()
        if inserted is None:
            return False
        self.move_offset(app, event.topic, event.offset, now=now)
        return True

    def move_offset(self, app: str, topic: str, offset: str, *, now: datetime) -> None:
        """The topic's stream has been read up to ``offset``."""
        values = {"app": app, "topic": topic, "offset": offset, "updated_at": now}
        table = cast(Table, RealtimeOffset.__table__)
        if self._postgres:
            pg = postgresql.insert(table).values(values)
            statement: Any = pg.on_conflict_do_update(
                index_elements=["app", "topic"], set_={"offset": offset, "updated_at": now}
            )
        else:
            lite = sqlite.insert(table).values(values)
            statement = lite.on_conflict_do_update(
                index_elements=["app", "topic"], set_={"offset": offset, "updated_at": now}
            )
        self.session.execute(statement)

    def owed(self, app: str) -> list[RealtimeEvent]:
        """Accepted events of the app whose read has not run, oldest first."""
        return list(
            self.session.scalars(
                select(RealtimeEvent)
                .where(RealtimeEvent.app == app, RealtimeEvent.handled_at.is_(None))
                .order_by(RealtimeEvent.id)
            )
        )

    def handled(
        self, tenant_id: int, topic: str, entity_ids: Collection[str], *, until: datetime
    ) -> int:
        """Mark the tenant's events of these entities received up to ``until`` as read; how
        many."""
        done = cast(
            CursorResult[Any],
            self.session.execute(
                update(RealtimeEvent)
                .where(
                    RealtimeEvent.tenant_id == tenant_id,
                    RealtimeEvent.topic == topic,
                    RealtimeEvent.entity_id.in_(list(entity_ids)),
                    RealtimeEvent.handled_at.is_(None),
                    RealtimeEvent.received_at <= until,
                )
                .values(handled_at=until)
            ),
        )
        return done.rowcount

    def forget_before(self, before: datetime) -> int:
        """Drop read events received before ``before`` (Fortnox replays 14 days at most, so an
        older duplicate cannot come); how many."""
        dropped = cast(
            CursorResult[Any],
            self.session.execute(
                delete(RealtimeEvent).where(
                    RealtimeEvent.received_at < before, RealtimeEvent.handled_at.is_not(None)
                )
            ),
        )
        return dropped.rowcount

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"
