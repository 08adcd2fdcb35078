"""One strategy per flow kind: how the runner applies a flow of that kind in one run.

A flow says its kind (:meth:`Flow.flow_kind`: ``push``, ``derived``, ``pull`` or ``import``) and the
runner looks the strategy up in :data:`STRATEGIES`; it never asks for a flow's class. Each
strategy gets the run's scope (who, where, dry or not), what the run works on (the tenant's
context, the Fortnox source, the progress callback), the flow, the result to count into and,
for an event-driven push, the host ids it is limited to.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol, cast

from fortnox_bridge.engine.flow.base import Flow, FlowKind
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.flow.sources import remote_record
from fortnox_bridge.engine.sync.derived_push import DerivedPusher
from fortnox_bridge.engine.sync.deriving import DerivedFlow
from fortnox_bridge.engine.sync.existing import (
    meet_existing,
    read_existing,
    reads_existing,
    unchecked,
)
from fortnox_bridge.engine.sync.first_sync import hold_creates, hold_unlinked
from fortnox_bridge.engine.sync.importing import Importer
from fortnox_bridge.engine.sync.ledger_import import LedgerStrategy
from fortnox_bridge.engine.sync.ledger_years import LedgerYearStrategy
from fortnox_bridge.engine.sync.planning import PlannedItem
from fortnox_bridge.engine.sync.pulling import PullReconciler, read_in_full
from fortnox_bridge.engine.sync.push_plan import plan_rows, push_rows
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS, PushWriter, WriteResource
from fortnox_bridge.engine.sync.refusals import Refusals, hold_refused, keep_basis
from fortnox_bridge.engine.sync.scope import RunInputs, RunScope
from fortnox_bridge.fortnox.errors import FortnoxError, MissingScopeError
from fortnox_bridge.store.links import LinkRepository


class Strategy(Protocol):
    """How flows of one kind are applied."""

    async def apply(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        """Apply ``flow`` once (limited to host ids ``wanted`` when given)."""
        ...


class PushStrategy:
    """One host record → one Fortnox record: plan the records that need a look, meet what
    Fortnox already holds, write the rest item by item."""

    async def apply(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        rows, live_total = push_rows(scope, flow, only_dirty=True, wanted=wanted)
        items = plan_rows(scope, flow, rows, run.context, claim=not scope.dry_run)
        items = hold_creates(run.context.holds.get(flow.entity), items)  # first synchronization
        refusals = Refusals.load(scope, flow, run.context.refusal_retry_hours)
        items = hold_refused(refusals, items)  # refused by Fortnox, nothing changed since
        resource, items = await _meet_existing(scope, run, flow, items)
        dirty_live = sum(1 for record, _ in rows if not record.deleted)
        if wanted is None:
            result.unchanged += live_total - dirty_live
        writer = PushWriter(scope)
        if not scope.dry_run:
            writer.touch(flow, [i for i in items if i.action == "unchanged" and i.fortnox_id])
        for done, item in enumerate(items, start=1):
            if item.action in ("unchanged", "skip") or scope.dry_run:
                _count_planned(result, item, scope.dry_run)
            else:
                if resource is None:
                    resource = flow.write_resource(await run.source.get())
                counter, outcome = await writer.apply(flow, resource, item)
                keep_basis(flow, outcome, item.version)
                result.count(counter, outcome)
            if run.progress is not None:
                run.progress(flow.name, done, len(items))


class DerivedStrategy:
    """One host record → several Fortnox records (see :mod:`deriving`)."""

    async def apply(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        derived = cast(DerivedFlow, flow)  # only a DerivedFlow is of kind "derived"
        await DerivedPusher(scope).push(run, derived, result, wanted)


class PullStrategy:
    """A two-way register: read Fortnox once and compare three ways with the push counterpart;
    before an event-driven push, read just the records about to be written."""

    async def apply(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        counterpart = run.context.flows.get(flow.counterpart) if flow.counterpart else None
        if wanted is not None:
            if counterpart is not None:
                await _reconcile_some(scope, run, flow, counterpart, result, wanted)
            return
        if counterpart is None:  # the push flow is unknown: the register is imported
            await IMPORT.apply(scope, run, flow, result, wanted)
            return
        reconciler = PullReconciler(scope, policy=run.context.policy)
        flow.today = scope.clock.now().date()
        params = {**flow.pull_params(), **reconciler.cursor_params(flow)}
        started = scope.clock.now()
        resource = getattr(await run.source.get(), flow.resource)
        listed = [remote_record(flow, row) async for row in resource.iterate(**params)]
        remote = [r for r in listed if flow.imports(r.fortnox_id, r.fields)]
        hold = run.context.holds.get(flow.entity)  # first synchronization
        remote = hold_unlinked(scope.sessions, scope.tenant_id, hold, remote, result)
        local = reconciler.local_side(flow, counterpart)
        wanted_full = reconciler.wanting_full_read(flow, counterpart, local, remote)
        remote = await read_in_full(flow, remote, wanted_full, resource.get)
        complete = not params and len(remote) == len(listed)
        reconciler.reconcile(flow, counterpart, remote, result, complete=complete, local=local)
        reconciler.advance(flow, started)


class ImportStrategy:
    """A register Fortnox owns: read it (incrementally where Fortnox can) into the store."""

    async def apply(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        if wanted is not None:  # an event-driven push concerns host records; nothing to read
            return
        reconciler = PullReconciler(scope, policy=run.context.policy)
        params = reconciler.cursor_params(flow)
        started = scope.clock.now()
        resource = getattr(await run.source.get(), flow.resource)
        remote = [remote_record(flow, row) async for row in resource.iterate(**params)]
        Importer(scope).all(flow, remote, result, complete=not params)
        reconciler.advance(flow, started)


IMPORT = ImportStrategy()

#: The strategy of each flow kind.
STRATEGIES: Mapping[FlowKind, Strategy] = {
    "push": PushStrategy(),
    "derived": DerivedStrategy(),
    "pull": PullStrategy(),
    "import": IMPORT,
    "ledger": LedgerStrategy(),
    "ledger_year": LedgerYearStrategy(),
}


def strategy_for(flow: Flow) -> Strategy:
    """The strategy that applies ``flow``, by its kind."""
    return STRATEGIES[flow.flow_kind()]


async def _meet_existing(
    scope: RunScope, run: RunInputs, flow: Flow, items: list[PlannedItem]
) -> tuple[WriteResource | None, list[PlannedItem]]:
    """Creates that meet a record Fortnox already holds are not created again: they wait or
    adopt it. Returns the resource when it had to be read, and the items."""
    if not reads_existing(flow, items):
        return None, items
    resource: WriteResource = flow.write_resource(await run.source.get())
    with scope.sessions.begin() as session:
        taken = LinkRepository(session).by_fortnox_id(scope.tenant_id, flow.entity)
    try:
        index = await read_existing(flow, resource, set(taken))
    except (*RUN_STOPPERS, MissingScopeError):
        raise
    except FortnoxError as exc:  # unchecked, nothing is created; the rest goes on
        return resource, unchecked(flow, items, exc)
    return resource, meet_existing(flow, items, index, run.context.holds.get(flow.entity))


async def _reconcile_some(
    scope: RunScope,
    run: RunInputs,
    flow: Flow,
    counterpart: Flow,
    result: FlowResult,
    wanted: Collection[str],
) -> None:
    """Before an event-driven push of a two-way entity: read just those records and compare
    three ways, so a Fortnox-side edit is not overwritten unseen (one GET per record)."""
    with scope.sessions.begin() as session:
        links = LinkRepository(session).by_external_id(scope.tenant_id, flow.entity)
        targets = [links[i].fortnox_id for i in wanted if i in links]
    if not targets:
        return
    resource = getattr(await run.source.get(), flow.resource)
    remote = [remote_record(flow, await resource.get(fortnox_id)) for fortnox_id in targets]
    flow.today = scope.clock.now().date()
    remote = [r for r in remote if flow.imports(r.fortnox_id, r.fields)]
    reconciler = PullReconciler(scope, policy=run.context.policy)
    reconciler.reconcile(flow, counterpart, remote, result, complete=False)


def _count_planned(result: FlowResult, item: PlannedItem, dry_run: bool) -> None:
    counter = {"create": "created", "update": "updated", "delete": "deleted"}.get(
        item.action, "unchanged" if item.action == "unchanged" else "skipped"
    )
    if item.existing is not None:
        counter = "adopted"
    if item.action == "unchanged":
        result.count(counter)
        return
    outcome = ItemOutcome(
        item.external_id,
        item.action,
        "planned" if dry_run and item.action != "skip" else "skipped",
        item.reason,
        item.reference,
        item.fortnox_id,
        dict(item.changes),
        problem=item.problem,
    )
    result.count(counter, outcome)
