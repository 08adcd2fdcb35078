"""Bulk writes of the mirror: one host request's records planned in memory, then written with
two statements (see :meth:`~fortnox_bridge.store.mirror.MirrorRepository.write_many`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from fortnox_bridge.store.models import MirrorRecord
from fortnox_bridge.store.unique import Change

UpsertOutcome = Literal["created", "updated", "unchanged", "deleted"]


class StoredRow(NamedTuple):
    """A record as the mirror holds it, without the ORM (bulk reads and writes)."""

    id: int
    external_id: str
    payload: dict[str, Any]
    version: int
    deleted: bool
    updated_at: datetime
    origin: str


@dataclass(frozen=True)
class Write:
    """One change of a bulk write: a new payload, or ``None`` to delete the record."""

    external_id: str
    payload: dict[str, Any] | None


@dataclass(frozen=True)
class Written:
    """What a bulk write did with one record."""

    row: StoredRow
    outcome: UpsertOutcome


@dataclass
class WritePlan:
    """What a bulk write sends: rows to insert and to update, the results in order (created
    rows get their ids after the insert) and the unique-value changes."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    results: list[Written] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def plan_writes(
    tenant_id: int,
    entity_type: str,
    writes: Sequence[Write],
    existing: Mapping[str, StoredRow],
    *,
    now: datetime,
    origin: str,
) -> WritePlan:
    """The plan of ``writes`` against the ``existing`` rows (see ``write_many``)."""
    plan = WritePlan()
    inserts, updates, results, changes = plan.inserts, plan.updates, plan.results, plan.changes
    for write in writes:
        old = existing.get(write.external_id)
        before = None if old is None or old.deleted else old.payload
        if before != write.payload:
            changes.append(Change(write.external_id, before, write.payload))
        if write.payload is None:
            if old is None:
                raise KeyError(f"no {entity_type} {write.external_id!r} to delete")
            if old.deleted:
                results.append(Written(old, "unchanged"))
                continue
            row = StoredRow(
                old.id, old.external_id, old.payload, old.version + 1, True, now, "host"
            )
            updates.append(update_values(row))
            results.append(Written(row, "deleted"))
        elif old is None:
            row = _NEW  # replaced by the stored row once the database gave it an id
            inserts.append(
                {
                    "tenant_id": tenant_id,
                    "entity_type": entity_type,
                    "external_id": write.external_id,
                    "payload": write.payload,
                    "version": 1,
                    "deleted": False,
                    "updated_at": now,
                    "origin": origin,
                }
            )
            results.append(Written(row, "created"))
        elif old.payload == write.payload and not old.deleted:
            results.append(Written(old, "unchanged"))
        else:
            row = StoredRow(
                old.id, old.external_id, write.payload, old.version + 1, False, now, origin
            )
            updates.append(update_values(row))
            results.append(Written(row, "updated"))
    return plan


def fill_created(
    results: list[Written],
    inserts: list[dict[str, Any]],
    ids: Mapping[str, int],
    *,
    now: datetime,
    origin: str,
) -> None:
    """Put the stored rows of the inserted records, with their new ids, into ``results``."""
    created = iter(inserts)
    for index, written in enumerate(results):
        if written.outcome == "created":
            values = next(created)
            row = StoredRow(
                ids[values["external_id"]],
                values["external_id"],
                values["payload"],
                1,
                False,
                now,
                origin,
            )
            results[index] = Written(row, "created")


_NEW = StoredRow(0, "", {}, 0, False, datetime.min, "")
ROW_COLUMNS = (
    MirrorRecord.id,
    MirrorRecord.external_id,
    MirrorRecord.payload,
    MirrorRecord.version,
    MirrorRecord.deleted,
    MirrorRecord.updated_at,
    MirrorRecord.origin,
)


def update_values(row: StoredRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "payload": row.payload,
        "version": row.version,
        "deleted": row.deleted,
        "updated_at": row.updated_at,
        "origin": row.origin,
    }
