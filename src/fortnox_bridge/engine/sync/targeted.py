"""Targeted reads: the entities Fortnox announced on a WebSocket topic, read again one by one.

Placeholder until the targeted reads land: :func:`read_entities` only reports what it was asked
to read, so the real-time listener and its jobs can be built and tested around the call.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fortnox_bridge.engine.jobs.service import SyncService

log = logging.getLogger(__name__)


@dataclass
class TargetedResult:
    """What a targeted read of some entities of one topic did."""

    tenant_id: int
    topic: str
    entity_ids: list[Entity]
    #: The flows that read them (none: no enabled flow of the tenant listens to the topic).
    flows: list[str] = field(default_factory=list)
    error: str | None = None


#: An event's ``entityId``, or the event (``entityId`` and the extras of its type).
Entity = str | Mapping[str, Any]


async def read_entities(
    service: SyncService, tenant_id: int, topic: str, entity_ids: Sequence[Entity]
) -> TargetedResult:
    """Run the tenant's flows that declare ``topic``, reading just ``entity_ids``."""
    log.info(
        "targeted read asked",
        extra={"tenant_id": tenant_id, "topic": topic, "entity_ids": list(entity_ids)},
    )
    return TargetedResult(tenant_id, topic, list(entity_ids))
