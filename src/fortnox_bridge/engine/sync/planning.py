"""Planning a push: what to do with each host record, and why. Pure: no I/O.

The same plan is shown by ``--dry-run`` and applied by a real run, so every decision carries a
human reason ("changed: city, phone1", "waiting for employee emp-3 to reach Fortnox", ...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from fortnox_bridge.engine.flow.base import Excluded, Flow, changed_fields, fingerprint

Action = Literal["create", "update", "delete", "unchanged", "skip"]
UNCHANGED = "no change since the last agreed snapshot"


@dataclass(frozen=True)
class DateChecks:
    """What pre-flight knows about the dates a tenant may write (cached Fortnox facts)."""

    locked_until: date | None = None
    #: ``(first day, last day)`` of each financial year; ``None`` when not known yet.
    financial_years: tuple[tuple[date, date], ...] | None = None

    def refusal(self, day: date, *, needs_financial_year: bool = False) -> str | None:
        """Why ``day`` cannot be written, or ``None``; the financial years count only for a
        record that ``needs_financial_year`` (see :attr:`Flow.needs_financial_year`)."""
        if self.locked_until is not None and day <= self.locked_until:
            return (
                f"{day} is in the locked period (locked up to {self.locked_until}); "
                "unlock the period in Fortnox or correct the date"
            )
        if (
            needs_financial_year
            and self.financial_years is not None
            and not any(first <= day <= last for first, last in self.financial_years)
        ):
            return f"no financial year covers {day}; create the financial year in Fortnox"
        return None


@dataclass(frozen=True)
class PlannedItem:
    """What the engine will do with one host record, and why."""

    flow: str
    external_id: str
    action: Action
    reason: str
    version: int
    reference: str
    fields: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    fortnox_id: str | None = None
    natural_key: str | None = None
    record_date: date | None = None
    #: A create whose earlier attempt may have reached Fortnox: look it up before creating.
    recover: bool = False
    #: A skip that is a problem to report (not a wait that sorts itself out).
    problem: bool = False
    #: The link is currently ``deleted`` (deactivated): an update brings it back.
    revive: bool = False
    #: A create that meets an unlinked Fortnox record with its natural key, ``(Fortnox id, its
    #: listed fields)``: that record is adopted instead (see ``engine/sync/existing.py``).
    existing: tuple[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class RecordState:
    """One host record as planning sees it."""

    external_id: str
    payload: Mapping[str, Any]
    version: int
    deleted: bool
    link_fortnox_id: str | None = None
    link_state: str | None = None
    link_snapshot: Mapping[str, Any] | None = None
    link_hash: str | None = None


@dataclass(frozen=True)
class PlanContext:
    """Everything about the tenant that planning needs besides the record itself."""

    #: Fortnox ids of referenced entities, ``{entity: {host id: Fortnox id}}``.
    references: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: Fields under an open conflict, by host id.
    conflicts: Mapping[str, Set[str]] = field(default_factory=dict)
    #: Host ids with a create that may have reached Fortnox (stale pending-create markers).
    recover: Set[str] = frozenset()
    #: Host ids another worker is writing right now.
    in_flight: Set[str] = frozenset()
    checks: DateChecks = field(default_factory=DateChecks)


def plan_record(flow: Flow, state: RecordState, context: PlanContext) -> PlannedItem:
    """Plan one record of a push flow."""
    item = PlannedItem(
        flow=flow.name,
        external_id=state.external_id,
        action="skip",
        reason="",
        version=state.version,
        reference=flow.reference(state.external_id, state.payload),
        fortnox_id=state.link_fortnox_id,
    )
    if state.external_id in context.in_flight:
        return replace(item, reason="another worker is writing this record right now")
    if state.deleted:
        return _plan_delete(flow, state, item)
    resolved, missing = resolve_references(flow, state.payload, context.references)
    if missing:
        return replace(item, problem=True, reason=f"waiting for {missing} to reach Fortnox first")
    try:
        fields = flow.map(resolved)
        record_date = flow.date_of(fields)
    except Excluded as exc:
        return replace(item, reason=f"excluded: {exc}")
    except (KeyError, ValueError, TypeError) as exc:
        return replace(item, problem=True, reason=f"the record cannot be mapped: {exc}")
    item = replace(item, fields=fields, record_date=record_date, natural_key=flow.key_of(fields))
    refusal = (
        context.checks.refusal(record_date, needs_financial_year=flow.needs_financial_year)
        if record_date
        else None
    )
    if refusal is not None:
        return replace(item, reason=refusal, problem=True)
    return _with_warnings(_plan_write(flow, state, context, item), flow.warnings(resolved))


def _plan_write(
    flow: Flow, state: RecordState, context: PlanContext, item: PlannedItem
) -> PlannedItem:
    fields = item.fields
    if state.link_fortnox_id is None:
        if state.external_id in context.recover:
            reason = "an earlier create may have reached Fortnox: look it up before creating"
            return replace(item, action="create", changes=fields, recover=True, reason=reason)
        return replace(item, action="create", changes=fields, reason="not in Fortnox yet")
    return _plan_update(flow, state, context, item)


def _with_warnings(item: PlannedItem, warnings: Sequence[str]) -> PlannedItem:
    """A write's reason with what the flow warns the tenant about (a text cut to fit)."""
    if not warnings or item.action not in ("create", "update"):
        return item
    return replace(item, reason=item.reason + "; warning: " + "; ".join(warnings))


