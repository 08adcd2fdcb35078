"""How accepted host changes end: change operations settled after a run, each with an event.

The API creates a ``pending`` change operation for every change it stores. After a run (sweep
or event-driven push) the engine looks at the open operations of the entities the run's push
flows read, and settles them from what the run and the store say:

- the record is where the change wanted it — linked to Fortnox at this version or later (written,
  adopted, or already equal), or deleted with nothing left in Fortnox — ``succeeded``, with the
  Fortnox id (a new employee's ``EmployeeId`` reaches the host this way);
- the run's item for the record failed — ``failed``, with Fortnox's code, HTTP status, message,
  explanation and fix;
- an open conflict (policy ``ask``) holds fields of the record back — ``conflict``, with the
  conflict's id; this comes first: a record whose other fields were written, or that is linked
  at this version because nothing but the held fields changed, is not in Fortnox as the host
  has it, so it never counts as ``succeeded`` while the conflict is open. When the conflict
  closes (decided, or both sides came to hold the same values) the operation goes on like any
  other and its message says how the conflict ended;
- the engine held the item back for a problem someone has to fix (a referenced employee not in
  Fortnox yet, a day in the locked period, an absence type with no cause code) — ``held``, with
  the reason as its message and an ``operation.held`` event (again when the reason changes);
  once the cause is fixed a later run ends it as ``succeeded`` or ``failed``;
- the item waits its turn (another worker is writing the record, a flow that could not run) —
  it stays ``pending``, with the reason as its message.

A ``failed`` operation is looked at again by later runs: the engine keeps trying a record that
failed, and when it gets through the operation becomes ``succeeded`` (with a second event). A
newer change of the same record supersedes it.

Each settlement appends ``operation.succeeded``, ``operation.failed`` or ``operation.held`` to the
tenant's event feed in the same transaction (a conflict has its own event, ``conflict.opened``).
Records the bridge builds others from (time entries, and the projects and absence types they
name, which become salary days) are settled by their builder after each run
(:func:`settle_built_from`): ``held`` while a time entry is left out of its day or its day is
held back, then ``succeeded`` once the day is in Fortnox, or ``failed`` with Fortnox's refusal;
an absence type also waits for the absences on it when the tenant sends absences.
Entities that nothing reads are settled by the API at once (:func:`settle_at_once`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.base import Builder
from fortnox_bridge.engine.flow.results import ItemOutcome, RunSummary
from fortnox_bridge.store.change_operations import (
    ChangeOperationRepository,
    NewOperation,
    SyncState,
)
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.events import EventRepository, NewEvent
from fortnox_bridge.store.models import ChangeOperation, Conflict

#: The event each status that is announced appends.
EVENT_TYPES = {
    "succeeded": "operation.succeeded",
    "failed": "operation.failed",
    "held": "operation.held",
}


class OperationSettler:
    """Moves change operations of one tenant to their outcome and announces it."""

    def __init__(self, session: Session, tenant_id: int, *, now: datetime) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.now = now
        self.events = EventRepository(session)
        #: Events announced and not yet appended (see :meth:`flush`).
        self._announced: list[NewEvent] = []

    def succeed(self, op: ChangeOperation, *, fortnox_id: str | None, message: str) -> None:
        """The change is in Fortnox (or needed nothing there)."""
        op.status, op.fortnox_id, op.message = "succeeded", fortnox_id or None, message
        op.code = op.http_status = None
        op.explanation = op.fix = None
        op.updated_at = self.now
        self.announce(op)

    def hold(self, op: ChangeOperation, conflict: Conflict, message: str) -> bool:
        """An open conflict holds fields of the record back (no event: the conflict has its
        own); returns whether anything changed."""
        if (op.status, op.conflict_id, op.message) == ("conflict", conflict.id, message):
            return False
        op.status, op.conflict_id, op.message = "conflict", conflict.id, message
        op.fortnox_id = conflict.fortnox_id
        op.code = op.http_status = None
        op.explanation = op.fix = None
        op.updated_at = self.now
        return True

    def fail(self, op: ChangeOperation, flow: str, item: ItemOutcome) -> None:
        """Fortnox refused the change (or the write could not be done)."""
        op.status, op.flow = "failed", flow
        op.fortnox_id = item.fortnox_id
        op.code, op.http_status = item.code, item.status
        op.message = item.message or item.reason
        op.explanation = item.explanation or None
        op.fix = item.fix or None
        op.updated_at = self.now
        self.announce(op)

    def hold_back(self, op: ChangeOperation, flow: str, message: str) -> bool:
        """The engine holds the change back before Fortnox (a problem someone has to fix: an
        employee not in Fortnox yet, a locked period, an unmapped code); announced when the
        status or the reason is new. Returns whether anything changed."""
        if (op.status, op.message) == ("held", message):
            return False
        op.status, op.flow, op.message = "held", flow, message
        op.code = op.http_status = None
        op.explanation = op.fix = None
        op.updated_at = self.now
        self.announce(op)
        return True

    def wait(self, op: ChangeOperation, message: str) -> None:
        """The change is not through yet; ``message`` says why (no event)."""
        if op.status == "conflict":
            op.status, op.updated_at = "pending", self.now  # the conflict is closed
        if op.message != message:
            op.message, op.updated_at = message, self.now

    def announce(self, op: ChangeOperation) -> None:
        """Note the event of ``op``'s final status (appended by :meth:`flush`)."""
        self._announced.append(
            NewEvent(EVENT_TYPES[op.status], event_data(op), op.entity_type, op.external_id)
        )

    def flush(self) -> None:
        """Append the announced events, in order, with one numbering of the tenant's feed."""
        self.events.append_many(self.tenant_id, self._announced, now=self.now)
        self._announced = []


