"""Change operations: each accepted host change on its way to Fortnox, and how it ended.

An operation is created with the mirror write that accepted the change (same transaction) and
replaces (``superseded``) the operations of the same record that were still open. The engine
settles it after a run: ``succeeded`` with the Fortnox id, ``failed`` with Fortnox's code and
message, ``conflict`` with the conflict that holds fields of the record back, ``held`` with the
reason the engine holds it back (an employee not in Fortnox yet, a locked period), or it stays
``pending`` with the reason it waits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, and_, insert, select, update
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import ChangeOperation, Link, MirrorRecord

#: Statuses of an operation that is not settled yet (``conflict``: until the conflict closes;
#: ``held``: until what holds it back is fixed).
OPEN = ("pending", "processing", "conflict", "held")
#: Statuses a newer change of the same record replaces, and that a later run may still settle:
#: a failed change succeeds when a later run gets the record through (a retry, a fixed mapping).
REPLACEABLE = (*OPEN, "failed")
STATUSES = ("pending", "processing", "conflict", "held", "succeeded", "failed", "superseded")
#: At most this many values in one ``IN (...)``: far below every backend's parameter limit.
CHUNK = 2000


class NewOperation(NamedTuple):
    """A change the API accepted: which record, what kind, the version it produced."""

    entity_type: str
    external_id: str
    action: str  # "upsert" | "delete"
    version: int
    status: str = "pending"
    flow: str | None = None
    message: str | None = None
    #: The record is new: it has no earlier operation to supersede.
    first: bool = False


@dataclass(frozen=True)
class SyncState:
    """Where one host record stands: its mirror version and its link to Fortnox (if any)."""

    version: int
    deleted: bool
    fortnox_id: str | None
    link_state: str | None
    synced_version: int | None


class ChangeOperationRepository:
    """Reads and writes change operations within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(
        self, tenant_id: int, operations: Sequence[NewOperation], *, now: datetime
    ) -> list[int]:
        """Record accepted changes; earlier operations of the same records that are open or
        failed become ``superseded``.

        At most one operation per record. Returns the new operations' ids in the order given.
        """
        if not operations:
            return []
        for entity, external_ids in _by_entity([op for op in operations if not op.first]).items():
            for chunk in _chunks(external_ids):
                self.session.execute(
                    update(ChangeOperation)
                    .where(
                        ChangeOperation.tenant_id == tenant_id,
                        ChangeOperation.entity_type == entity,
                        ChangeOperation.external_id.in_(chunk),
                        ChangeOperation.status.in_(REPLACEABLE),
                    )
                    .values(status="superseded", updated_at=now)
                    .execution_options(synchronize_session=False)
                )
        rows = [
            {
                "tenant_id": tenant_id,
                "entity_type": op.entity_type,
                "external_id": op.external_id,
                "action": op.action,
                "version": op.version,
                "status": op.status,
                "flow": op.flow,
                "message": op.message,
                "created_at": now,
                "updated_at": now,
            }
            for op in operations
        ]
        # A plain executemany (no RETURNING: psycopg then pipelines one short statement instead
        # of sending one with 10,000 parameters), then the new ids: a change is identified by
        # its record and the version it produced.
        self.session.execute(insert(cast(Table, ChangeOperation.__table__)), rows)
        ids: dict[tuple[str, str, int], int] = {}
        for entity, external_ids in _by_entity(operations).items():
            for chunk in _chunks(external_ids):
                found = self.session.execute(
                    select(
                        ChangeOperation.external_id, ChangeOperation.version, ChangeOperation.id
                    ).where(
                        ChangeOperation.tenant_id == tenant_id,
                        ChangeOperation.entity_type == entity,
                        ChangeOperation.external_id.in_(chunk),
                        ChangeOperation.created_at == now,
                    )
                )
                for external_id, version, new_id in found:
                    key = (entity, str(external_id), int(version))
                    ids[key] = max(ids.get(key, 0), int(new_id))
        return [ids[(op.entity_type, op.external_id, op.version)] for op in operations]

    def get(self, tenant_id: int, operation_id: int) -> ChangeOperation | None:
        """One operation of the tenant."""
        found = self.session.get(ChangeOperation, operation_id)
        return found if found is not None and found.tenant_id == tenant_id else None

    def page(
        self,
        tenant_id: int,
        *,
        limit: int,
        before_id: int | None = None,
        status: str | None = None,
        entity_type: str | None = None,
        external_id: str | None = None,
    ) -> list[ChangeOperation]:
        """Up to ``limit`` operations, newest first, older than ``before_id`` if given."""
        query = select(ChangeOperation).where(ChangeOperation.tenant_id == tenant_id)
        if before_id is not None:
            query = query.where(ChangeOperation.id < before_id)
        if status is not None:
            query = query.where(ChangeOperation.status == status)
        if entity_type is not None:
            query = query.where(ChangeOperation.entity_type == entity_type)
        if external_id is not None:
            query = query.where(ChangeOperation.external_id == external_id)
        return list(self.session.scalars(query.order_by(ChangeOperation.id.desc()).limit(limit)))

    def unsettled(self, tenant_id: int, entity_types: Collection[str]) -> list[ChangeOperation]:
        """The open and failed operations of some entity types, oldest first."""
        if not entity_types:
            return []
        return list(
            self.session.scalars(
                select(ChangeOperation)
                .where(
                    ChangeOperation.tenant_id == tenant_id,
                    ChangeOperation.entity_type.in_(sorted(entity_types)),
                    ChangeOperation.status.in_(REPLACEABLE),
                )
                .order_by(ChangeOperation.id)
            )
        )

    def held_by(self, tenant_id: int, conflict_id: int) -> list[ChangeOperation]:
        """The operations a conflict holds back (status ``conflict``)."""
        return list(
            self.session.scalars(
                select(ChangeOperation).where(
                    ChangeOperation.tenant_id == tenant_id,
                    ChangeOperation.status == "conflict",
                    ChangeOperation.conflict_id == conflict_id,
                )
            )
        )

    def sync_states(
        self, tenant_id: int, entity_type: str, external_ids: Collection[str]
    ) -> dict[str, SyncState]:
        """Mirror version and link of some records, by host id (records never stored: absent)."""
        found: dict[str, SyncState] = {}
        for chunk in _chunks(sorted(set(external_ids))):
            rows = self.session.execute(
                select(
                    MirrorRecord.external_id,
                    MirrorRecord.version,
                    MirrorRecord.deleted,
                    Link.fortnox_id,
                    Link.state,
                    Link.synced_version,
                )
                .outerjoin(
                    Link,
                    and_(
                        Link.tenant_id == MirrorRecord.tenant_id,
                        Link.entity_type == MirrorRecord.entity_type,
                        Link.external_id == MirrorRecord.external_id,
                    ),
                )
                .where(
                    MirrorRecord.tenant_id == tenant_id,
                    MirrorRecord.entity_type == entity_type,
                    MirrorRecord.external_id.in_(chunk),
                )
            )
            for external_id, version, deleted, fortnox_id, state, synced in rows:
                found[str(external_id)] = SyncState(
                    int(version), bool(deleted), fortnox_id, state, synced
                )
        return found


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def _by_entity(operations: Sequence[NewOperation]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for op in operations:
        grouped.setdefault(op.entity_type, []).append(op.external_id)
    return grouped
