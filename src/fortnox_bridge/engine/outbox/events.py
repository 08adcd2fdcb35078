"""The event catalogue, the helpers that add events, and the in-process bus that announces them.

Events are rows of the tenant's feed (``store/events.py``), written in the same transaction as
the change they describe. Readers learn about new ones in two ways: in this process the
:class:`EventBus` wakes them right after the writing transaction commits (it listens to the
session factory's commits, so every writer is covered without calling it); writers in other
processes are seen by polling the database about once a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.models import Conflict, Event

Sleep = Callable[[float], Awaitable[None]]

#: Every event type a webhook may subscribe to or the feed may be filtered by, with its meaning.
EVENT_TYPES: dict[str, str] = {
    "record.created": "A record came from Fortnox for the first time (imported into the mirror).",
    "record.changed": "A pull stored a change made in Fortnox in the mirror (origin fortnox).",
    "record.deleted": "A record Fortnox owns was deleted in Fortnox, so in the mirror too.",
    "conflict.opened": "A field changed on both sides and waits for a decision (policy ask).",
    "operation.succeeded": "A host change accepted by the API reached Fortnox.",
    "operation.failed": "Fortnox refused a host change; the data says why and how to fix it.",
    "operation.held": "A host change is held back before Fortnox (an employee not in Fortnox "
    "yet, a locked period, a code with no mapping); the message says why. It is sent once the "
    "cause is fixed, and ends as succeeded or failed.",
    "ledger.year.synced": "A financial year's general ledger changed in the bridge (read from "
    "Fortnox or an uploaded SIE file); the data counts the vouchers added, changed and removed.",
    "ledger.voucher.created": "A voucher new in Fortnox was added to a year the bridge held.",
    "ledger.voucher.changed": "A voucher changed in Fortnox was changed in the bridge.",
    "ledger.voucher.deleted": "A voucher gone from Fortnox was removed from the bridge.",
    "ledger.documents.synced": "Documents behind a year's vouchers were fetched or linked.",
    "resync.proposed": "The connection came back after a disconnection: the bridge proposes "
    "re-syncing the interval since the break (GET /api/v1/resync/proposal).",
}
#: Sent by ``POST /api/v1/webhooks/{id}/test`` to that endpoint only.
TEST_EVENT = "webhook.test"


def record_event(
    session: Session,
    tenant_id: int,
    type_: str,
    *,
    entity: str,
    external_id: str,
    version: int,
    fortnox_id: str | None,
    changed: Mapping[str, Any],
    flow: str,
    now: datetime,
) -> Event:
    """Add a ``record.*`` event: a pull stored what Fortnox has for one record in the mirror.

    ``changed`` holds the fields that changed with their new values (``None``: removed); for
    ``record.created`` every field, for ``record.deleted`` nothing.
    """
    return EventRepository(session).append(
        tenant_id,
        type_,
        data={
            "entity": entity,
            "external_id": external_id,
            "version": version,
            "fortnox_id": fortnox_id,
            "flow": flow,
            "changed": dict(changed),
        },
        now=now,
        entity_type=entity,
        external_id=external_id,
    )


def conflict_opened(session: Session, conflict: Conflict, *, now: datetime) -> Event:
    """Add a ``conflict.opened`` event for a conflict that was just opened."""
    return EventRepository(session).append(
        conflict.tenant_id,
        "conflict.opened",
        data={
            "conflict_id": conflict.id,
            "entity": conflict.entity_type,
            "external_id": conflict.external_id,
            "fortnox_id": conflict.fortnox_id,
            "flow": conflict.flow,
            "fields": dict(conflict.fields),
        },
        now=now,
        entity_type=conflict.entity_type,
        external_id=conflict.external_id,
    )


def resync_proposed(
    session: Session, tenant_id: int, proposals: list[dict[str, Any]], *, now: datetime
) -> Event:
    """Add a ``resync.proposed`` event: after a reconnect, these re-syncs are proposed."""
    return EventRepository(session).append(
        tenant_id,
        "resync.proposed",
        data={
            "from": min(p["from"] for p in proposals),
            "to": max(p["to"] for p in proposals),
            "targets": [p["flow"] for p in proposals],
            "flows": [name for p in proposals for name in p.get("flows", [p["flow"]])],
        },
        now=now,
    )


def changed_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose value differs between two payloads, with the new value (``None``:
    removed)."""
    names = sorted(set(before) | set(after))
    return {name: after.get(name) for name in names if before.get(name) != after.get(name)}


