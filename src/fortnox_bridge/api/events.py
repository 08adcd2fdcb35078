"""``/api/v1/events``: the tenant's event feed — what came from Fortnox and how host changes ended.

The feed is ordered and every event has a stable cursor (its ``id``). A client keeps the
``next_cursor`` of each answer and asks for what came after it, so it reads every event at least
once (it may see one again if it crashes before saving the cursor). With ``wait=N`` a request
that finds nothing new waits up to N seconds and answers as soon as an event arrives: events
committed in this process wake it at once, others are found by looking again every second.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from fortnox_bridge.api.auth import ReaderDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.paging import DEFAULT_LIMIT, Limit
from fortnox_bridge.api.schemas import EventOut, EventPage
from fortnox_bridge.services.events import Event, EventFeed, FeedPage, default_sleep

__all__ = ["default_sleep", "event_out", "router"]

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


router = APIRouter(prefix="/api/v1", tags=["events"])


def _feed(request: Request) -> EventFeed:
    return services_of(request).events


Feed = Annotated[EventFeed, Depends(_feed)]


def _page(page: FeedPage) -> EventPage:
    return EventPage(data=[event_out(e) for e in page.events], next_cursor=str(page.next_cursor))


@router.get(
    "/events",
    response_model=EventPage,
    summary="Events after a cursor (optionally waiting for one)",
)
async def list_events(
    caller: ReaderDep,
    feed: Feed,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
    types: Types = None,
    wait: Wait = 0,
) -> EventPage:
    """Events after ``after``, oldest first: records changed, created or deleted in Fortnox,
    conflicts opened, host changes that reached Fortnox or failed."""
    cursor, wanted = feed.cursor(after), feed.types(types)
    return _page(await feed.wait_for(caller.tenant_id, cursor, limit, wanted, wait))


@router.get(
    "/events/{event_id}",
    response_model=EventOut,
    summary="One event",
    responses={404: {"description": "No such event"}},
)
def get_event(event_id: EventId, caller: ReaderDep, feed: Feed) -> EventOut:
    """One event of the feed by its id."""
    return event_out(feed.get(caller.tenant_id, event_id))
