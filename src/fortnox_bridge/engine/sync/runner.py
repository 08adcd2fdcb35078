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
from fortnox_bridge.engine.flow.results import FlowResult, RunSummary, describe_error
from fortnox_bridge.engine.flow.sources import ClientSource, FixedClient
from fortnox_bridge.engine.sync.backups import keep_backup
from fortnox_bridge.engine.sync.context import TenantContext, load_context
from fortnox_bridge.engine.sync.planning import (
    PlannedItem,
)
from fortnox_bridge.engine.sync.probe import Probe, idle_summary, read_probe
from fortnox_bridge.engine.sync.push_plan import dirty_linked, plan_rows, push_rows
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.engine.sync.recording import LIVE_EVERY, LiveRun, RunRecorder
from fortnox_bridge.engine.sync.scope import WRITE_LEASE, ProgressCallback, RunInputs, RunScope
from fortnox_bridge.engine.sync.strategies import strategy_for
from fortnox_bridge.engine.sync.targeted_reads import read_targets
from fortnox_bridge.engine.tenancy.workers import new_worker_id
from fortnox_bridge.engine.tenancy.writer import current_job
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import MissingScopeError
from fortnox_bridge.store.documents import DocumentFiles


class Runner:
    """Runs the flows of a tenant against one Fortnox client source."""

    #: How often at most a run writes its progress within a flow (seconds; 0: every record).
    live_every: float = LIVE_EVERY

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Clock,
        flows: Sequence[type[Flow]] | None = None,
        owner: str | None = None,
        lease: timedelta = WRITE_LEASE,
        documents: DocumentFiles | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.flows = list(flows) if flows is not None else discover_flows()
        self._owner = owner or new_worker_id()
        self.lease = lease
        self.documents = documents

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
        summary = RunSummary(tenant_id=tenant_id, started_at=self.clock.now(), dry_run=dry_run)
        live = None
        if not dry_run:  # a dry run writes nothing, its row neither
            live = LiveRun(
                scope,
                summary,
                kind,
                source,
                job=current_job(tenant_id),
                worker=self._owner,
                every=self.live_every,
            )
            progress = _both(progress, live.progress)
        run = RunInputs(context=context, source=source, progress=progress)
        selected = _selected(context, only, records)
        self.build(tenant_id, [context.flows[name] for name in selected])
        try:
            await self._cycle(scope, run, summary, selected, records, live)
        except BaseException as exc:  # a crash or a cancel: the live row must not stay running
            if live is not None:
                live.abandon(describe_error(exc) if isinstance(exc, Exception) else "cancelled")
            raise
        summary.finished_at = self.clock.now()
        if not dry_run:
            builders = {f.builder.name: f.builder for f in context.flows.values() if f.builder}
            RunRecorder(scope).finish(summary, kind, list(builders.values()))
        return summary

    async def _cycle(
        self,
        scope: RunScope,
        run: RunInputs,
        summary: RunSummary,
        selected: Sequence[str],
        records: Mapping[str, Collection[str]] | None,
        live: LiveRun | None,
    ) -> None:
        """The flows of one run in order; what stops the run is kept on ``summary``."""
        context = run.context
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
                    linked = dirty_linked(scope, flow, wanted)
                    if linked:
                        read = FlowResult(flow=pull.name)
                        summary.flows.append(read)
                        quiet = replace(run, progress=None)
                        await self._run_flow(scope, quiet, pull, read, linked)
                result = FlowResult(flow=flow.name)
                summary.flows.append(result)  # kept with its counts even if the run stops
                try:
                    await self._run_flow(scope, run, flow, result, wanted)
                finally:
                    if live is not None:
                        live.flow_done(result)
        except (*RUN_STOPPERS, ConnectionStateError) as exc:
            summary.error, summary.cause = describe_error(exc), exc

    async def read_targets(
        self,
        tenant_id: int,
        client: FortnoxClient | ClientSource,
        targets: Mapping[str, Sequence[str]],
    ) -> RunSummary:
        """Read just some Fortnox records (``{flow name: Fortnox ids}``) with the tenant's
        enabled flows, stored as a sweep would store them (events of Fortnox's topics); the run
        is kept as kind ``event``."""
        source = FixedClient(client) if isinstance(client, FortnoxClient) else client
        with self.sessions.begin() as session:
            context = load_context(session, tenant_id, self.flows)
        scope = self.scope(tenant_id)
        run = RunInputs(context=context, source=source)
        summary = RunSummary(tenant_id=tenant_id, started_at=self.clock.now())
        try:
            for name in context.enabled:
                if targets.get(name):
                    result = FlowResult(flow=name)
                    summary.flows.append(result)
                    await self._run_flow(
                        scope, run, context.flows[name], result, None, targets[name]
                    )
        except (*RUN_STOPPERS, ConnectionStateError) as exc:
            summary.error, summary.cause = describe_error(exc), exc
        summary.finished_at = self.clock.now()
        RunRecorder(scope).finish(summary, "event")
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
            documents=self.documents,
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
        scope = self.scope(tenant_id)
        rows, _ = push_rows(scope, flow, only_dirty=not full, wanted=None)
        return plan_rows(scope, flow, rows, context, claim=claim)

    async def _run_flow(
        self,
        scope: RunScope,
        run: RunInputs,
        flow: Flow,
        result: FlowResult,
        wanted: Collection[str] | None,
        targets: Sequence[str] | None = None,
    ) -> None:
        source = run.source
        requests_before = source.requests_made
        writes_before = _writes(source)
        try:
            if flow.paused() is not None:  # its settings turned its direction off
                return
            keep_backup(scope, flow)  # once, before the flow first writes (if it keeps one)
            if targets is not None:  # some records by Fortnox id (an event)
                await read_targets(scope, run, flow, result, targets)
            else:
                await strategy_for(flow).apply(scope, run, flow, result, wanted)
        except MissingScopeError as exc:
            result.error = f"{exc.message} — {exc.explanation} {exc.fix}"
        finally:
            result.requests = source.requests_made - requests_before
            result.write_requests = _writes(source) - writes_before


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


def _both(caller: ProgressCallback | None, live: ProgressCallback) -> ProgressCallback:
    """One progress callback that tells the live run, then the caller's (if any): the caller
    sees the run row as it stands after the record."""
    if caller is None:
        return live

    def tell(flow: str, done: int, total: int) -> None:
        live(flow, done, total)
        caller(flow, done, total)

    return tell


def _writes(source: ClientSource) -> int:
    return int(getattr(source, "write_requests_made", 0))
