"""``/api/v1/events``: the tenant's event feed — what came from Fortnox and how host changes ended.

The feed is ordered and every event has a stable cursor (its ``id``). A client keeps the
``next_cursor`` of each answer and asks for what came after it, so it reads every event at least
once (it may see one again if it crashes before saving the cursor). With ``wait=N`` a request
that finds nothing new waits up to N seconds and answers as soon as an event arrives: events
committed in this process wake it at once, others are found by looking again every second.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.auth import ReaderDep, not_found
from fortnox_bridge.api.paging import DEFAULT_LIMIT, Limit, invalid
from fortnox_bridge.api.schemas import EventOut, EventPage
from fortnox_bridge.engine.outbox.events import EVENT_TYPES, TEST_EVENT, EventBus, Sleep
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import Event

#: A long-poll looks at the database at least this often (events of other processes).
POLL_SECONDS = 1.0
#: The largest cursor there can be (events are numbered with 32-bit integers).
MAX_SEQ = 2**31 - 1
#: The event types the feed may be filtered by.
FEED_TYPES = (*EVENT_TYPES, TEST_EVENT)

After = Annotated[
    str | None,
    Query(
        max_length=20,
        description="The next_cursor (or an event id) of an earlier answer; leave out to read "
        "from the first event.",
    ),
]
Types = Annotated[
    str | None,
    Query(
        max_length=1000,
        description="Only these event types, comma-separated (e.g. record.changed,record.created).",
    ),
]
Wait = Annotated[
    float,
    Query(ge=0, le=30, description="Seconds to wait for an event when there is none yet (0..30)."),
]
EventId = Annotated[str, Path(max_length=20, description="The event's id (its cursor).")]


def event_out(event: Event) -> EventOut:
    """The API shape of an event."""
    return EventOut(
        id=str(event.seq),
        type=event.type,
        entity=event.entity_type,
        external_id=event.external_id,
        data=event.data,
        created_at=event.created_at,
    )


def _cursor(after: str | None) -> int:
    if after is None or after == "":
        return 0
    if not after.isdigit() or int(after) > MAX_SEQ:
        raise invalid(
            ("query", "after"),
            f"{after!r} is not a cursor of this feed: pass next_cursor (or an event id) of an "
            "earlier answer unchanged, or leave after out to read from the first event",
            "invalid_cursor",
            after,
        )
    return int(after)


def _types(types: str | None) -> frozenset[str] | None:
    if types is None:
        return None
    wanted = frozenset(part.strip() for part in types.split(",") if part.strip())
    unknown = sorted(wanted - set(FEED_TYPES))
    if unknown or not wanted:
        raise invalid(
            ("query", "types"),
            f"unknown event type(s): {', '.join(unknown) or '(none given)'}; known: "
            f"{', '.join(FEED_TYPES)}",
            "unknown_event_type",
            types,
        )
    return wanted


def events_router(sessions: sessionmaker[Session], bus: EventBus | None, sleep: Sleep) -> APIRouter:
    """The feed's routes. ``bus`` wakes long-polls (a new one is attached to ``sessions`` if
    none is given); ``sleep`` waits between looks at the database."""
    router = APIRouter(prefix="/api/v1", tags=["events"])
    if bus is None:
        bus = EventBus()
        bus.attach(sessions)
    feed_bus = bus

    def read(tenant_id: int, cursor: int, limit: int, wanted: frozenset[str] | None) -> EventPage:
        with sessions.begin() as session:
            events = EventRepository(session)
            # The newest seq first: every event up to it is committed, so a filtered read that
            # saw them all may move the cursor past the ones it skipped.
            newest = events.last_seq(tenant_id)
            if cursor > newest:
                raise invalid(
                    ("query", "after"),
                    f"cursor {cursor} is ahead of this feed (its last event is {newest}): pass "
                    "next_cursor of an earlier answer unchanged, or leave after out",
                    "cursor_ahead",
                    str(cursor),
                )
            found = events.after(tenant_id, cursor, limit=limit, types=wanted)
        position = found[-1].seq if found else cursor
        if wanted and len(found) < limit:
            position = max(position, newest)
        return EventPage(data=[event_out(e) for e in found], next_cursor=str(position))

    @router.get(
        "/events",
        response_model=EventPage,
        summary="Events after a cursor (optionally waiting for one)",
    )
    async def list_events(
        request: Request,
        caller: ReaderDep,
        after: After = None,
        limit: Limit = DEFAULT_LIMIT,
        types: Types = None,
        wait: Wait = 0,
    ) -> EventPage:
        """Events after ``after``, oldest first: records changed, created or deleted in Fortnox,
        conflicts opened, host changes that reached Fortnox or failed."""
        cursor, wanted = _cursor(after), _types(types)
        clock = request.app.state.clock
        deadline = clock.now() + timedelta(seconds=wait)
        waited = 0.0
        with feed_bus.subscribe(caller.tenant_id) as signal:
            page = read(caller.tenant_id, cursor, limit, wanted)
            while not page.data and waited < wait:
                left = min(wait - waited, (deadline - clock.now()).total_seconds())
                if left <= 0:
                    break
                step = min(POLL_SECONDS, left)
                if not await signal.wait(sleep, step):
                    waited += step
                page = read(caller.tenant_id, int(page.next_cursor), limit, wanted)
        return page

    @router.get(
        "/events/{event_id}",
        response_model=EventOut,
        summary="One event",
        responses={404: {"description": "No such event"}},
    )
    def get_event(event_id: EventId, caller: ReaderDep) -> EventOut:
        """One event of the feed by its id."""
        if not event_id.isdigit() or not 1 <= int(event_id) <= MAX_SEQ:
            raise not_found(f"no event {event_id!r}: event ids are the ids the feed gave")
        seq = int(event_id)
        with sessions.begin() as session:
            found = EventRepository(session).after(caller.tenant_id, seq - 1, limit=1)
        if not found or found[0].seq != seq:
            raise not_found(f"no event {event_id!r} in this tenant's feed")
        return event_out(found[0])

    return router


def default_sleep(clock: Any) -> Sleep:
    """The waits of long-polls: the clock's own sleep when it has one (a manual clock moves
    instead of waiting), else real time."""
    own = getattr(clock, "sleep", None)
    return own if callable(own) else asyncio.sleep
