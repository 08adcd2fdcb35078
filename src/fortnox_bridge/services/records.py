"""Storing host records: validation, unique fields, the mirror write and its change operations.

Every write route — ``PUT``, ``PATCH``, ``DELETE`` and ``POST :batch`` — goes through
:meth:`EntityWriter.write` with a list of :class:`Incoming` records (one, or up to 1,000). One
transaction per request: the existing records are read in one query, the holders of the unique
values the records want in another, new and changed records are written with two bulk statements,
and one change operation per accepted change is inserted in bulk. A rejected record changes
nothing; the others of a batch are stored. The changes a push must send are noted in the
transaction, so that the distributed mode queues their push before it commits
(``engine/jobs/dispatch.py``).

The holders read up front give the friendly answer; the database has the last word. A record
whose unique value another request took in the meantime makes the store raise
:class:`ValueTaken`: the transaction is rolled back and run again with that record rejected
(422, naming the record that holds the value).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.engine.jobs.dispatch import note_pushes
from fortnox_bridge.engine.sync.change_status import settle_at_once
from fortnox_bridge.services.issues import FieldIssue, json_path
from fortnox_bridge.services.validation import RecordValidator
from fortnox_bridge.store.change_operations import ChangeOperationRepository, NewOperation
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.mirror_bulk import StoredRow, Write
from fortnox_bridge.store.unique import (
    Taken,
    UniqueValueRepository,
    ValueTaken,
    unique_fields,
    values_of,
)

Status = Literal["created", "updated", "unchanged", "deleted", "rejected"]
#: The most records one batch may carry.
MAX_BATCH = 1000
#: How often a write that collided with a concurrent one is tried.
ATTEMPTS = 3


@dataclass
class Incoming:
    """One record of a write request, as the route read it."""

    index: int
    external_id: str
    #: ``upsert`` (``payload`` is the validated record), ``patch`` (``patch`` is merged into the
    #: stored record, then validated) or ``delete``.
    op: Literal["upsert", "patch", "delete"]
    payload: dict[str, Any] | None = None
    patch: dict[str, Any] | None = None
    #: Problems found before the store was read (the record is rejected).
    issues: list[FieldIssue] = field(default_factory=list)
    #: Where the record's fields are in the request (``$`` or ``$.records[3].data``).
    data_path: str = "$"
    #: Where its external id is (``path.external_id`` or ``$.records[3].external_id``).
    id_path: str = "path.external_id"


@dataclass
class Outcome:
    """What happened to one incoming record."""

    index: int
    external_id: str
    status: Status
    row: StoredRow | None = None
    operation_id: int | None = None
    issues: list[FieldIssue] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the record was stored with a new version."""
        return self.status in ("created", "updated", "deleted")

    @property
    def not_found(self) -> bool:
        """Whether it was rejected because there is no such record."""
        return any(issue.type == "not_found" for issue in self.issues)


#: Called inside the write's transaction, before it commits (to keep an idempotent answer).
BeforeCommit = Callable[[Session, list[Outcome]], None]


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: ``null`` removes a member, objects merge, the rest replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def stored_message(entity: HostEntity, entities: Sequence[HostEntity], pushes: list[str]) -> str:
    """What the operation of an entity no push flow reads says: who uses the records."""
    readers = [e for e in entities if entity.entity in e.references.values()]
    users = sorted({name for e in readers for name in pushes if name.split(".")[1] == e.entity})
    if users:
        return f"stored; used by {', '.join(users)}"
    if readers:
        names = ", ".join(e.collection for e in readers)
        return f"stored; referenced by {names}, which no flow sends to Fortnox yet"
    return f"stored; no flow sends {entity.collection} to Fortnox yet"


