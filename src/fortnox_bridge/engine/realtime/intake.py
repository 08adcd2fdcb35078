"""An event from the stream made durable work: the fetch job of its entity, with its offset.

One transaction inserts the event (a duplicate inserts nothing and is dropped), moves the
topic's offset to it, and, in the distributed mode, queues the fetch job on the same
connection (``JobQueue.defer_in``): the offset is stored exactly when the job is. The embedded
mode's jobs live in memory, so there the event row itself is the durable record of the work
owed: the job is handed to the in-process dispatcher after the commit, the row is marked read
when the job has run, and a leader that starts hands the rows still owed to the dispatcher again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.jobs.dispatch import Dispatcher, Job, fetch_job
from fortnox_bridge.store.realtime import RealtimeRepository, StreamEvent

log = logging.getLogger(__name__)
#: Fortnox replays 14 days; events read before that (and a day) are forgotten.
KEEP = timedelta(days=15)
FORGET_EVERY = timedelta(hours=1)

DeferIn = Callable[[Session, Job], None]


class Intake:
    """Turns accepted events into fetch jobs of their tenants."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        dispatcher: Dispatcher,
        *,
        defer_in: DeferIn | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.dispatcher = dispatcher
        #: Queues a job in a session's transaction (distributed); ``None``: after the commit.
        self.defer_in = defer_in
        self.accepted = 0
        self.duplicates = 0
        self._forgotten_at: datetime | None = None

    def offsets(self, app: str) -> dict[str, str]:
        """Where each topic of the app's stream resumes."""
        with self.sessions.begin() as session:
            return RealtimeRepository(session).offsets(app)

    async def accept(self, app: str, event: StreamEvent, tenant_id: int) -> bool:
        """Make the event's read durable work of ``tenant_id``; ``False`` for a duplicate."""
        job = fetch_job(tenant_id, [(event.topic, event.key)])
        stored = await asyncio.to_thread(self._store, app, event, tenant_id, job)
        if not stored:
            self.duplicates += 1
            log.info("duplicate event ignored", extra={"topic": event.topic, "at": event.offset})
            return False
        self.accepted += 1
        if self.defer_in is None:
            await self.dispatcher.submit(job)
        return True

    async def skip(self, app: str, event: StreamEvent) -> None:
        """An event of a company the bridge no longer listens to: only the offset moves."""
        await asyncio.to_thread(self._skip, app, event)

    async def resubmit_owed(self, app: str) -> int:
        """Embedded mode: hand the dispatcher the reads still owed (a previous leader accepted
        them and stopped before they ran); how many events. Nothing in the distributed mode,
        whose jobs wait in the queue."""
        if self.defer_in is not None:
            return 0
        with self.sessions.begin() as session:
            owed = [
                (e.tenant_id, e.topic, e.entity_id) for e in RealtimeRepository(session).owed(app)
            ]
        by_tenant: dict[int, list[tuple[str, str]]] = {}
        for tenant_id, topic, entity_id in owed:
            by_tenant.setdefault(tenant_id, []).append((topic, entity_id))
        for tenant_id, changes in sorted(by_tenant.items()):
            await self.dispatcher.submit(fetch_job(tenant_id, changes, reason="resume"))
        return len(owed)

    def forget_old(self) -> int:
        """Drop the events read more than :data:`KEEP` ago (Fortnox replays no older ones), at
        most once an hour; how many."""
        now = self.clock.now()
        if self._forgotten_at is not None and now - self._forgotten_at < FORGET_EVERY:
            return 0
        self._forgotten_at = now
        with self.sessions.begin() as session:
            return RealtimeRepository(session).forget_before(now - KEEP)

    def _store(self, app: str, event: StreamEvent, tenant_id: int, job: Job) -> bool:
        with self.sessions.begin() as session:
            if not RealtimeRepository(session).accept(app, event, tenant_id, now=self.clock.now()):
                return False
            if self.defer_in is not None:
                self.defer_in(session, job)
            return True

    def _skip(self, app: str, event: StreamEvent) -> None:
        with self.sessions.begin() as session:
            RealtimeRepository(session).move_offset(
                app, event.topic, event.offset, now=self.clock.now()
            )
