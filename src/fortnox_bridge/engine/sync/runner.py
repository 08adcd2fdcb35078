"""The runner: one run for one tenant, flow by flow in sweep order: plan, then apply, then commit.

Push flows plan only the records that need a look (never synced, changed, stale or deleted): an
idle sweep is one query per push flow and no request. Pull flows read Fortnox once (one request
per 500 records). One failing record never stops the others; an expired consent or a missing
licence stops the run (the connection lifecycle takes it from there).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import ConnectionStateError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome, RunSummary, describe_error
from fortnox_bridge.engine.flow.sources import ClientSource, FixedClient, remote_record
from fortnox_bridge.engine.sync.context import TenantContext, load_context
from fortnox_bridge.engine.sync.deriving import DerivedFlow, DerivedPusher
from fortnox_bridge.engine.sync.existing import (
    meet_existing,
    read_existing,
    reads_existing,
    unchecked,
)
from fortnox_bridge.engine.sync.first_sync import hold_creates, hold_unlinked
from fortnox_bridge.engine.sync.importing import Importer
from fortnox_bridge.engine.sync.planning import (
    UNCHANGED,
    PlanContext,
    PlannedItem,
    RecordState,
    plan_record,
)
from fortnox_bridge.engine.sync.probe import Probe, idle_summary, read_probe
from fortnox_bridge.engine.sync.pulling import PullReconciler, read_in_full
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS, PushWriter, WriteResource
from fortnox_bridge.engine.sync.recording import RunRecorder
from fortnox_bridge.engine.sync.scope import WRITE_LEASE, ProgressCallback, RunInputs, RunScope
from fortnox_bridge.engine.sync.write_back import write_back
from fortnox_bridge.engine.tenancy.workers import new_worker_id, triage_active
from fortnox_bridge.engine.tenancy.writer import current_job
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import FortnoxError, MissingScopeError
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Link, MirrorRecord
from fortnox_bridge.store.operations import PushOperationRepository


class Runner:
    """Runs the flows of a tenant against one Fortnox client source."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Clock,
        flows: Sequence[type[Flow]] | None = None,
        owner: str | None = None,
        lease: timedelta = WRITE_LEASE,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.flows = list(flows) if flows is not None else discover_flows()
        self._owner = owner or new_worker_id()
        self.lease = lease

    @property
    def owner(self) -> str:
        """Who marks the writes of a run: the job that holds the tenant's writer, else this
        runner (a run started without the one-writer rule, as some tests do)."""
        return current_job() or self._owner

    @owner.setter
    def owner(self, value: str) -> None:
        self._owner = value

    async def run_cycle(
        self,
        tenant_id: int,
        client: FortnoxClient | ClientSource,
        *,
        progress: ProgressCallback | None = None,
        dry_run: bool = False,
        only: Collection[str] | None = None,
        records: Mapping[str, Collection[str]] | None = None,
        kind: str = "sweep",
    ) -> RunSummary:
        """Run the tenant's enabled flows once, in sweep order.

        ``only`` limits the run to some flows; ``records`` (``{entity: host ids}``) to some
        records of the push flows of those entities (an event-driven push). ``dry_run`` plans
        and reads but writes nothing, to Fortnox or to the store.
        """
        source = FixedClient(client) if isinstance(client, FortnoxClient) else client
        with self.sessions.begin() as session:
            context = load_context(session, tenant_id, self.flows)
        scope = self.scope(tenant_id, dry_run=dry_run)
        run = RunInputs(context=context, source=source, progress=progress)
        summary = RunSummary(tenant_id=tenant_id, started_at=self.clock.now(), dry_run=dry_run)
        selected = _selected(context, only, records)
        self.build(tenant_id, [context.flows[name] for name in selected])
        try:
            for name in selected:
                flow = context.flows[name]
                # A built flow looks at every built record that needs a look (the build just
                # marked the ones the changed host records touch).
                wanted = (
                    records.get(flow.entity)
                    if records is not None and flow.builder is None
                    else None
                )
                pull = _unread_pull(context, flow, selected)
                if pull is not None:
                    # A two-way push without its pull in this run: compare the records it is
                    # about to write first, so a Fortnox-side edit is not overwritten unseen.
                    linked = self._dirty_linked(flow, context.tenant_id, wanted)
                    if linked:
                        read = FlowResult(flow=pull.name)
                        summary.flows.append(read)
                        quiet = replace(run, progress=None)
                        await self._run_flow(scope, quiet, pull, read, linked)
                result = FlowResult(flow=flow.name)
                summary.flows.append(result)  # kept with its counts even if the run stops
                await self._run_flow(scope, run, flow, result, wanted)
        except (*RUN_STOPPERS, ConnectionStateError) as exc:
            summary.error, summary.cause = describe_error(exc), exc
        summary.finished_at = self.clock.now()
        if not dry_run:
            builders = {f.builder.name: f.builder for f in context.flows.values() if f.builder}
            RunRecorder(scope).finish(summary, kind, list(builders.values()))
        return summary

    def build(self, tenant_id: int, flows: Sequence[Flow]) -> None:
        """Refresh the records the bridge builds for ``flows`` (salary days), once per builder.

        Dry runs build too: built records are the bridge's own summary of host records, not
        synchronisation state; a real run would build the same, and a plan needs them.
        """
        done: set[str] = set()
        for flow in flows:
            builder = flow.builder
            if builder is not None and builder.name not in done:
                done.add(builder.name)
                builder.refresh(self.sessions, tenant_id, self.clock)

    def scope(self, tenant_id: int, *, dry_run: bool = False) -> RunScope:
        """The scope of a run for ``tenant_id``, writing as this runner's owner."""
        return RunScope(
            sessions=self.sessions,
            clock=self.clock,
            tenant_id=tenant_id,
            owner=self.owner,
            lease=self.lease,
            dry_run=dry_run,
        )

    def probe(self, tenant_id: int) -> Probe:
        """Connection state, enabled flows and dirty counts in one read transaction."""
        return read_probe(self.sessions, tenant_id, self.flows)

    def idle_summary(self, probe: Probe, only: Collection[str] | None = None) -> RunSummary:
        """The summary of a sweep (of ``only``) the probe found nothing for (nothing is
        recorded)."""
        return idle_summary(probe, self.clock.now(), only)

    def plan(
        self,
        flow: Flow,
        tenant_id: int,
        *,
        full: bool = True,
        context: TenantContext | None = None,
        claim: bool = False,
    ) -> list[PlannedItem]:
        """What a push flow would do now; reads the store, calls nobody.

        ``claim``: take over stale pending-create markers for this worker (a real run is about
        to apply the plan); otherwise nothing is written.
        """
        rows, _ = self._rows(flow, tenant_id, only_dirty=not full, wanted=None)
        return self._plan(flow, tenant_id, rows, context, claim=claim)

    async def _run_flow(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        source = run.source
        requests_before = source.requests_made
        writes_before = _writes(source)
        try:
            if flow.direction == "push":
                await self._push(scope, run, flow, result, wanted)
            else:
                await self._pull(scope, run, flow, result, wanted)
        except MissingScopeError as exc:
            result.error = f"{exc.message} — {exc.explanation} {exc.fix}"
        finally:
            result.requests = source.requests_made - requests_before
            result.write_requests = _writes(source) - writes_before

    async def _push(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
    ) -> None:
        if isinstance(flow, DerivedFlow):  # one host record → many Fortnox records
            await DerivedPusher(scope).push(run, flow, result, wanted)
            return
        context, source, progress, dry_run = run.context, run.source, run.progress, scope.dry_run
        rows, live_total = self._rows(flow, context.tenant_id, only_dirty=True, wanted=wanted)
        items = self._plan(flow, context.tenant_id, rows, context, claim=not dry_run)
        hold = context.holds.get(flow.entity)
        items = hold_creates(hold, items)  # first synchronization
        resource: WriteResource | None = None
        if reads_existing(flow, items):  # records Fortnox already holds are not created again
            resource = getattr(await source.get(), flow.resource)
            with self.sessions.begin() as session:
                taken = LinkRepository(session).by_fortnox_id(context.tenant_id, flow.entity)
            try:
                index = await read_existing(flow, resource, set(taken))
            except (*RUN_STOPPERS, MissingScopeError):
                raise
            except FortnoxError as exc:  # unchecked, nothing is created; the rest goes on
                items = unchecked(flow, items, exc)
            else:
                items = meet_existing(flow, items, index, hold)
        dirty_live = sum(1 for record, _ in rows if not record.deleted)
        if wanted is None:
            result.unchanged += live_total - dirty_live
        writer = PushWriter(scope)
        if not dry_run:
            writer.touch(flow, [i for i in items if i.action == "unchanged" and i.fortnox_id])
        for done, item in enumerate(items, start=1):
            if item.action in ("unchanged", "skip") or dry_run:
                _count_planned(result, item, dry_run)
            else:
                if resource is None:
                    resource = getattr(await source.get(), flow.resource)
                counter, outcome = await writer.apply(flow, resource, item)
                if counter in ("created", "adopted") and outcome.fortnox_id:
                    refused = write_back(
                        scope,
                        flow,
                        item.external_id,
                        fortnox_id=outcome.fortnox_id,
                        version=item.version,
                    )
                    if refused is not None:
                        outcome.reason = f"{outcome.reason}; {refused}"
                result.count(counter, outcome)
            if progress is not None:
                progress(flow.name, done, len(items))

    async def _pull(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None = None,
    ) -> None:
        if wanted is not None:
            await self._reconcile_some(scope, run, flow, result, wanted)
            return
        context, source = run.context, run.source
        reconciler = PullReconciler(scope, policy=context.policy)
        params = reconciler.cursor_params(flow)
        started = self.clock.now()
        resource = getattr(await source.get(), flow.resource)
        remote = [remote_record(flow, row) async for row in resource.iterate(**params)]
        counterpart = context.flows.get(flow.counterpart) if flow.counterpart else None
        if counterpart is not None:
            hold = context.holds.get(flow.entity)  # first synchronization
            remote = hold_unlinked(self.sessions, context.tenant_id, hold, remote, result)
            local = reconciler.local_side(flow, counterpart)
            wanted_full = reconciler.wanting_full_read(flow, counterpart, local, remote)
            remote = await read_in_full(flow, remote, wanted_full, resource.get)
            reconciler.reconcile(
                flow, counterpart, remote, result, complete=not params, local=local
            )
        else:
            importer = Importer(scope)
            importer.all(flow, remote, result, complete=not params)
        reconciler.advance(flow, started)

    async def _reconcile_some(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str],
    ) -> None:
        """Before an event-driven push of a two-way entity: read just those records and compare
        three ways, so a Fortnox-side edit is not overwritten unseen (one GET per record)."""
        context, source = run.context, run.source
        counterpart = context.flows.get(flow.counterpart or "")
        if counterpart is None:
            return
        with self.sessions.begin() as session:
            links = LinkRepository(session).by_external_id(context.tenant_id, flow.entity)
            targets = [links[i].fortnox_id for i in wanted if i in links]
        if not targets:
            return
        resource = getattr(await source.get(), flow.resource)
        remote = [remote_record(flow, await resource.get(fortnox_id)) for fortnox_id in targets]
        reconciler = PullReconciler(scope, policy=context.policy)
        reconciler.reconcile(flow, counterpart, remote, result, complete=False)

    def _dirty_linked(
        self, flow: Flow, tenant_id: int, wanted: Collection[str] | None
    ) -> list[str]:
        """Host ids of the records ``flow`` would update: linked, not deleted, needing a look."""
        rows, _ = self._rows(flow, tenant_id, only_dirty=True, wanted=wanted)
        return [r.external_id for r, link in rows if link is not None and not r.deleted]

    def _rows(
        self, flow: Flow, tenant_id: int, *, only_dirty: bool, wanted: Collection[str] | None
    ) -> tuple[list[tuple[MirrorRecord, Link | None]], int]:
        with self.sessions.begin() as session:
            mirror = MirrorRepository(session)
            rows = mirror.with_links(
                tenant_id, flow.entity, only_dirty=only_dirty, external_ids=wanted
            )
            return rows, mirror.count_live(tenant_id, flow.entity)

    def _plan(
        self,
        flow: Flow,
        tenant_id: int,
        rows: list[tuple[MirrorRecord, Link | None]],
        context: TenantContext | None = None,
        *,
        claim: bool,
    ) -> list[PlannedItem]:
        if not rows:
            return []
        plan_context = self._plan_context(flow, tenant_id, rows, context, claim=claim)
        items = [plan_record(flow, _state(record, link), plan_context) for record, link in rows]
        return [_without_create_only(flow, item) for item in items]

    def _plan_context(
        self,
        flow: Flow,
        tenant_id: int,
        rows: list[tuple[MirrorRecord, Link | None]],
        context: TenantContext | None,
        *,
        claim: bool,
    ) -> PlanContext:
        now = self.clock.now()
        with self.sessions.begin() as session:
            recover, in_flight = triage_active(
                PushOperationRepository(session),
                tenant_id,
                flow.entity,
                me=self.owner,
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


def _selected(
    context: TenantContext,
    only: Collection[str] | None,
    records: Mapping[str, Collection[str]] | None,
) -> list[str]:
    names = [name for name in context.enabled if only is None or name in only]
    if records is None:
        return names
    pushes = {n for n in names if context.flows[n].direction == "push"}
    return [
        name
        for name in names
        if (
            context.flows[name].entity in records
            and (name in pushes or context.flows[name].counterpart in pushes)
        )
        or _built_from(context.flows[name], records)
    ]


def _unread_pull(context: TenantContext, flow: Flow, selected: Collection[str]) -> Flow | None:
    """The enabled pull flow that makes ``flow``'s entity two-way, when this run leaves it out
    (a run of some flows only)."""
    if flow.direction != "push":
        return None
    for name in context.enabled:
        other = context.flows[name]
        if other.direction == "pull" and other.counterpart == flow.name and name not in selected:
            return other
    return None


def _built_from(flow: Flow, records: Mapping[str, Collection[str]]) -> bool:
    """Whether ``flow``'s records are built from one of the changed entities."""
    return flow.builder is not None and any(e in records for e in flow.builder.built_from)


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


def _writes(source: ClientSource) -> int:
    return int(getattr(source, "write_requests_made", 0))
