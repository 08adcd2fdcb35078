"""The mirror: the bridge's versioned copy of the records a host application pushes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, bindparam, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Link, MirrorRecord

UpsertOutcome = Literal["created", "updated", "unchanged", "deleted"]

_LINKED = and_(
    Link.tenant_id == MirrorRecord.tenant_id,
    Link.entity_type == MirrorRecord.entity_type,
    Link.external_id == MirrorRecord.external_id,
)
#: A record needs a look: never synced, changed since the agreed version, a link that is not
#: plainly ``linked``, or deleted by the host but still alive in Fortnox.
_DIRTY = or_(
    and_(
        MirrorRecord.deleted == false(),
        or_(
            Link.id.is_(None),
            Link.synced_version != MirrorRecord.version,
            Link.state != "linked",
        ),
    ),
    and_(MirrorRecord.deleted == true(), Link.id.is_not(None), Link.state != "deleted"),
)
# Built once: every idle sweep runs it, and building the expression costs more than running it.
_COUNTS = (
    select(
        MirrorRecord.entity_type,
        func.sum(case((MirrorRecord.deleted == false(), 1), else_=0)),
        func.sum(case((_DIRTY, 1), else_=0)),
    )
    .outerjoin(Link, _LINKED)
    .where(MirrorRecord.tenant_id == bindparam("tenant_id"))
    .group_by(MirrorRecord.entity_type)
)


@dataclass(frozen=True)
class UpsertResult:
    """What a :meth:`MirrorRepository.upsert` or :meth:`MirrorRepository.delete` did."""

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
        origin: str = "host",
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
                origin=origin,
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
        record.origin = origin
        self.session.flush()
        return UpsertResult(record, "updated")

    def delete(
        self, tenant_id: int, entity_type: str, external_id: str, *, now: datetime
    ) -> UpsertResult | None:
        """Mark a record deleted (a new version); ``None`` if the mirror never had it."""
        record = self.get(tenant_id, entity_type, external_id)
        if record is None:
            return None
        if record.deleted:
            return UpsertResult(record, "unchanged")
        record.deleted = True
        record.version += 1
        record.updated_at = now
        record.origin = "host"
        self.session.flush()
        return UpsertResult(record, "deleted")

    def count_live(self, tenant_id: int, entity_type: str) -> int:
        """How many records of ``entity_type`` are not deleted."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(MirrorRecord)
                .where(
                    MirrorRecord.tenant_id == tenant_id,
                    MirrorRecord.entity_type == entity_type,
                    MirrorRecord.deleted.is_(False),
                )
            )
            or 0
        )

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

    def with_links(
        self,
        tenant_id: int,
        entity_type: str,
        *,
        only_dirty: bool = False,
        external_ids: Iterable[str] | None = None,
    ) -> list[tuple[MirrorRecord, Link | None]]:
        """Records of ``entity_type`` with their links, in host-key order.

        ``only_dirty`` keeps the records that need a look: never synced, changed since the last
        agreed version, a link that is not plainly ``linked``, or deleted but still alive in
        Fortnox. An idle sweep is one such query that returns nothing.
        """
        query = (
            select(MirrorRecord, Link)
            .outerjoin(Link, _LINKED)
            .where(MirrorRecord.tenant_id == tenant_id, MirrorRecord.entity_type == entity_type)
        )
        if external_ids is not None:
            query = query.where(MirrorRecord.external_id.in_(list(external_ids)))
        if only_dirty:
            query = query.where(_DIRTY)
        rows = self.session.execute(query.order_by(MirrorRecord.external_id))
        return [(record, link) for record, link in rows]

    def counts(self, tenant_id: int) -> dict[str, tuple[int, int]]:
        """``{entity type: (live records, records that need a look)}`` in one query."""
        rows = self.session.execute(_COUNTS, {"tenant_id": tenant_id})
        return {str(entity): (int(live or 0), int(dirty or 0)) for entity, live, dirty in rows}
