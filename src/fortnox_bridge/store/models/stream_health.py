"""Whether the stream of Fortnox's WebSocket topics is flowing, as its listener last said."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from fortnox_bridge.store.models.base import Base


class StreamHealth(Base):
    """One listener connection (one Fortnox app, by client id) and its last reported state."""

    __tablename__ = "stream_health"

    client_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: Subscribed and receiving (``False``: connecting, dropped, refused).
    healthy: Mapped[bool] = mapped_column(Boolean)
    #: When the listener last said so (a healthy mark older than the freshness limit is stale).
    marked_at: Mapped[datetime]
    #: When ``healthy`` last changed.
    changed_at: Mapped[datetime]