def event_data(op: ChangeOperation) -> dict[str, object]:
    """What an ``operation.*`` event tells about ``op``."""
    return {
        "operation_id": op.id,
        "entity": op.entity_type,
        "external_id": op.external_id,
        "action": op.action,
        "version": op.version,
        "status": op.status,
        "fortnox_id": op.fortnox_id,
        "code": op.code,
        "message": op.message,
    }


def settle_at_once(
    session: Session,
    tenant_id: int,
    operations: Sequence[tuple[int, NewOperation]],
    *,
    now: datetime,
) -> None:
    """Announce operations the API stored already ``succeeded`` (no push flow reads them)."""
    new = [
        NewEvent(
            EVENT_TYPES["succeeded"],
            {
                "operation_id": operation_id,
                "entity": op.entity_type,
                "external_id": op.external_id,
                "action": op.action,
                "version": op.version,
                "status": "succeeded",
                "fortnox_id": None,
                "code": None,
                "message": op.message,
            },
            op.entity_type,
            op.external_id,
        )
        for operation_id, op in operations
    ]
    EventRepository(session).append_many(tenant_id, new, now=now)


@dataclass(frozen=True)
class Settlement:
    """Where a change of a record the bridge builds others from stands (its builder says)."""

    #: ``succeeded``, ``failed``, ``held`` or ``pending``.
    status: str
    message: str
    #: The push flow that carries it (for ``failed`` and ``held``).
    flow: str | None = None
    #: Fortnox's refusal (for ``failed``).
    item: ItemOutcome | None = None


def settle_built_from(
    session: Session,
    summary: RunSummary,
    builders: Sequence[Builder],
    *,
    now: datetime,
) -> int:
    """Settle the open operations of the records ``builders`` build from (time entries, whose
    salary days the payroll flows write), as each builder says; returns how many moved."""
    repository = ChangeOperationRepository(session)
    settler = OperationSettler(session, summary.tenant_id, now=now)
    moved = 0
    for builder in builders:
        operations = [
            op
            for op in repository.unsettled(summary.tenant_id, builder.built_from)
            if op.created_at <= summary.started_at  # the run may not have built this version
        ]
        if not operations:
            continue
        decided: dict[int, Settlement] = builder.settle(
            session, summary.tenant_id, operations, summary.flows
        )
        for op in operations:
            found = decided.get(op.id)
            if found is None:
                continue
            if found.status == "succeeded":
                settler.succeed(op, fortnox_id=None, message=found.message)
                moved += 1
            elif found.status == "failed" and found.item is not None:
                if op.status != "failed":
                    settler.fail(op, found.flow or "", found.item)
                    moved += 1
            elif found.status == "held":
                moved += settler.hold_back(op, found.flow or "", found.message)
            elif op.status != "failed":
                settler.wait(op, found.message)
    settler.flush()
    return moved


def settle_after_run(session: Session, summary: RunSummary, *, now: datetime) -> int:
    """Settle the open operations the run's push flows decide; returns how many moved."""
    entities, items, flow_errors = _pushed(summary)
    repository = ChangeOperationRepository(session)
    operations = repository.unsettled(summary.tenant_id, entities)
    if not operations:
        return 0
    states: dict[str, dict[str, SyncState]] = {}
    for entity in {op.entity_type for op in operations}:
        ids = [op.external_id for op in operations if op.entity_type == entity]
        states[entity] = repository.sync_states(summary.tenant_id, entity, ids)
    conflicts = ConflictRepository(session)
    held = {
        entity: conflicts.open_for_entity(summary.tenant_id, entity)
        for entity in {op.entity_type for op in operations}
    }
    settler = OperationSettler(session, summary.tenant_id, now=now)
    moved = 0
    for op in operations:
        state = states[op.entity_type].get(op.external_id)
        found = items.get((op.entity_type, op.external_id), [])
        conflict = held[op.entity_type].get(op.external_id) if op.action != "delete" else None
        if conflict is not None:
            before = (
                op.message if (op.status, op.conflict_id) == ("conflict", conflict.id) else None
            )
            moved += settler.hold(op, conflict, _held_back(conflict, found, before))
            continue
        decided = conflicts.get(op.conflict_id) if op.conflict_id is not None else None
        if state is not None and _arrived(op, state):
            message = _success(op, found)
            if decided is not None and decided.status != "open":
                message = f"{message}; {_ended(decided)}"
            settler.succeed(op, fortnox_id=state.fortnox_id, message=message)
            moved += 1
            continue
        if op.status == "conflict":
            ended = _ended(decided) if decided is not None else "the conflict is closed"
            settler.wait(op, f"{ended}; waiting for the next run")
        if op.status == "failed" or op.created_at > summary.started_at:
            # failed: only a success moves it again; stored after the run began: the run may
            # not have seen this version
            continue
        failed = [(flow, item) for flow, item in found if item.outcome == "failed"]
        held_back = [(flow, item) for flow, item in found if _held_back_item(item)]
        if failed:
            settler.fail(op, *failed[0])
            moved += 1
        elif held_back:
            flow, item = held_back[0]
            moved += settler.hold_back(op, flow, item.message or item.reason)
        elif found:
            settler.wait(op, "; ".join(item.message or item.reason for _, item in found))
        elif op.entity_type in flow_errors:
            settler.wait(op, flow_errors[op.entity_type])
    settler.flush()
    return moved


