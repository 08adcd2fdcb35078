"""Push operations: every write to Fortnox is recorded before it is sent.

The record of a create is the *pending-create marker*: if the process dies, the request times out
or the answer is lost, the marker stays active and the next run looks the record up in Fortnox by
its natural key before creating anything (see ``engine/sync/pushing.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import PushOperation

ACTIVE = ("pending", "processing")


class PushOperationRepository:
    """Reads and writes push operations within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def begin(
        self,
        *,
        tenant_id: int,
        flow: str,
        entity_type: str,
        external_id: str,
        kind: str,
        idempotency_key: str,
        natural_key: str | None,
        owner: str,
        lease_until: datetime,
        now: datetime,
    ) -> PushOperation | None:
        """Mark a write as in flight; ``None`` if another worker has this very write in flight.

        An operation with the same idempotency key (the same write tried again after a failure)
        is reused and its attempts counted. Another *active* operation on the same record makes
        the flush raise :class:`sqlalchemy.exc.IntegrityError` (a partial unique index): call this
        alone in its transaction and treat that error as "in flight elsewhere".
        """
        op = self.session.scalars(
            select(PushOperation).where(PushOperation.idempotency_key == idempotency_key)
        ).first()
        if op is not None:
            # Compare-and-set: the claim moves to ``owner`` only if nobody else holds it now,
            # even when another job read the same row a moment ago.
            claimed = self.session.execute(
                update(PushOperation)
                .where(
                    PushOperation.id == op.id,
                    or_(PushOperation.status.not_in(ACTIVE), PushOperation.owner == owner),
                )
                .values(owner=owner, status="processing", lease_until=lease_until, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return None
            self.session.refresh(op)
        if op is None:
            op = PushOperation(
                tenant_id=tenant_id,
                flow=flow,
                entity_type=entity_type,
                external_id=external_id,
                kind=kind,
                idempotency_key=idempotency_key,
                attempts=0,
                created_at=now,
            )
        op.natural_key = natural_key
        op.status = "processing"
        op.attempts += 1
        op.owner = owner
        op.lease_until = lease_until
        op.updated_at = now
        self.session.add(op)
        self.session.flush()
        return op

    def active(self, tenant_id: int, entity_type: str) -> list[PushOperation]:
        """Writes of ``entity_type`` that are pending or in flight."""
        return list(
            self.session.scalars(
                select(PushOperation).where(
                    PushOperation.tenant_id == tenant_id,
                    PushOperation.entity_type == entity_type,
                    PushOperation.status.in_(ACTIVE),
                )
            )
        )

    def take_over(self, op: PushOperation, owner: str, *, now: datetime) -> None:
        """Make an abandoned operation ``owner``'s and mark its outcome unknown (``pending``)."""
        op.owner = owner
        op.status = "pending"
        op.updated_at = now
        self.session.flush()

    def get(self, op_id: int) -> PushOperation | None:
        """One operation by id."""
        return self.session.get(PushOperation, op_id)

    def finish(
        self,
        op: PushOperation,
        status: str,
        *,
        now: datetime,
        fortnox_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record how the write ended: succeeded, failed, needs_attention or pending (unknown)."""
        op.status = status
        op.updated_at = now
        op.lease_until = None
        if fortnox_id is not None:
            op.fortnox_id = fortnox_id
        if error is not None:
            op.last_error = error
        self.session.flush()

    def count_by_status(self, tenant_id: int) -> dict[str, int]:
        """How many operations of a tenant are in each status."""
        counts: dict[str, int] = {}
        for status in self.session.scalars(
            select(PushOperation.status).where(PushOperation.tenant_id == tenant_id)
        ):
            counts[status] = counts.get(status, 0) + 1
        return counts