def _plan_update(
    flow: Flow, state: RecordState, context: PlanContext, item: PlannedItem
) -> PlannedItem:
    fields = item.fields
    revive = state.link_state == "deleted"
    if state.link_state == "missing":
        return replace(item, problem=True, reason="the Fortnox record was deleted in Fortnox")
    if not revive and state.link_hash == fingerprint(fields):
        return replace(item, action="unchanged", reason=UNCHANGED)
    changes = changed_fields(state.link_snapshot or {}, fields)
    held = context.conflicts.get(state.external_id, frozenset())
    waiting = ", ".join(sorted(held & changes.keys()))
    changes = {name: value for name, value in changes.items() if name not in held}
    if revive:
        changes.update(flow.undelete_by)
    if not changes:
        if waiting:
            return replace(item, reason=f"conflict open on {waiting}: resolve it first")
        return replace(item, action="unchanged", reason=UNCHANGED)
    reason = ("deleted earlier, back again: " if revive else "changed: ") + ", ".join(
        sorted(changes)
    )
    if waiting:
        reason += f" (conflict open on {waiting})"
    return replace(item, action="update", changes=changes, revive=revive, reason=reason)


def _plan_delete(flow: Flow, state: RecordState, item: PlannedItem) -> PlannedItem:
    if state.link_fortnox_id is None or state.link_state in ("deleted", "missing"):
        return replace(item, action="unchanged", reason="deleted; nothing left in Fortnox")
    how = (
        "deactivate: " + ", ".join(f"{k}={v}" for k, v in flow.delete_by.items())
        if flow.delete_by is not None
        else "delete"
    )
    return replace(
        item,
        action="delete",
        changes=dict(flow.delete_by or {}),
        reason=f"deleted by the host; {how} in Fortnox",
    )


def resolve_references(
    flow: Flow, payload: Mapping[str, Any], references: Mapping[str, Mapping[str, str]]
) -> tuple[dict[str, Any], str | None]:
    """The payload with references replaced by Fortnox ids, or the first missing reference."""
    resolved = dict(payload)
    for host_field, entity in flow.references.items():
        host_id = payload.get(host_field)
        if host_id is None:
            continue
        fortnox_id = references.get(entity, {}).get(str(host_id))
        if fortnox_id is None:
            return resolved, f"{entity} {host_id}"
        resolved[host_field] = fortnox_id
    return resolved, None
