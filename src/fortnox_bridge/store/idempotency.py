"""Stored answers to writes sent with an ``Idempotency-Key``.

A key is claimed before the write runs: a row with ``status_code`` 0 (in flight) is committed, so
a second request with the same key sees it at once. The answer replaces the placeholder when the
write is done, in the write's own transaction where the caller allows it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import IdempotencyRecord

#: ``status_code`` of a key whose request is still running.
IN_FLIGHT = 0


class IdempotencyRepository:
    """Claims keys, stores answers and forgets old ones, within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: int, key: str) -> IdempotencyRecord | None:
        """The record of ``key`` for the tenant."""
        return self.session.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == tenant_id, IdempotencyRecord.key == key
            )
        ).first()

    def claim(
        self,
        tenant_id: int,
        key: str,
        *,
        method: str,
        path: str,
        request_hash: str,
        now: datetime,
    ) -> IdempotencyRecord:
        """Insert an in-flight placeholder for ``key``.

        A key the tenant already has makes the flush raise
        :class:`sqlalchemy.exc.IntegrityError`: call this alone in its transaction.
        """
        record = IdempotencyRecord(
            tenant_id=tenant_id,
            key=key,
            method=method,
            path=path,
            request_hash=request_hash,
            status_code=IN_FLIGHT,
            response={},
            created_at=now,
        )
        self.session.add(record)
        self.session.flush()
        return record

    def take_over(
        self,
        record: IdempotencyRecord,
        *,
        method: str,
        path: str,
        request_hash: str,
        now: datetime,
    ) -> bool:
        """Restart an expired or abandoned ``record`` for a new request; ``False`` if another
        request changed it first."""
        result = self.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == record.id,
                IdempotencyRecord.created_at == record.created_at,
                IdempotencyRecord.status_code == record.status_code,
            )
            .values(
                method=method,
                path=path,
                request_hash=request_hash,
                status_code=IN_FLIGHT,
                response={},
                created_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def complete(self, record_id: int, status_code: int, response: dict[str, Any]) -> None:
        """Keep the answer of a finished request."""
        self.session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .values(status_code=status_code, response=response)
            .execution_options(synchronize_session=False)
        )

    def release(self, record_id: int) -> None:
        """Forget a claim whose request failed without an answer worth replaying."""
        self.session.execute(
            delete(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .execution_options(synchronize_session=False)
        )

    def prune(self, before: datetime) -> int:
        """Delete the records created before ``before``; returns how many."""
        result = self.session.execute(
            delete(IdempotencyRecord)
            .where(IdempotencyRecord.created_at < before)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
