"""The admin's decisions on a first-synchronization plan: what fits each kind of item, and
whether a plan is ready to apply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.services.first_sync.errors import InvalidDecisionError, NotReadyError
from fortnox_bridge.services.first_sync.views import needs_decision
from fortnox_bridge.store.models import FirstSyncItem

Side = Literal["host", "fortnox"]
SIDES: tuple[Side, ...] = ("host", "fortnox")
#: What a decision of each kind of item may say.
DECISIONS = {
    "pair": ("winner", "fields", "skip"),
    "host_only": ("create", "skip"),
    "fortnox_only": ("create", "skip"),
    "duplicate": ("skip",),
}


def checked(item: FirstSyncItem, decision: Mapping[str, Any]) -> dict[str, Any] | None:
    """The decision as stored, or ``InvalidDecisionError`` saying what fits the item."""
    allowed = DECISIONS[item.kind]
    given = [key for key in ("winner", "fields", "create", "skip") if key in decision]
    if len(given) != 1 or given[0] not in allowed:
        raise InvalidDecisionError(
            f"item {item.id} is a {item.kind.replace('_', '-')} item: decide it with one of "
            + ", ".join(repr(key) for key in allowed)
        )
    key, value = given[0], decision[given[0]]
    if key == "skip":
        if item.kind == "duplicate" and value is False:
            return None  # taken back: the duplicate blocks apply again
        if value is not True:
            raise InvalidDecisionError(
                "'skip' must be true (or false to take a skip back)", path="skip"
            )
        return {"skip": True}
    if key == "create":
        if not isinstance(value, bool):
            raise InvalidDecisionError("'create' must be true or false", path="create")
        if value and "cannot_create" in item.details:
            raise InvalidDecisionError(
                f"item {item.id} cannot be created: " + item.details["cannot_create"],
                path="create",
            )
        return {"create": value}
    if key == "winner":
        if value not in SIDES:
            raise InvalidDecisionError("'winner' must be 'host' or 'fortnox'", path="winner")
        return {"winner": value}
    return {"fields": _field_decisions(item, value)}


def _field_decisions(item: FirstSyncItem, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidDecisionError(
            "'fields' must map differing fields to 'host' or 'fortnox'", path="fields"
        )
    unknown = sorted(set(value) - set(item.differences))
    if unknown:
        raise InvalidDecisionError(
            f"item {item.id} has no difference in {', '.join(unknown)}; its differing fields: "
            + (", ".join(sorted(item.differences)) or "none"),
            path=f"fields.{unknown[0]}",
        )
    bad = sorted(name for name, side in value.items() if side not in SIDES)
    if bad:
        raise InvalidDecisionError(
            f"fields {', '.join(bad)}: the side must be 'host' or 'fortnox'",
            path=f"fields.{bad[0]}",
        )
    required = required_host_fields()
    for name, side in value.items():
        if side == "fortnox" and name in required and item.differences[name]["fortnox"] is None:
            raise InvalidDecisionError(
                f"Fortnox has no {name} for this employee and the host requires one: the host's "
                "value must win (it is written to Fortnox)",
                path=f"fields.{name}",
            )
    previous = dict((item.decision or {}).get("fields") or {})
    winner = (item.decision or {}).get("winner")
    if winner is not None:
        previous = dict.fromkeys(item.differences, winner)
    return {**previous, **{name: str(side) for name, side in value.items()}}


def required_host_fields() -> frozenset[str]:
    """Host employee fields that must have a value."""
    model = EmployeePush.record_model
    return frozenset(name for name, info in model.model_fields.items() if info.is_required())


def ready(items: Sequence[FirstSyncItem]) -> None:
    """Refuse apply while items are undecided or duplicates unresolved."""
    waiting = [i for i in items if i.status not in ("done", "skipped") and needs_decision(i)]
    duplicates = [i for i in waiting if i.kind == "duplicate"]
    undecided = [i for i in waiting if i.kind != "duplicate"]
    listed = [{"id": i.id, "kind": i.kind, "label": i.label} for i in duplicates + undecided]
    if duplicates:
        raise NotReadyError(
            f"{len(duplicates)} duplicate(s) must be resolved first: make the values unique in "
            "Fortnox or the host and make a new plan, or mark them skip to leave the employees "
            "involved out"
            + (f"; {len(undecided)} other item(s) are undecided too" if undecided else ""),
            items=listed,
        )
    if undecided:
        raise NotReadyError(
            f"{len(undecided)} item(s) are undecided: decide them one by one or all at once "
            "(POST /api/v1/hr/first-sync/decide)",
            items=listed,
        )
