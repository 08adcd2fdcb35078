"""Leases: named locks with an expiry, so one job at a time writes to a tenant's Fortnox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Lease


class LeaseRepository:
    """Takes and gives back leases within one session (commit right after each call)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def acquire(self, name: str, holder: str, *, until: datetime, now: datetime) -> bool:
        """Take ``name`` for ``holder`` until ``until``; ``False`` if someone else holds it.

        A lease whose holder died expires, so a crashed worker cannot block a tenant forever.
        When two workers race for a lease nobody held yet, the loser's insert raises
        :class:`sqlalchemy.exc.IntegrityError`: call this alone in its transaction.
        """
        taken = self.session.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
            .values(holder=holder, expires_at=until)
        )
        if taken.rowcount:  # type: ignore[attr-defined]
            return True
        if self.session.get(Lease, name) is not None:
            return False  # held by someone else and not expired
        self.session.add(Lease(name=name, holder=holder, expires_at=until))
        self.session.flush()
        return True

    def holder(self, name: str) -> tuple[str, datetime] | None:
        """Who holds ``name`` and until when (``None`` if nobody)."""
        lease = self.session.get(Lease, name)
        return (lease.holder, lease.expires_at) if lease else None

    def take_over(self, name: str, previous: str, holder: str, *, until: datetime) -> bool:
        """Take ``name`` from ``previous`` (a holder known to be gone); ``False`` if it moved."""
        taken = self.session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.holder == previous)
            .values(holder=holder, expires_at=until)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]

    def renew(self, name: str, holder: str, *, until: datetime) -> bool:
        """Extend ``holder``'s lease to ``until``; ``False`` if it is no longer theirs."""
        renewed = self.session.execute(
            update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=until)
        )
        return bool(renewed.rowcount)  # type: ignore[attr-defined]

    def release(self, name: str, holder: str) -> None:
        """Give the lease back (only its holder can)."""
        self.session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
