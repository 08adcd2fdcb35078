"""Planning a push flow against the store: the host records that need a look, with their links,
and what to do with each (pure per record, see :mod:`planning`; this module reads the store).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.sync.context import TenantContext
from fortnox_bridge.engine.sync.planning import (
    UNCHANGED,
    PlanContext,
    PlannedItem,
    RecordState,
    plan_record,
)
from fortnox_bridge.engine.sync.scope import RunScope
from fortnox_bridge.engine.tenancy.workers import triage_active
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link, MirrorRecord
from fortnox_bridge.store.operations import PushOperationRepository

#: A host record with its link (``None`` when never written).
Row = tuple[MirrorRecord, Link | None]


def push_rows(
    scope: RunScope, flow: Flow, *, only_dirty: bool, wanted: Collection[str] | None
) -> tuple[list[Row], int]:
    """The records of ``flow``'s entity (those needing a look, or all — always all for a flow
    that :attr:`~Flow.replan_all` —; of ``wanted`` only when given) with their links, and how
    many live records the entity has. Sets the flow's :attr:`~Flow.today` from the clock."""
    flow.today = scope.clock.now().date()
    only_dirty = only_dirty and not flow.replan_all
    with scope.sessions.begin() as session:
        mirror = MirrorRepository(session)
        rows = mirror.with_links(
            scope.tenant_id, flow.entity, only_dirty=only_dirty, external_ids=wanted
        )
        return rows, mirror.count_live(scope.tenant_id, flow.entity)


def dirty_linked(scope: RunScope, flow: Flow, wanted: Collection[str] | None) -> list[str]:
    """Host ids of the records ``flow`` would update: linked, not deleted, needing a look."""
    rows, _ = push_rows(scope, flow, only_dirty=True, wanted=wanted)
    return [r.external_id for r, link in rows if link is not None and not r.deleted]


def plan_rows(
    scope: RunScope,
    flow: Flow,
    rows: list[Row],
    context: TenantContext | None = None,
    *,
    claim: bool,
) -> list[PlannedItem]:
    """The plan of ``rows``. ``claim``: take over stale pending-create markers for this scope's
    owner (a real run is about to apply the plan); otherwise nothing is written."""
    if not rows:
        return []
    plan_context = _plan_context(scope, flow, rows, context, claim=claim)
    if flow.related_entities:
        flow.use_related(related_records(scope, flow, [record.payload for record, _ in rows]))
    items = [plan_record(flow, _state(record, link), plan_context) for record, link in rows]
    return [_without_create_only(flow, item) for item in items]


def _plan_context(
    scope: RunScope,
    flow: Flow,
    rows: list[Row],
    context: TenantContext | None,
    *,
    claim: bool,
) -> PlanContext:
    tenant_id = scope.tenant_id
    now = scope.clock.now()
    with scope.sessions.begin() as session:
        recover, in_flight = triage_active(
            PushOperationRepository(session),
            tenant_id,
            flow.entity,
            me=scope.owner,
            now=now,
            claim=claim,
        )
        conflicts = ConflictRepository(session).open_for_entity(tenant_id, flow.entity)
        references = _references(session, flow, tenant_id, rows)
    return PlanContext(
        references=references,
        conflicts={ext: frozenset(c.fields) for ext, c in conflicts.items()},
        recover=recover,
        in_flight=in_flight,
        checks=context.checks if context is not None else PlanContext().checks,
    )


def related_records(
    scope: RunScope, flow: Flow, payloads: Collection[Mapping[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """The live host records of ``flow``'s :attr:`~Flow.related_entities` that ``payloads``
    name, ``{entity: {key: payload}}`` (one read per entity)."""
    wanted: dict[str, set[str]] = {}
    for payload in payloads:
        for entity, keys in flow.related_keys(payload).items():
            wanted.setdefault(entity, set()).update(keys)
    found: dict[str, dict[str, dict[str, Any]]] = {}
    with scope.sessions.begin() as session:
        mirror = MirrorRepository(session)
        for entity, field_name in flow.related_entities.items():
            keys = wanted.get(entity, set())
            table = found.setdefault(entity, {})
            if not keys:
                continue
            for record in mirror.live(scope.tenant_id, entity):
                key = record.payload.get(field_name)
                if key is not None and str(key) in keys:
                    table[str(key)] = dict(record.payload)
    return found


def _without_create_only(flow: Flow, item: PlannedItem) -> PlannedItem:
    """An update never sends the flow's create-only fields; one left with nothing to send is
    unchanged."""
    if not flow.create_only or item.action != "update":
        return item
    changes = {k: v for k, v in item.changes.items() if k not in flow.create_only}
    if not changes:
        return replace(item, action="unchanged", reason=UNCHANGED, changes={})
    reason = item.reason
    if reason.startswith("changed: "):
        _, conflict, rest = reason.partition(" (conflict")
        reason = "changed: " + ", ".join(sorted(changes)) + conflict + rest
    return replace(item, changes=changes, reason=reason)


def _references(
    session: Session, flow: Flow, tenant_id: int, rows: list[tuple[MirrorRecord, Link | None]]
) -> dict[str, dict[str, str]]:
    if not flow.references:
        return {}
    links = LinkRepository(session)
    resolved: dict[str, dict[str, str]] = {}
    for host_field, entity in flow.references.items():
        ids = sorted({str(r.payload[host_field]) for r, _ in rows if r.payload.get(host_field)})
        resolved.setdefault(entity, {}).update(links.fortnox_ids(tenant_id, entity, ids))
    return resolved


def _state(record: MirrorRecord, link: Link | None) -> RecordState:
    return RecordState(
        external_id=record.external_id,
        payload=record.payload,
        version=record.version,
        deleted=record.deleted,
        link_fortnox_id=link.fortnox_id if link else None,
        link_state=link.state if link else None,
        link_snapshot=link.snapshot if link else None,
        link_hash=link.snapshot_hash if link else None,
    )