class Signal:
    """A subscriber's wake-up flag: set when an event it listens for was committed."""

    def __init__(self, loop: asyncio.AbstractEventLoop, tenant_id: int | None) -> None:
        self.loop = loop
        self.tenant_id = tenant_id
        self._event = asyncio.Event()

    def set(self) -> None:
        """Wake the subscriber (call from its event loop's thread)."""
        self._event.set()

    def is_set(self) -> bool:
        """Whether a wake-up is waiting to be seen."""
        return self._event.is_set()

    async def wait(self, sleep: Sleep, seconds: float) -> bool:
        """Wait until woken or until ``sleep(seconds)`` returns; True when woken. Clears the
        flag either way."""
        if self._event.is_set():
            self._event.clear()
            return True
        woken = asyncio.ensure_future(self._event.wait())
        napping = asyncio.ensure_future(sleep(seconds))
        try:
            await asyncio.wait({woken, napping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (woken, napping):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        was_woken = self._event.is_set()
        self._event.clear()
        return was_woken


class EventBus:
    """Wakes waiting readers when events were committed through the attached session factory.

    The API's long-polls and the webhook worker subscribe; nobody has to publish by hand:
    :meth:`attach` listens to the factory's flushes (which see new :class:`Event` rows) and
    commits (which announce them). A commit in another thread wakes subscribers through their
    event loop, thread-safely.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signals: set[Signal] = set()
        self._key = f"event-bus-{id(self)}"

    def attach(self, sessions: sessionmaker[Session]) -> None:
        """Announce events committed by sessions of ``sessions``."""
        sa_event.listen(sessions, "after_flush", self._after_flush)
        sa_event.listen(sessions, "after_commit", self._after_commit)
        sa_event.listen(sessions, "after_rollback", self._after_rollback)

    @contextlib.contextmanager
    def subscribe(self, tenant_id: int | None) -> Iterator[Signal]:
        """A signal set when events of ``tenant_id`` (``None``: of any tenant) are committed."""
        signal = Signal(asyncio.get_running_loop(), tenant_id)
        with self._lock:
            self._signals.add(signal)
        try:
            yield signal
        finally:
            with self._lock:
                self._signals.discard(signal)

    def subscribers(self, tenant_id: int | None = None) -> int:
        """How many subscriptions would be woken by an event of ``tenant_id``."""
        with self._lock:
            return sum(1 for s in self._signals if s.tenant_id in (None, tenant_id))

    def publish(self, tenant_ids: set[int]) -> None:
        """Wake the subscribers of these tenants (from any thread)."""
        with self._lock:
            woken = [s for s in self._signals if s.tenant_id is None or s.tenant_id in tenant_ids]
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for signal in woken:
            if signal.loop is running:
                signal.set()
            else:
                with contextlib.suppress(RuntimeError):  # its loop has closed meanwhile
                    signal.loop.call_soon_threadsafe(signal.set)

    def _after_flush(self, session: Session, _context: Any) -> None:
        tenants = {obj.tenant_id for obj in session.new if isinstance(obj, Event)}
        if tenants:
            session.info.setdefault(self._key, set()).update(tenants)

    def _after_commit(self, session: Session) -> None:
        tenants: set[int] | None = session.info.pop(self._key, None)
        if tenants:
            self.publish(tenants)

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(self._key, None)
