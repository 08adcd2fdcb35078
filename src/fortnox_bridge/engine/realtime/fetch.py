"""What a fetch job does: the targeted reads of the entities its events named, then the events
marked read. An entity is its event's ``entityId``, or (a voucher) the event's ``entityId``
with the extras of its type, as the job carries them (``StreamEvent.key``)."""

from __future__ import annotations

import logging

from fortnox_bridge.engine.jobs.dispatch import Job
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.sync import targeted
from fortnox_bridge.engine.sync.targeted import TargetedResult
from fortnox_bridge.store.realtime import RealtimeRepository, entity_of

log = logging.getLogger(__name__)


async def run_fetch(service: SyncService, job: Job) -> list[TargetedResult]:
    """Read each topic's entities of ``job`` for its tenant (through the flows that declare the
    topic), then mark the events received until now as read."""
    started = service.clock.now()
    results = []
    for topic, keys in job.records:
        entities = [entity_of(key) for key in keys]
        results.append(await targeted.read_entities(service, job.tenant_id, topic, entities))
    with service.sessions.begin() as session:
        events = RealtimeRepository(session)
        for topic, entity_ids in job.records:
            events.handled(job.tenant_id, topic, entity_ids, until=started)
    log.info(
        "fetch finished",
        extra={"tenant_id": job.tenant_id, "fetched": {t: list(ids) for t, ids in job.records}},
    )
    return results