class EntityWriter:
    """Writes the records of one host entity for a tenant."""

    def __init__(
        self, entity: HostEntity, entities: Sequence[HostEntity], flows: Sequence[type[Flow]]
    ) -> None:
        self.entity = entity
        self.validator = RecordValidator(entity.entity, entity.model)
        pushes = sorted(f.name for f in flows if f.direction == "push")
        self.push_flows = [name for name in pushes if name.split(".")[1] == entity.entity]
        #: Push flows of records the bridge builds from this entity (time entries → salary days):
        #: a change is pushed at once, its operation is settled when stored.
        self.built_by = sorted(
            f.name
            for f in flows
            if f.direction == "push"
            and f.builder is not None
            and entity.entity in f.builder.built_from
        )
        #: ``None`` while a push flow reads the entity or the bridge builds records from it (the
        #: engine settles the change after a run); else the message it settles with at once.
        self.settled_message = (
            None if self.push_flows or self.built_by else stored_message(entity, entities, pushes)
        )

    def write(
        self,
        sessions: sessionmaker[Session],
        tenant_id: int,
        incoming: Sequence[Incoming],
        *,
        now: datetime,
        before_commit: BeforeCommit | None = None,
    ) -> list[Outcome]:
        """Store what can be stored, in one transaction; one outcome per record, in order.

        A request that collides with another one writing the same records (both creating one
        record, a PostgreSQL deadlock, SQLite's writer lock) is run again on what is stored then.
        So is one whose records lost a unique value to a concurrent request: those records are
        rejected the next time, the others are stored.
        """
        lost: dict[int, list[FieldIssue]] = {}
        collisions = 0
        while True:
            attempt = [replace(item, issues=lost.get(item.index, item.issues)) for item in incoming]
            try:
                return self._write(
                    sessions, tenant_id, attempt, now=now, before_commit=before_commit
                )
            except _Lost as exc:
                lost.update(exc.issues)
                if exc.issues:
                    continue  # one more record is rejected each time round: this ends
                collisions += 1  # the values were free again when looked at
                if collisions == ATTEMPTS:
                    raise
            except (IntegrityError, OperationalError):
                collisions += 1
                if collisions == ATTEMPTS:
                    raise

    def _write(
        self,
        sessions: sessionmaker[Session],
        tenant_id: int,
        incoming: Sequence[Incoming],
        *,
        now: datetime,
        before_commit: BeforeCommit | None,
    ) -> list[Outcome]:
        name = self.entity.entity
        with sessions.begin() as session:
            mirror = MirrorRepository(session)
            if len(incoming) > 1:
                mirror.plan_each_query()
            wanted = {item.external_id for item in incoming if not item.issues}
            existing = mirror.rows(tenant_id, name, wanted, for_update=True)
            for item in incoming:
                if item.op == "patch" and not item.issues:
                    self._merge(item, existing.get(item.external_id))
            holders = self._holders(session, tenant_id, incoming)
            outcomes: list[Outcome] = []
            writes: list[Write] = []
            first_at: dict[str, int] = {}
            for item in incoming:
                outcome = Outcome(item.index, item.external_id, "rejected", issues=item.issues)
                outcomes.append(outcome)
                if outcome.issues:
                    continue
                earlier = first_at.setdefault(item.external_id, item.index)
                if earlier != item.index:
                    outcome.issues = [_duplicate(item, earlier)]
                    continue
                old = existing.get(item.external_id)
                if item.op == "delete" and old is None:
                    outcome.issues = [self._absent(item)]
                    continue
                if item.op != "delete":
                    outcome.issues = self._taken(item, holders)
                    if outcome.issues:
                        continue
                self._move(item, old, holders)
                writes.append(Write(item.external_id, item.payload))
                outcome.status = "unchanged"  # until the write says otherwise
            try:
                stored = mirror.write_many(tenant_id, name, writes, existing=existing, now=now)
            except ValueTaken as exc:
                raise self._lost(incoming, outcomes, exc) from exc
            written = iter(stored)
            for outcome in outcomes:
                if outcome.status != "rejected":
                    result = next(written)
                    outcome.row, outcome.status = result.row, result.outcome
            self._operations(session, tenant_id, outcomes, now)
            if self.push_flows or self.built_by:
                changed = [o.external_id for o in outcomes if o.changed]
                if changed:
                    note_pushes(session, tenant_id, name, changed)
            if before_commit is not None:
                before_commit(session, outcomes)
        return outcomes

    # -- patches ---------------------------------------------------------------------------

    def _merge(self, item: Incoming, old: StoredRow | None) -> None:
        if old is None or old.deleted:
            item.issues = [self._absent(item)]
            return
        payload, issues = self.validator.payload(merge_patch(old.payload, item.patch))
        item.payload = payload
        item.issues = [issue.under(item.data_path) for issue in issues]

    def _absent(self, item: Incoming) -> FieldIssue:
        return FieldIssue(
            item.id_path,
            f"no {self.entity.label} with external id {item.external_id!r}",
            "not_found",
        )

    # -- unique fields ---------------------------------------------------------------------

    def _holders(
        self, session: Session, tenant_id: int, incoming: Sequence[Incoming]
    ) -> dict[tuple[str, str], str]:
        """``{(field, normalised value): host id}`` of the stored records that hold the values
        these records want (one query)."""
        wanted: dict[str, set[str]] = {}
        for item in incoming:
            if item.payload is None or item.issues:
                continue
            for name, value in values_of(self.entity.entity, item.payload).items():
                wanted.setdefault(name, set()).add(value)
        if not wanted:
            return {}
        return UniqueValueRepository(session).holders(tenant_id, self.entity.entity, wanted)

    def _taken(self, item: Incoming, holders: dict[tuple[str, str], str]) -> list[FieldIssue]:
        issues: list[FieldIssue] = []
        for name, value in values_of(self.entity.entity, item.payload).items():
            owner = holders.get((name, value))
            if owner is not None and owner != item.external_id:
                given = (item.payload or {}).get(name)
                issues.append(self._used(item, name, str(given), value, owner))
        return issues

    def _used(self, item: Incoming, name: str, given: str, value: str, owner: str) -> FieldIssue:
        """The 422 issue of a unique value ``owner`` holds."""
        label = self.entity.label
        compared = next(u.compared for u in unique_fields(self.entity.entity) if u.name == name)
        same = f" ({compared}: both are {value!r})" if value != given else f" ({compared})"
        return FieldIssue(
            item.data_path + json_path((name,))[1:],
            f"{name} {given!r} is already used by {label} {owner!r}{same}; each {label} needs "
            f"its own {name}: send another one, or change or delete {label} {owner!r} first",
            "unique",
        )

    def _move(
        self, item: Incoming, old: StoredRow | None, holders: dict[tuple[str, str], str]
    ) -> None:
        """Let the record give up its old unique values and take its new ones."""
        before = old.payload if old is not None and not old.deleted else None
        for name, value in values_of(self.entity.entity, before).items():
            if holders.get((name, value)) == item.external_id:
                del holders[(name, value)]
        for name, value in values_of(self.entity.entity, item.payload).items():
            holders[(name, value)] = item.external_id

    def _lost(
        self, incoming: Sequence[Incoming], outcomes: list[Outcome], exc: ValueTaken
    ) -> _Lost:
        """What to reject next time: the records whose values a concurrent request took."""
        writers = {
            item.external_id: item
            for item, outcome in zip(incoming, outcomes, strict=True)
            if outcome.status != "rejected"
        }
        issues: dict[int, list[FieldIssue]] = {}
        for taken in exc.taken:
            item = writers[taken.external_id]
            if taken.holder is not None:
                issue = self._used(item, taken.field, taken.given, taken.value, taken.holder)
                issues.setdefault(item.index, []).append(issue)
        return _Lost(issues, exc.taken)

    # -- change operations -----------------------------------------------------------------

    def _operations(
        self, session: Session, tenant_id: int, outcomes: list[Outcome], now: datetime
    ) -> None:
        changed = [o for o in outcomes if o.changed and o.row is not None]
        if not changed:
            return
        settled = self.settled_message
        new = [
            NewOperation(
                entity_type=self.entity.entity,
                external_id=o.external_id,
                action="delete" if o.status == "deleted" else "upsert",
                version=o.row.version if o.row is not None else 0,
                status="succeeded" if settled else "pending",
                flow=", ".join(self.push_flows) or None,
                message=settled,
                first=o.status == "created",
            )
            for o in changed
        ]
        ids = ChangeOperationRepository(session).add_many(tenant_id, new, now=now)
        for outcome, operation_id in zip(changed, ids, strict=True):
            outcome.operation_id = operation_id
        if settled:
            settle_at_once(session, tenant_id, list(zip(ids, new, strict=True)), now=now)


class _Lost(Exception):
    """Records of a write lost unique values to a concurrent request: ``{index: issues}``
    (empty when the values were free again when looked at)."""

    def __init__(self, issues: dict[int, list[FieldIssue]], taken: list[Taken]) -> None:
        super().__init__(f"{len(taken)} unique values were taken meanwhile")
        self.issues = issues


def _duplicate(item: Incoming, earlier: int) -> FieldIssue:
    return FieldIssue(
        item.id_path,
        f"external id {item.external_id!r} is already in this batch (record {earlier}); a batch "
        "may carry each record once: merge the two",
        "duplicate_external_id",
    )
