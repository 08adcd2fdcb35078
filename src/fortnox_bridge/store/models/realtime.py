"""What the bridge keeps of Fortnox's WebSocket topics: where each topic's stream was read up
to, and every event accepted (so an event Fortnox delivers again is recognised)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fortnox_bridge.store.models.base import Base


class RealtimeOffset(Base):
    """The last accepted offset of a topic of a Fortnox app's stream (one connection per app)."""

    __tablename__ = "realtime_offsets"

    #: The Fortnox app's client id.
    app: Mapped[str] = mapped_column(String(200), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Fortnox's opaque offset string.
    offset: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]


class RealtimeEvent(Base):
    """One accepted event. The unique key makes a second delivery of it a no-op; ``handled_at``
    is set once its targeted read ran (still empty: the work is owed)."""

    __tablename__ = "realtime_events"
    __table_args__ = (UniqueConstraint("app", "topic", "fortnox_tenant_id", "offset"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(64))
    fortnox_tenant_id: Mapped[int] = mapped_column(Integer)
    offset: Mapped[str] = mapped_column(String(200))
    #: The bridge's tenant (no foreign key: an event outlives a removed tenant for a while).
    tenant_id: Mapped[int] = mapped_column(Integer, index=True)
    type: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None] = mapped_column(nullable=True)
