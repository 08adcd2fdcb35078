"""The stream of Fortnox's WebSocket topics as users see it, one per Fortnox app: connected or
not and since when, how far the reads lag behind per topic, the events of the last minute, and
whether the sweeps are stretched (``GET /api/v1/status``, the admin UI's tenant list).

Everything is read from the store, which the listener writes (its health marks, its offsets,
the events it accepted), so any process answers, not only the one that holds the stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.realtime.health import FRESH
from fortnox_bridge.store.models import Connection, RealtimeEvent, RealtimeOffset, StreamHealth

#: The window of :attr:`StreamStatus.events_last_minute`.
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class StreamStatus:
    """One Fortnox app's stream."""

    #: The Fortnox app's client id (one connection for all its tenants).
    app: str
    #: Subscribed and receiving, as the listener said within the freshness limit.
    connected: bool
    #: When the stream became connected (or stopped being so).
    since: datetime
    #: When the listener last said how the stream is.
    marked_at: datetime
    #: Per topic listened to: seconds the oldest event not yet read has waited (0: none waits).
    lag_seconds: dict[str, float]
    #: Events accepted in the last minute.
    events_last_minute: int


@dataclass(frozen=True)
class StreamsOverview:
    """Every app's stream, and whether the sweeps run stretched because of them."""

    streams: list[StreamStatus]
    #: The scheduler multiplies each tenant's sweep interval by its factor while this holds.
    sweeps_stretched: bool

    def of_app(self, app: str | None) -> StreamsOverview:
        """Only the stream of ``app`` (none when ``None``)."""
        return StreamsOverview([s for s in self.streams if s.app == app], self.sweeps_stretched)


class StreamStatusService:
    """Reads the streams' state."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def overview(self) -> StreamsOverview:
        """Every stream the listeners reported, by app."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            marks = list(session.scalars(select(StreamHealth).order_by(StreamHealth.client_id)))
            lags = _lags(session, now)
            recent = _recent(session, now - MINUTE)
        streams = [
            StreamStatus(
                app=mark.client_id,
                connected=_fresh(mark, now),
                since=mark.changed_at,
                marked_at=mark.marked_at,
                lag_seconds=lags.get(mark.client_id, {}),
                events_last_minute=recent.get(mark.client_id, 0),
            )
            for mark in marks
        ]
        return StreamsOverview(streams, any(s.connected for s in streams))

    def for_tenant(self, tenant_id: int) -> StreamsOverview:
        """The stream of the Fortnox app the tenant is connected through."""
        with self.sessions.begin() as session:
            app = session.scalar(
                select(Connection.client_id).where(Connection.tenant_id == tenant_id)
            )
        return self.overview().of_app(app)


def _fresh(mark: StreamHealth, now: datetime) -> bool:
    return bool(mark.healthy) and now - _aware(mark.marked_at, now) <= FRESH


def _aware(when: datetime, now: datetime) -> datetime:
    """SQLite gives back naive times; they were written in the clock's zone."""
    return when.replace(tzinfo=now.tzinfo) if when.tzinfo is None else when


def _lags(session: Session, now: datetime) -> dict[str, dict[str, float]]:
    topics = session.execute(select(RealtimeOffset.app, RealtimeOffset.topic)).all()
    lags: dict[str, dict[str, float]] = {}
    for app, topic in topics:
        lags.setdefault(str(app), {})[str(topic)] = 0.0
    waiting = session.execute(
        select(RealtimeEvent.app, RealtimeEvent.topic, func.min(RealtimeEvent.received_at))
        .where(RealtimeEvent.handled_at.is_(None))
        .group_by(RealtimeEvent.app, RealtimeEvent.topic)
    ).all()
    for app, topic, oldest in waiting:
        seconds = max((now - _aware(oldest, now)).total_seconds(), 0.0)
        lags.setdefault(str(app), {})[str(topic)] = round(seconds, 1)
    return {app: dict(sorted(by_topic.items())) for app, by_topic in lags.items()}


def _recent(session: Session, since: datetime) -> dict[str, int]:
    rows = session.execute(
        select(RealtimeEvent.app, func.count())
        .where(RealtimeEvent.received_at >= since)
        .group_by(RealtimeEvent.app)
    ).all()
    return {str(app): int(count) for app, count in rows}
