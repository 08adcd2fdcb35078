"""A first-synchronization plan and its items as people, the API and the CLI see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fortnox_bridge.store.models import FirstSyncItem, FirstSyncPlan


@dataclass
class ItemView:
    """One item of a plan as people and the API see it."""

    id: int
    kind: str
    external_id: str | None
    fortnox_id: str | None
    matched_by: str | None
    label: str
    differences: dict[str, Any]
    details: dict[str, Any]
    notes: list[str]
    decision: dict[str, Any] | None
    needs_decision: bool
    status: str
    outcome: dict[str, Any]
    error: str | None
    host: dict[str, Any] = field(default_factory=dict)
    fortnox: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlanView:
    """A plan with its counts and items."""

    id: int
    entity: str
    status: str
    created_at: datetime
    updated_at: datetime
    apply_started_at: datetime | None
    applied_at: datetime | None
    notified_at: datetime | None
    counts: dict[str, int]
    result: dict[str, Any]
    items: list[ItemView]


def needs_decision(item: FirstSyncItem) -> bool:
    """Whether the item still waits for a decision (every differing field of a pair decided)."""
    decision = item.decision
    if item.kind == "pair":
        if not item.differences or (decision and ("winner" in decision or "skip" in decision)):
            return False
        decided = set((decision or {}).get("fields") or {})
        return not set(item.differences) <= decided
    return decision is None


def item_view(item: FirstSyncItem) -> ItemView:
    """The item as people and the API see it."""
    return ItemView(
        id=item.id,
        kind=item.kind,
        external_id=item.external_id,
        fortnox_id=item.fortnox_id,
        matched_by=item.matched_by,
        label=item.label,
        differences=dict(item.differences),
        details=dict(item.details),
        notes=[str(note) for note in item.notes],
        decision=dict(item.decision) if item.decision is not None else None,
        needs_decision=item.status not in ("done", "skipped") and needs_decision(item),
        status=item.status,
        outcome=dict(item.outcome),
        error=item.error,
        host=dict(item.host),
        fortnox=dict(item.fortnox),
    )


def plan_view(
    plan: FirstSyncPlan, items: Sequence[FirstSyncItem], *, kind: str | None = None
) -> PlanView:
    """The plan with its counts (``kind``: only the items of that kind)."""
    views = [item_view(item) for item in items]
    counts = dict(plan.counts)
    counts["undecided"] = sum(1 for view in views if view.needs_decision)
    for status in ("pending", "working", "done", "skipped", "failed"):
        counts[status] = sum(
            1 for view in views if view.status == status and view.kind != "duplicate"
        )
    return PlanView(
        id=plan.id,
        entity=plan.entity_type,
        status=plan.status,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        apply_started_at=plan.apply_started_at,
        applied_at=plan.applied_at,
        notified_at=plan.notified_at,
        counts=counts,
        result=dict(plan.result),
        items=[view for view in views if kind is None or view.kind == kind],
    )
