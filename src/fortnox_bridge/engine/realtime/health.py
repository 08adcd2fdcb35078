"""The health of the stream of Fortnox's WebSocket topics, as the scheduler needs it.

The listener marks its stream (:func:`mark_stream`): healthy once subscribed, again at least every
:data:`MARK_EVERY` while events or keep-alives arrive, and unhealthy when the connection drops or
is refused. The scheduler asks :func:`stream_healthy`: while it says yes, sweeps are the safety
net only and run on a stretched interval (the tenant's ``realtime_sweep_factor``). A healthy mark
older than :data:`FRESH` counts as unhealthy, so a listener that died silently gives the sweeps
back their normal interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.store.stream_health import StreamHealthRepository

#: How often a listener marks a healthy stream again.
MARK_EVERY = timedelta(seconds=30)
#: How long a healthy mark holds.
FRESH = timedelta(seconds=90)


def mark_stream(
    sessions: sessionmaker[Session], client_id: str, healthy: bool, now: datetime
) -> None:
    """The listener of Fortnox app ``client_id`` says its stream is healthy (or not) now."""
    with sessions.begin() as session:
        StreamHealthRepository(session).mark(client_id, healthy=healthy, now=now)


def stream_healthy(
    sessions: sessionmaker[Session], now: datetime, client_id: str | None = None
) -> bool:
    """Whether the stream (of ``client_id``; of any app when ``None``) is healthy: marked so
    within :data:`FRESH` of ``now``."""
    with sessions.begin() as session:
        marks = StreamHealthRepository(session).all()
    return any(
        mark.healthy
        and now - mark.marked_at <= FRESH
        and (client_id is None or mark.client_id == client_id)
        for mark in marks
    )
