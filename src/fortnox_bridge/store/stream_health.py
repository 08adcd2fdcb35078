"""The listener's marks of its stream's health (``stream_health``): one row per Fortnox app."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import StreamHealth


class StreamHealthRepository:
    """Reads and writes the stream marks within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def mark(self, client_id: str, *, healthy: bool, now: datetime) -> None:
        """The stream of ``client_id`` is healthy (or not) as of ``now``."""
        row = self.session.get(StreamHealth, client_id)
        if row is None:
            self.session.add(
                StreamHealth(client_id=client_id, healthy=healthy, marked_at=now, changed_at=now)
            )
            self.session.flush()
            return
        if row.healthy != healthy:
            row.healthy, row.changed_at = healthy, now
        row.marked_at = now

    def all(self) -> list[StreamHealth]:
        """Every stream's last mark."""
        return list(self.session.scalars(select(StreamHealth).order_by(StreamHealth.client_id)))
