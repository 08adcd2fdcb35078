"""What a worker does for a tenant: sweeps, event-driven pushes, dry runs and pre-flight checks.

Every job that may write holds the tenant's writer (``writer.py``): one writing job per tenant at
a time, across tasks, processes and machines — sweeps, pushes and re-syncs wait for each other.
Dry runs and pre-flight checks only read and run beside them. After a run the connection
lifecycle sees what stopped it, and the notifier e-mails what is new.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import ConnectionStateError, ResyncError, TenantBusyError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.results import RunSummary, describe_error
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.maintenance.repair import repair_duplicates
from fortnox_bridge.engine.maintenance.repair_report import RepairProgress, RepairReport
from fortnox_bridge.engine.maintenance.resync import Resync, ResyncProgress
from fortnox_bridge.engine.maintenance.resync_targets import ResyncPlan
from fortnox_bridge.engine.outbox.notify import Notifier
from fortnox_bridge.engine.sync.preflight import Checklist, Preflight, facts_are_stale
from fortnox_bridge.engine.sync.probe import Probe
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.engine.sync.scope import WRITE_LEASE, ProgressCallback
from fortnox_bridge.engine.tenancy.clients import ClientProvider
from fortnox_bridge.engine.tenancy.connections import ConnectionService, Transition
from fortnox_bridge.engine.tenancy.writer import Sleep, TenantWriters
from fortnox_bridge.fortnox.oauth import OAuthApp
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.documents import DocumentFiles
from fortnox_bridge.store.models import Run

log = logging.getLogger(__name__)


class RunObserver(Protocol):
    """Told about every finished run (metrics)."""

    def observe(self, summary: RunSummary, kind: str, seconds: float) -> None:
        """Count one run."""
        ...


class SyncService:
    """Runs tenants' flows with their connections, leases, pre-flight facts and e-mail."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Clock,
        clients: ClientProvider,
        connections: ConnectionService,
        notifier: Notifier | None = None,
        flows: Sequence[type[Flow]] | None = None,
        owner: str | None = None,
        write_lease: timedelta = WRITE_LEASE,
        observer: RunObserver | None = None,
        sleep: Sleep = asyncio.sleep,
        documents: DocumentFiles | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.clients = clients
        self.connections = connections
        self.notifier = notifier
        self.runner = Runner(
            sessions, clock=clock, flows=flows, owner=owner, lease=write_lease, documents=documents
        )
        self.preflight = Preflight(sessions, clock, self.runner.flows)
        self.resyncs = Resync(sessions, clock, self.runner)
        self.observer = observer
        #: The one-writer rule: every writing job of a tenant holds its writer lease.
        self.writers = TenantWriters(sessions, clock, sleep=sleep)

    @property
    def owner(self) -> str:
        """Who marks writes now: the running job's id, else this worker's."""
        return self.runner.owner

    async def sweep(
        self,
        tenant_id: int,
        *,
        dry_run: bool = False,
        only: Collection[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> RunSummary:
        """Run the tenant's enabled flows once (``dry_run``: plan only, write nothing).

        One read first: a tenant with nothing to do (the usual case every 30 minutes) costs
        that read and nothing else — no lease, no run record, no request.
        """
        started = self.clock.now()
        probe = self.runner.probe(tenant_id)
        if probe.connection_state != "active":
            return self._failed(tenant_id, _not_active(probe.connection_state))
        if probe.idle and not dry_run:
            summary = self.runner.idle_summary(probe, only)
            self._observe(summary, "sweep", started)
            return summary
        if dry_run:
            return await self._run(tenant_id, "sweep", dry_run=True, only=only, progress=progress)
        try:
            async with self.writers.hold(tenant_id, "sweep"):
                return await self._run(
                    tenant_id, "sweep", only=only, progress=progress, probe=probe
                )
        except TenantBusyError as exc:
            return self._failed(tenant_id, str(exc))

    async def push(self, tenant_id: int, records: Mapping[str, Collection[str]]) -> RunSummary:
        """Write some changed host records now (event-driven), after any running job of the
        tenant has finished."""
        refused = self._refusal(tenant_id)
        if refused is not None:
            return refused
        try:
            async with self.writers.hold(tenant_id, "push"):
                return await self._run(tenant_id, "push", records=records)
        except TenantBusyError as exc:
            return self._failed(tenant_id, str(exc))

    async def read(self, tenant_id: int, targets: Mapping[str, Sequence[str]]) -> RunSummary:
        """Read some Fortnox records now (``{flow name: Fortnox ids}``: what events of Fortnox's
        topics named, see ``engine/sync/targeted.py``) as the tenant's one writer — the job
        that already holds it goes on as itself."""
        refused = self._refusal(tenant_id)
        if refused is not None:
            return refused
        try:
            async with self.writers.hold(tenant_id, "read of changes"):
                return await self._run(tenant_id, "event", records={}, targets=targets)
        except TenantBusyError as exc:
            return self._failed(tenant_id, str(exc))

    async def resync_plan(self, tenant_id: int, flow: str, first: date, last: date) -> ResyncPlan:
        """What a re-sync of ``first``..``last`` would do (the interval widened to periods)."""
        source = self.clients.source(tenant_id)
        try:
            return await self.resyncs.plan(tenant_id, flow, first, last, source)
        finally:
            await source.aclose()

    async def resync(
        self,
        tenant_id: int,
        flow: str,
        first: date,
        last: date,
        *,
        progress: ResyncProgress | None = None,
    ) -> Run:
        """Run a re-sync, or resume the unfinished one of the same flow and interval."""
        refused = self._refusal(tenant_id)
        if refused is not None:
            raise ResyncError(refused.error or "the connection is not active")
        try:
            async with self.writers.hold(tenant_id, "re-sync"):
                source = self.clients.source(tenant_id)
                before = source.requests_made
                try:
                    run_id = await self._resync_job(tenant_id, flow, first, last, source)
                    run = await self.resyncs.run(
                        tenant_id, run_id, source, progress, requests_before=before
                    )
                    self.connections.dismiss_proposals(tenant_id, flow)
                    return run
                finally:
                    await source.aclose()
        except TenantBusyError as exc:
            raise ResyncError(str(exc)) from exc

    async def _resync_job(
        self, tenant_id: int, flow: str, first: date, last: date, source: ClientSource
    ) -> int:
        unfinished = self.resyncs.unfinished(tenant_id, flow)
        plan = await self.resyncs.plan(tenant_id, flow, first, last, source)
        if unfinished is None:
            return self.resyncs.start(tenant_id, plan)
        widened = (plan.widened[0].isoformat(), plan.widened[1].isoformat())
        if (unfinished.params["widened_from"], unfinished.params["widened_to"]) != widened:
            raise ResyncError(
                f"an unfinished re-sync of {flow} ({unfinished.params['widened_from']} to "
                f"{unfinished.params['widened_to']}, run {unfinished.id}) must be resumed first: "
                "run it again with that interval"
            )
        return unfinished.id

    def cancel_resync(self, tenant_id: int, flow: str) -> int | None:
        """Ask the unfinished re-sync of ``flow`` to stop; returns its run id, if any."""
        unfinished = self.resyncs.unfinished(tenant_id, flow)
        if unfinished is None:
            return None
        self.resyncs.request_cancel(tenant_id, unfinished.id)
        return unfinished.id

    async def repair_duplicates(
        self, tenant_id: int, *, apply: bool = False, progress: RepairProgress | None = None
    ) -> RepairReport:
        """The records the bridge made more than once in the tenant's Fortnox (see
        ``engine/maintenance/repair.py``); ``apply``: delete the extra ones where Fortnox allows
        it, holding the tenant's writer (after any running job of the tenant has finished)."""
        refused = self._refusal(tenant_id)
        if refused is not None:
            raise ConnectionStateError(refused.error or "the connection is not active")
        source = self.clients.source(tenant_id)
        try:
            return await repair_duplicates(
                self.sessions,
                self.clock,
                tenant_id,
                source,
                self.runner.flows,
                apply_changes=apply,
                writer=self.writers.hold(tenant_id, "repair") if apply else None,
                progress=progress,
            )
        except RUN_STOPPERS as exc:  # Fortnox refused the connection itself
            await self.connections.after_error(tenant_id, exc)
            raise
        finally:
            await source.aclose()

    async def connect_service_account(
        self,
        tenant_id: int,
        fortnox_tenant_id: int,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        confirm_shared_company: bool = False,
    ) -> Transition | None:
        """Connect the tenant as a Fortnox service account (client credentials and the
        ``TenantId``), with the app given or else the bridge's own; see
        :meth:`ConnectionService.connect_service_account`."""
        make = getattr(self.clients, "oauth_app", None)
        if make is None:
            raise ConnectionStateError("this bridge has no Fortnox token endpoint to ask")
        oauth: OAuthApp = make(client_id, client_secret)
        try:
            return await self.connections.connect_service_account(
                tenant_id,
                oauth,
                fortnox_tenant_id,
                client_secret=client_secret if client_id else None,
                confirm_shared_company=confirm_shared_company,
            )
        finally:
            await oauth.aclose()

    async def check(self, tenant_id: int) -> Checklist:
        """The pre-flight checklist (reads Fortnox; caches financial years and locked period)."""
        source = self.clients.source(tenant_id)
        try:
            return await self.preflight.run(tenant_id, source)
        finally:
            await source.aclose()

    async def _run(
        self,
        tenant_id: int,
        kind: str,
        *,
        dry_run: bool = False,
        only: Collection[str] | None = None,
        records: Mapping[str, Collection[str]] | None = None,
        progress: ProgressCallback | None = None,
        probe: Probe | None = None,
        targets: Mapping[str, Sequence[str]] | None = None,
    ) -> RunSummary:
        started = self.clock.now()
        source = self.clients.source(tenant_id)
        try:
            try:
                if not dry_run and self._needs_facts(
                    probe or self.runner.probe(tenant_id), records
                ):
                    await self.preflight.run(tenant_id, source)
            except RUN_STOPPERS as exc:  # Fortnox refused the connection before the run began
                summary = self._failed(tenant_id, describe_error(exc))
                summary.cause = exc
            else:
                if targets is not None:
                    summary = await self.runner.read_targets(tenant_id, source, targets)
                else:
                    summary = await self.runner.run_cycle(
                        tenant_id,
                        source,
                        progress=progress,
                        dry_run=dry_run,
                        only=only,
                        records=records,
                        kind=kind,
                    )
        finally:
            await source.aclose()
        if summary.cause is not None:
            await self.connections.after_error(tenant_id, summary.cause)
        if self.notifier is not None and not dry_run:
            await self.notifier.after_run(tenant_id, summary, kind=kind)
        self._observe(summary, kind, started)
        log.info(
            "run finished",
            extra={
                "tenant_id": tenant_id,
                "kind": kind,
                "status": summary.status,
                # one field: count names such as "created" are LogRecord attributes
                "counts": summary.counts(),
                "requests": summary.requests,
            },
        )
        return summary

    def _observe(self, summary: RunSummary, kind: str, started: datetime) -> None:
        if self.observer is not None:
            seconds = (self.clock.now() - started).total_seconds()
            self.observer.observe(summary, kind, seconds)

    def _refusal(self, tenant_id: int) -> RunSummary | None:
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            state = connection.state if connection else "not connected"
        return None if state == "active" else self._failed(tenant_id, _not_active(state))

    def _failed(self, tenant_id: int, error: str) -> RunSummary:
        now = self.clock.now()
        return RunSummary(tenant_id=tenant_id, started_at=now, finished_at=now, error=error)

    def _needs_facts(self, probe: Probe, records: Mapping[str, Collection[str]] | None) -> bool:
        """Whether a dated flow is about to write and the cached facts are old or missing."""
        if not facts_are_stale(probe.facts, self.clock.now()):
            return False
        return any(
            flow.period is not None
            and flow.direction == "push"
            and probe.dirty(flow.entity) > 0
            and (records is None or flow.entity in records)
            for flow in probe.enabled
        )


def _not_active(state: str) -> str:
    return f"the Fortnox connection is {state}; nothing was synchronised"
