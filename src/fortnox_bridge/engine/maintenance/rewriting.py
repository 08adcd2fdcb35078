"""Re-writing records of a derived flow: delete their disconnected Fortnox records and write
them afresh from current data, mappings and Fortnox facts (``fortnox-bridge hr rewrite-absences``).

A run of kind ``rewrite`` is kept like any sweep (item log, problems); ``dry_run`` reads Fortnox
(schedules) but writes nothing anywhere.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import ConnectionStateError, EngineError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.results import FlowResult, RunSummary, describe_error
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.sync.context import load_context
from fortnox_bridge.engine.sync.derived_push import DerivedPusher
from fortnox_bridge.engine.sync.deriving import is_derived
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.engine.sync.recording import RunRecorder
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.engine.tenancy.workers import new_worker_id
from fortnox_bridge.engine.tenancy.writer import current_job


async def rewrite_records(
    sessions: sessionmaker[Session],
    clock: Clock,
    flows: Sequence[type[Flow]],
    *,
    tenant_id: int,
    flow_name: str,
    source: ClientSource,
    external_ids: Collection[str],
    dry_run: bool = False,
    owner: str | None = None,
) -> RunSummary:
    """Re-write ``external_ids`` of derived flow ``flow_name`` for one tenant."""
    with sessions.begin() as session:
        context = load_context(session, tenant_id, flows)
    flow = context.flows.get(flow_name)
    if flow is None or not is_derived(flow):
        derived = sorted(n for n, f in context.flows.items() if is_derived(f))
        raise EngineError(f"{flow_name!r} is not a derived flow; re-write one of: {derived}")
    summary = RunSummary(tenant_id=tenant_id, started_at=clock.now(), dry_run=dry_run)
    result = FlowResult(flow=flow.name)
    summary.flows.append(result)
    before = source.requests_made
    # Hold the tenant's writer around this call (``writer.py``); its job then owns the writes.
    owner = current_job(tenant_id) or owner or new_worker_id()
    scope = RunScope(
        sessions=sessions, clock=clock, tenant_id=tenant_id, owner=owner, dry_run=dry_run
    )
    try:
        if external_ids:
            run = RunInputs(context=context, source=source)
            await DerivedPusher(scope).push(run, flow, result, external_ids, rewrite=True)
    except (*RUN_STOPPERS, ConnectionStateError) as exc:
        summary.error, summary.cause = describe_error(exc), exc
    finally:
        result.requests = source.requests_made - before
    summary.finished_at = clock.now()
    if not dry_run:
        RunRecorder(scope).finish(summary, "rewrite")
    return summary
