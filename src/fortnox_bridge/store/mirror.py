"""The mirror: the bridge's versioned copy of the records a host application pushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import MirrorRecord

UpsertOutcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class UpsertResult:
    """What a :meth:`MirrorRepository.upsert` did."""

    record: MirrorRecord
    outcome: UpsertOutcome


class MirrorRepository:
    """Reads and writes mirror records within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: int, entity_type: str, external_id: str) -> MirrorRecord | None:
        """One record by its host key."""
        return self.session.scalars(
            select(MirrorRecord).where(
                MirrorRecord.tenant_id == tenant_id,
                MirrorRecord.entity_type == entity_type,
                MirrorRecord.external_id == external_id,
            )
        ).first()

    def upsert(
        self,
        tenant_id: int,
        entity_type: str,
        external_id: str,
        payload: dict[str, Any],
        *,
        now: datetime,
    ) -> UpsertResult:
        """Store ``payload``; the version grows only when the payload really changed."""
        record = self.get(tenant_id, entity_type, external_id)
        if record is None:
            record = MirrorRecord(
                tenant_id=tenant_id,
                entity_type=entity_type,
                external_id=external_id,
                payload=payload,
                version=1,
                deleted=False,
                updated_at=now,
            )
            self.session.add(record)
            self.session.flush()
            return UpsertResult(record, "created")
        if record.payload == payload and not record.deleted:
            return UpsertResult(record, "unchanged")
        record.payload = payload
        record.deleted = False
        record.version += 1
        record.updated_at = now
        self.session.flush()
        return UpsertResult(record, "updated")

    def live(self, tenant_id: int, entity_type: str) -> list[MirrorRecord]:
        """Every record of ``entity_type`` that is not deleted, in host-key order."""
        return list(
            self.session.scalars(
                select(MirrorRecord)
                .where(
                    MirrorRecord.tenant_id == tenant_id,
                    MirrorRecord.entity_type == entity_type,
                    MirrorRecord.deleted.is_(False),
                )
                .order_by(MirrorRecord.external_id)
            )
        )