def _pushed(
    summary: RunSummary,
) -> tuple[set[str], dict[tuple[str, str], list[tuple[str, ItemOutcome]]], dict[str, str]]:
    """What the run's push flows say: their entities, the items by ``(entity, host id)`` with
    their flow, and the error that stopped a flow, by entity."""
    entities: set[str] = set()
    items: dict[tuple[str, str], list[tuple[str, ItemOutcome]]] = {}
    flow_errors: dict[str, str] = {}
    for result in summary.flows:
        family_entity_direction = result.flow.split(".")
        if len(family_entity_direction) != 3 or family_entity_direction[2] != "push":
            continue
        entity = family_entity_direction[1]
        entities.add(entity)
        if result.error:
            flow_errors[entity] = result.error
        for item in result.items:
            items.setdefault((entity, item.external_id), []).append((result.flow, item))
    return entities, items, flow_errors


def _held_back_item(item: ItemOutcome) -> bool:
    """An item the engine held back for a problem someone has to fix (not one that simply
    waits its turn, such as a record another worker is writing)."""
    return item.outcome == "skipped" and item.problem


def release_held(session: Session, conflict: Conflict, *, now: datetime) -> None:
    """``conflict`` was decided: the operations it held back wait for the next run again."""
    message = f"{_ended(conflict)}; waiting for the next run"
    for op in ChangeOperationRepository(session).held_by(conflict.tenant_id, conflict.id):
        op.status, op.message, op.updated_at = "pending", message, now


WRITTEN = "updated in Fortnox: "


def _held_back(conflict: Conflict, found: list[tuple[str, ItemOutcome]], before: str | None) -> str:
    """What an operation held back by ``conflict`` says; ``before``: what it said while the same
    conflict held it (the fields an earlier run wrote are still named)."""
    fields = ", ".join(sorted(conflict.fields))
    written = [item for _, item in found if item.outcome == "ok" and item.action == "update"]
    held = (
        f"conflict {conflict.id} is open on {fields}: nothing is sent to Fortnox for "
        f"{'this field' if len(conflict.fields) == 1 else 'these fields'} until it is decided"
    )
    if written:
        return f"{WRITTEN}{', '.join(sorted(written[-1].changes))}; {held}"
    if before is not None and before.startswith(WRITTEN):
        return f"{before.split('; ', 1)[0]}; {held}"
    return held


def _ended(conflict: Conflict) -> str:
    """How the conflict that held an operation back ended."""
    return {
        "agreed": f"conflict {conflict.id} closed: both sides now hold the same values",
        "bridge": f"conflict {conflict.id} decided for the host's values",
        "fortnox": f"conflict {conflict.id} decided for Fortnox's values (kept in Fortnox)",
        "mixed": f"conflict {conflict.id} decided field by field",
    }.get(conflict.resolution or "", f"conflict {conflict.id} is closed")


def _arrived(op: ChangeOperation, state: SyncState) -> bool:
    if op.action == "delete":
        return state.deleted and state.link_state in (None, "deleted", "missing")
    return (
        not state.deleted
        and state.link_state == "linked"
        and state.synced_version is not None
        and state.synced_version >= op.version
    )


def _success(op: ChangeOperation, found: list[tuple[str, ItemOutcome]]) -> str:
    done = [item for _, item in found if item.outcome == "ok"]
    if not done:
        if op.action == "delete":
            return "deleted; nothing was left to delete in Fortnox"
        return "Fortnox already had these values; nothing was sent"
    item = done[-1]
    if item.reason.startswith("found in Fortnox"):
        return item.reason
    if item.action == "delete":
        return "deactivated in Fortnox" if item.changes else "deleted in Fortnox"
    if item.action == "update" and item.changes:
        # The fields sent: an update sends only what changed.
        return f"{WRITTEN}{', '.join(sorted(item.changes))}"
    return {"create": "created in Fortnox", "update": "updated in Fortnox"}.get(
        item.action, "written to Fortnox"
    )
