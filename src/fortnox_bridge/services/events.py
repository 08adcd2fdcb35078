"""A tenant's event feed — what came from Fortnox and how host changes ended — read after a
cursor, optionally waiting for the next event (a long-poll).

The feed is ordered and every event has a stable cursor (its ``seq``). With a wait, a read that
finds nothing new waits and answers as soon as an event arrives: events committed in this
process wake it at once, others are found by looking again every second.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.outbox.events import EVENT_TYPES, TEST_EVENT, EventBus, Sleep
from fortnox_bridge.services.errors import InvalidInput, NotFound
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import Event

__all__ = ["FEED_TYPES", "Event", "EventFeed", "FeedPage", "default_sleep"]

#: A long-poll looks at the database at least this often (events of other processes).
POLL_SECONDS = 1.0
#: The largest cursor there can be (events are numbered with 32-bit integers).
MAX_SEQ = 2**31 - 1
#: The event types the feed may be filtered by.
FEED_TYPES = (*EVENT_TYPES, TEST_EVENT)


def default_sleep(clock: Any) -> Sleep:
    """The waits of long-polls: the clock's own sleep when it has one (a manual clock moves
    instead of waiting), else real time."""
    own = getattr(clock, "sleep", None)
    return own if callable(own) else asyncio.sleep


@dataclass(frozen=True)
class FeedPage:
    """Events after a cursor and the cursor to read on from."""

    events: list[Event]
    next_cursor: int


class EventFeed:
    """Reads tenants' event feeds."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, hooks: EngineHooks) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hooks = hooks
        self._own_bus: EventBus | None = None

    @property
    def bus(self) -> EventBus:
        """What wakes long-polls: the engine's, or one of the feed's own on ``sessions``."""
        if self.hooks.events is not None:
            return self.hooks.events
        if self._own_bus is None:
            self._own_bus = EventBus()
            self._own_bus.attach(self.sessions)
        return self._own_bus

    @property
    def sleep(self) -> Sleep:
        """How long-polls wait between looks at the database."""
        return self.hooks.sleep or default_sleep(self.clock)

    @staticmethod
    def cursor(after: str | None) -> int:
        """The position of ``after`` (``None`` or ``""``: the start)."""
        if after is None or after == "":
            return 0
        if not after.isdigit() or int(after) > MAX_SEQ:
            raise InvalidInput(
                f"{after!r} is not a cursor of this feed: pass next_cursor (or an event id) of "
                "an earlier answer unchanged, or leave after out to read from the first event",
                code="invalid_cursor",
                field=("query", "after"),
                value=after,
            )
        return int(after)

    @staticmethod
    def types(types: str | None) -> frozenset[str] | None:
        """The event types of a comma-separated filter (``None``: every type)."""
        if types is None:
            return None
        wanted = frozenset(part.strip() for part in types.split(",") if part.strip())
        unknown = sorted(wanted - set(FEED_TYPES))
        if unknown or not wanted:
            raise InvalidInput(
                f"unknown event type(s): {', '.join(unknown) or '(none given)'}; known: "
                f"{', '.join(FEED_TYPES)}",
                code="unknown_event_type",
                field=("query", "types"),
                value=types,
            )
        return wanted

    def read(
        self, tenant_id: int, cursor: int, limit: int, wanted: frozenset[str] | None
    ) -> FeedPage:
        """The events after ``cursor`` (of the ``wanted`` types), oldest first."""
        with self.sessions.begin() as session:
            events = EventRepository(session)
            # The newest seq first: every event up to it is committed, so a filtered read that
            # saw them all may move the cursor past the ones it skipped.
            newest = events.last_seq(tenant_id)
            if cursor > newest:
                raise InvalidInput(
                    f"cursor {cursor} is ahead of this feed (its last event is {newest}): pass "
                    "next_cursor of an earlier answer unchanged, or leave after out",
                    code="cursor_ahead",
                    field=("query", "after"),
                    value=str(cursor),
                )
            found = events.after(tenant_id, cursor, limit=limit, types=wanted)
        position = found[-1].seq if found else cursor
        if wanted and len(found) < limit:
            position = max(position, newest)
        return FeedPage(found, position)

    async def wait_for(
        self, tenant_id: int, cursor: int, limit: int, wanted: frozenset[str] | None, wait: float
    ) -> FeedPage:
        """Like :meth:`read`, waiting up to ``wait`` seconds for an event when there is none."""
        deadline = self.clock.now() + timedelta(seconds=wait)
        waited = 0.0
        with self.bus.subscribe(tenant_id) as signal:
            page = self.read(tenant_id, cursor, limit, wanted)
            while not page.events and waited < wait:
                left = min(wait - waited, (deadline - self.clock.now()).total_seconds())
                if left <= 0:
                    break
                step = min(POLL_SECONDS, left)
                if not await signal.wait(self.sleep, step):
                    waited += step
                page = self.read(tenant_id, page.next_cursor, limit, wanted)
        return page

    def get(self, tenant_id: int, event_id: str) -> Event:
        """One event of the tenant's feed by its id; 404 otherwise."""
        if not event_id.isdigit() or not 1 <= int(event_id) <= MAX_SEQ:
            raise NotFound(f"no event {event_id!r}: event ids are the ids the feed gave")
        seq = int(event_id)
        with self.sessions.begin() as session:
            found = EventRepository(session).after(tenant_id, seq - 1, limit=1)
        if not found or found[0].seq != seq:
            raise NotFound(f"no event {event_id!r} in this tenant's feed")
        return found[0]
