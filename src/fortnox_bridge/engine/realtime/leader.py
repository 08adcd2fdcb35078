"""Which process connects: the holder of the lease ``realtime:<client id>`` in the store.

Every worker process runs the real-time service, and each tries to take the lease of each app
with active connections. The holder renews it every ``renew`` (10 s by default); it expires
after ``ttl`` (30 s), so when the leader dies another process takes over within the TTL and
resumes the stream from the stored offsets. A leader that cannot renew stops listening at once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.store.leases import LeaseRepository

PREFIX = "realtime:"


def lease_name(client_id: str) -> str:
    """The lease of an app's stream."""
    return f"{PREFIX}{client_id}"


class Leadership:
    """One process's claim on one app's stream."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client_id: str,
        holder: str,
        *,
        clock: Clock,
        ttl: timedelta,
    ) -> None:
        self.sessions = sessions
        self.name = lease_name(client_id)
        self.holder = holder
        self.clock = clock
        self.ttl = ttl

    def claim(self) -> bool:
        """Take the lease, or extend it when this process holds it; ``False`` when another
        process holds it (or the store cannot be reached)."""
        now = self.clock.now()
        try:
            with self.sessions.begin() as session:
                return LeaseRepository(session).acquire(
                    self.name, self.holder, until=now + self.ttl, now=now
                )
        except (IntegrityError, OperationalError):  # lost a race, or the store is away
            return False

    def release(self) -> None:
        """Give the lease back (a stopping process: another takes over at once)."""
        try:
            with self.sessions.begin() as session:
                LeaseRepository(session).release(self.name, self.holder)
        except OperationalError:
            pass  # it expires by itself
