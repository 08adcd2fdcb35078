"""What an event of Fortnox's WebSocket topics turns into: a read of the one record it names,
by the tenant's flows that listen to the topic, stored as a sweep would store it.

Each flow declares its topics (``Flow.topics``, in ``flows/<family>/``) and which record an event
names (``Flow.topic_target``): the projects family's cost-centre import reads a cost centre, its
voucher import a voucher, its paid-date pulls an invoice or supplier invoice; the ledger family
reads a voucher into its stored year and refreshes the list of financial years. The hr and
payroll families have no topic (Fortnox publishes none for employees, salaries or absences).
Only flows the tenant runs (its families, enabled) react; an event no such flow listens to costs
nothing.

The read runs as the tenant's one writer (``SyncService.read``): a job that already holds the
writer (the listener's job) goes on as itself. A read that made a request is kept as a run of
kind ``event``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.sync.context import load_context

if TYPE_CHECKING:
    from fortnox_bridge.engine.jobs.service import SyncService

#: An event as the listener hands it: its ``entityId`` alone, or the event itself (a mapping
#: with ``entityId`` and the extras of its type, such as a voucher's ``year``, ``series``, ``id``).
Entity = str | Mapping[str, Any]
#: The event fields that are not extras of its type.
_HEAD = frozenset({"topic", "offset", "type", "tenantId", "entityId", "timestamp"})


@dataclass
class TargetedResult:
    """What the events of one topic made the tenant's flows read."""

    tenant_id: int
    topic: str
    #: ``{flow name: [Fortnox id, ...]}`` read (empty: no flow of the tenant listens).
    targets: dict[str, list[str]] = field(default_factory=dict)
    #: The run (``None`` when nothing was read).
    summary: RunSummary | None = None

    @property
    def ignored(self) -> bool:
        """Whether no flow the tenant runs listens to the topic (nothing was read)."""
        return not self.targets

    @property
    def requests(self) -> int:
        """Requests sent to Fortnox."""
        return self.summary.requests if self.summary is not None else 0

    @property
    def error(self) -> str | None:
        """What stopped the read, if anything did."""
        return self.summary.error if self.summary is not None else None


def split(entity: Entity) -> tuple[str, dict[str, Any]]:
    """``(entity id, extras)`` of an event or a bare entity id."""
    if isinstance(entity, str):
        return entity, {}
    entity_id = entity.get("entityId", entity.get("entity_id", ""))
    extras = {k: v for k, v in entity.items() if k not in _HEAD and k != "entity_id"}
    return str(entity_id if entity_id is not None else ""), extras


def targets_of(
    flows: Sequence[Flow], topic: str, entities: Sequence[Entity]
) -> dict[str, list[str]]:
    """``{flow name: [Fortnox id, ...]}``: what each of ``flows`` listening to ``topic`` reads
    for ``entities`` (each id once, in the events' order)."""
    targets: dict[str, list[str]] = {}
    for flow in flows:
        if topic not in flow.topics:
            continue
        ids: dict[str, None] = {}
        for entity in entities:
            target = flow.topic_target(topic, *split(entity))
            if target is not None:
                ids[target] = None
        if ids:
            targets[flow.name] = list(ids)
    return targets


async def read_entities(
    service: SyncService, tenant_id: int, topic: str, entity_ids: Sequence[Entity]
) -> TargetedResult:
    """Read what events of ``topic`` for ``tenant_id`` name (see the module): each record once,
    one request per record at most, under the tenant's one-writer rule."""
    with service.sessions.begin() as session:
        context = load_context(session, tenant_id, service.runner.flows)
    enabled = [context.flows[name] for name in context.enabled]
    result = TargetedResult(tenant_id, topic, targets_of(enabled, topic, entity_ids))
    if result.targets:
        result.summary = await service.read(tenant_id, result.targets)
    return result
