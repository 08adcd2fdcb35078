"""Reading just some Fortnox records of a pull flow, by their Fortnox ids, and storing them as a
sweep would: an import (a register Fortnox owns) and a two-way pull (compared three ways with
the push counterpart). One GET per record; nothing else of the register is read, so nothing is
taken as deleted but a record Fortnox answers "not found" for.
"""

from __future__ import annotations

from collections.abc import Sequence

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.flow.sources import RemoteRecord, remote_record
from fortnox_bridge.engine.sync.importing import Importer
from fortnox_bridge.engine.sync.pulling import PullReconciler
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.fortnox.errors import NotFoundError
from fortnox_bridge.store.links import LinkRepository


async def read_records(
    run: RunInputs, flow: Flow, fortnox_ids: Sequence[str]
) -> tuple[list[RemoteRecord], list[str]]:
    """``(records read, ids Fortnox does not have)``: one GET per id."""
    resource = getattr(await run.source.get(), flow.resource)
    found: list[RemoteRecord] = []
    gone: list[str] = []
    for fortnox_id in dict.fromkeys(fortnox_ids):
        try:
            found.append(remote_record(flow, await resource.get(fortnox_id)))
        except NotFoundError:
            gone.append(fortnox_id)
    return found, gone


async def reconcile_linked(
    scope: RunScope,
    run: RunInputs,
    flow: Flow,
    counterpart: Flow,
    result: FlowResult,
    fortnox_ids: Sequence[str],
) -> None:
    """Read these records of a two-way entity and compare them three ways (one GET each)."""
    if not fortnox_ids:
        return
    remote, _ = await read_records(run, flow, fortnox_ids)
    flow.today = scope.clock.now().date()
    remote = [r for r in remote if flow.imports(r.fortnox_id, r.fields)]
    reconciler = PullReconciler(scope, policy=run.context.policy)
    reconciler.reconcile(flow, counterpart, remote, result, complete=False)


class TargetedPull:
    """A two-way pull's records named by Fortnox id: only those the bridge links to its host
    records are read (the pull matches nothing by number), then compared."""

    async def read(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        fortnox_ids: Sequence[str],
    ) -> None:
        counterpart = run.context.flows.get(flow.counterpart) if flow.counterpart else None
        if counterpart is None:
            return
        if flow.topic_ids_are_not_links:  # read each; those linked are compared
            await reconcile_linked(scope, run, flow, counterpart, result, fortnox_ids)
            return
        with scope.sessions.begin() as session:
            links = LinkRepository(session).by_fortnox_id(scope.tenant_id, flow.entity)
        linked = [fortnox_id for fortnox_id in fortnox_ids if fortnox_id in links]
        await reconcile_linked(scope, run, flow, counterpart, result, linked)


class TargetedImport:
    """An imported register's records named by Fortnox id: new and changed ones stored, one
    Fortnox no longer has deleted from the bridge."""

    async def read(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        fortnox_ids: Sequence[str],
    ) -> None:
        remote, gone = await read_records(run, flow, fortnox_ids)
        Importer(scope).some(flow, remote, gone, result)
