"""The mirror: the bridge's versioned copy of the records a host application pushes."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.orm import Session

from fortnox_bridge.store.mirror_bulk import (
    ROW_COLUMNS,
    StoredRow,
    UpsertOutcome,
    Write,
    Written,
    fill_created,
    plan_writes,
)
from fortnox_bridge.store.models import Link, MirrorRecord
from fortnox_bridge.store.unique import Change, UniqueValueRepository

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


#: At most this many values in one ``IN (...)``: far below every backend's parameter limit.
CHUNK = 2000


@dataclass(frozen=True)
class UpsertResult:
    """What a :meth:`MirrorRepository.upsert` or :meth:`MirrorRepository.delete` did."""

    record: MirrorRecord
    outcome: UpsertOutcome


class MirrorRepository:
    """Reads and writes mirror records within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def plan_each_query(self) -> None:
        """Let PostgreSQL plan each statement of this transaction with its values.

        psycopg prepares a statement it has run five times; PostgreSQL may then reuse a generic
        plan, in which ``external_id IN (<1,000 parameters>)`` is a linear search per row
        instead of a hashed lookup — for a batch, hundreds of milliseconds instead of a few.
        (SQLite plans every statement anyway.)
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

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
        """Store ``payload``; the version grows only when the payload really changed.

        Raises :class:`~fortnox_bridge.store.unique.ValueTaken` when the record would repeat a
        unique value another live record holds (roll the transaction back).
        """
        record = self.get(tenant_id, entity_type, external_id)
        before = None if record is None or record.deleted else record.payload
        if before is None or before != payload:
            UniqueValueRepository(self.session).move(
                tenant_id, entity_type, [Change(external_id, before, payload)]
            )
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
        UniqueValueRepository(self.session).move(
            tenant_id, entity_type, [Change(external_id, record.payload, None)]
        )
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

    def rows(
        self,
        tenant_id: int,
        entity_type: str,
        external_ids: Collection[str],
        *,
        for_update: bool = False,
    ) -> dict[str, StoredRow]:
        """The stored records among ``external_ids`` (deleted ones included), by host id.

        ``for_update``: the caller writes them next from what it reads (a merge patch, the next
        version), so no other transaction may change them in between: the rows are locked on
        PostgreSQL, and on SQLite the transaction takes the database's write lock first."""
        found: dict[str, StoredRow] = {}
        ids = sorted(set(external_ids))
        if for_update:
            self._lock_for_writing()
        for start in range(0, len(ids), CHUNK):
            query = select(*ROW_COLUMNS).where(
                MirrorRecord.tenant_id == tenant_id,
                MirrorRecord.entity_type == entity_type,
                MirrorRecord.external_id.in_(ids[start : start + CHUNK]),
            )
            if for_update:
                query = query.with_for_update()
            result = self.session.execute(query)
            for row in result:
                stored = StoredRow(*row)
                found[stored.external_id] = stored
        return found

    def _lock_for_writing(self) -> None:
        """On SQLite, begin the transaction with a write (to no row) so that it holds the write
        lock before it reads: SQLite has no row locks, and a transaction that read first would
        read what another one is about to change. PostgreSQL locks the rows read instead."""
        if self.session.get_bind().dialect.name == "sqlite":
            self.session.execute(
                update(MirrorRecord).where(false()).values(version=MirrorRecord.version)
            )

    def write_many(
        self,
        tenant_id: int,
        entity_type: str,
        writes: Sequence[Write],
        *,
        existing: Mapping[str, StoredRow],
        now: datetime,
        origin: str = "host",
    ) -> list[Written]:
        """Apply ``writes`` (one per host id) with two bulk statements; results in order.

        ``existing`` is what :meth:`rows` returned for these ids in the same transaction. A
        write that changes nothing is ``unchanged`` and keeps its version; deleting a record the
        mirror does not have is a :class:`KeyError` (check first). Raises
        :class:`~fortnox_bridge.store.unique.ValueTaken` when a record would repeat a unique
        value another live record holds (roll the transaction back).
        """
        plan = plan_writes(tenant_id, entity_type, writes, existing, now=now, origin=origin)
        inserts, updates, results = plan.inserts, plan.updates, plan.results
        UniqueValueRepository(self.session).move(tenant_id, entity_type, plan.changes)
        if updates:
            self.session.execute(update(MirrorRecord), updates)
        if inserts:
            # A plain executemany (no RETURNING: psycopg then sends one short statement in a
            # pipeline instead of one with 8,000 parameters), then the new ids in one query.
            self.session.execute(insert(cast(Table, MirrorRecord.__table__)), inserts)
            ids = self._ids(tenant_id, entity_type, [values["external_id"] for values in inserts])
            fill_created(results, inserts, ids, now=now, origin=origin)
        return results

    def _ids(self, tenant_id: int, entity_type: str, external_ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(external_ids), CHUNK):
            rows = self.session.execute(
                select(MirrorRecord.external_id, MirrorRecord.id).where(
                    MirrorRecord.tenant_id == tenant_id,
                    MirrorRecord.entity_type == entity_type,
                    MirrorRecord.external_id.in_(external_ids[start : start + CHUNK]),
                )
            )
            found.update({str(external_id): int(row_id) for external_id, row_id in rows})
        return found

    def page(
        self,
        tenant_id: int,
        entity_type: str,
        *,
        limit: int,
        after: tuple[datetime, int] | None = None,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
    ) -> list[StoredRow]:
        """Up to ``limit`` records in (``updated_at``, id) order, after the position ``after``."""
        query = select(*ROW_COLUMNS).where(
            MirrorRecord.tenant_id == tenant_id, MirrorRecord.entity_type == entity_type
        )
        if not include_deleted:
            query = query.where(MirrorRecord.deleted.is_(False))
        if updated_since is not None:
            query = query.where(MirrorRecord.updated_at >= updated_since)
        if after is not None:
            moment, last_id = after
            query = query.where(
                or_(
                    MirrorRecord.updated_at > moment,
                    and_(MirrorRecord.updated_at == moment, MirrorRecord.id > last_id),
                )
            )
        query = query.order_by(MirrorRecord.updated_at, MirrorRecord.id).limit(limit)
        return [StoredRow(*row) for row in self.session.execute(query)]
