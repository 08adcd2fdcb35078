"""Re-sync of a date interval (maintenance): remove what the bridge wrote, write it again.

What is re-synced is a *target*: one dated push flow (``payroll.attendance.push``), or a family
(``payroll``), which re-syncs every enabled dated push flow of that family as one operation (for
payroll: attendance and absence transactions together). The interval is widened to whole
periods and shown before anything happens. Then, as one resumable job (a run of kind
``resync``):

1. **delete**: every Fortnox record the bridge *created* dated in the interval is deleted and its
   link forgotten (records matched or imported are never deleted);
2. **write**: every host record dated in the interval is written again from current data, with
   the same pending-create markers (and look-ups before a create) as any create;
3. Fortnox records found in the interval that the bridge did not create are reported, not
   touched.

A *derived* flow (one host record, several Fortnox records) takes part when each of its host
records has one date (its ``date_field``) and it does not opt out (``hr.absence.push``, whose
absences span days, proposes no re-sync and is repaired by its re-write instead). Its Fortnox
records (the *parts*) are deleted in phase 1; in phase 2 each host record of the interval is
written afresh by the :class:`~fortnox_bridge.engine.sync.derived_push.DerivedPusher`.

Progress is kept on the run (``progress_done``/``progress_total``), so it can be shown while it
runs, cancelled (``cancel_requested`` is read between records) and resumed later from its phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import ResyncError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.flow.sources import ClientSource
from fortnox_bridge.engine.maintenance.resync_targets import (
    ResyncPlan,
    day_of,
    target_flows,
    widened_interval,
    written,
)
from fortnox_bridge.engine.sync.context import TenantContext, load_context
from fortnox_bridge.engine.sync.derived_push import DerivedPusher
from fortnox_bridge.engine.sync.deriving import DerivedFlow, is_derived, split_part_id
from fortnox_bridge.engine.sync.planning import PlannedItem
from fortnox_bridge.engine.sync.pushing import RUN_STOPPERS, PushWriter
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.engine.sync.scope import RunInputs
from fortnox_bridge.fortnox.errors import FortnoxError, NotFoundError
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import Run
from fortnox_bridge.store.runs import ItemRecord, RunRepository

#: ``progress(phase, done, total)``.
ResyncProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class _Pass:
    """One part of a re-sync job: the tenant's context, the job's run, where Fortnox is read and
    written, the widened interval, and who hears about progress."""

    context: TenantContext
    run_id: int
    source: ClientSource
    start: date
    end: date
    progress: ResyncProgress | None


class Resync:
    """Plans and runs re-syncs of intervals for one tenant."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, runner: Runner) -> None:
        self.sessions = sessions
        self.clock = clock
        self.runner = runner

    def targets(self, tenant_id: int, name: str) -> tuple[TenantContext, list[Flow]]:
        """The tenant's flows a re-sync of ``name`` covers (see :func:`target_flows`)."""
        with self.sessions.begin() as session:
            context = load_context(session, tenant_id, self.runner.flows)
        flows = target_flows(context, name)
        self.runner.build(tenant_id, flows)  # built records (salary days) from current data
        return context, flows

    async def plan(
        self, tenant_id: int, name: str, first: date, last: date, source: ClientSource
    ) -> ResyncPlan:
        """Widen the interval and find what would be deleted, written and left alone."""
        context, flows = self.targets(tenant_id, name)
        start, end = widened_interval(flows, first, last)
        plan = ResyncPlan(name, (first, last), (start, end), [f.name for f in flows])
        client = None
        for flow in flows:
            entity, resource_name, date_field = written(flow)
            with self.sessions.begin() as session:
                links = LinkRepository(session)
                plan.to_delete += [
                    link.external_id
                    for link in links.created_between(tenant_id, entity, start, end)
                ]
                ours = {
                    fortnox_id
                    for other in context.flows.values()
                    if other.direction == "push" and written(other)[1] == resource_name
                    for fortnox_id in links.by_fortnox_id(tenant_id, written(other)[0])
                }
            plan.to_write += self._write_ids(context, flow, start, end)
            client = client or await source.get()
            async for row in getattr(client, resource_name).iterate():
                data = row.model_dump(mode="json")
                day = day_of(data.get(date_field))
                fortnox_id = str(data.get(flow.fortnox_id_field))
                if day is not None and start <= day <= end and fortnox_id not in ours:
                    found = {k: v for k, v in data.items() if v not in (None, "")}
                    if found not in plan.not_ours:
                        plan.not_ours.append(found)
        return plan

    def _write_ids(self, context: TenantContext, flow: Flow, start: date, end: date) -> list[str]:
        if is_derived(flow):
            return self._derived_records(context.tenant_id, flow, start, end)
        return [item.external_id for item in self._writes(context, flow, start, end)]

    def _writes(
        self, context: TenantContext, flow: Flow, start: date, end: date, *, claim: bool = False
    ) -> list[PlannedItem]:
        items = self.runner.plan(flow, context.tenant_id, context=context, claim=claim)
        return [
            item
            for item in items
            if item.record_date is not None and start <= item.record_date <= end
        ]

    def _derived_records(
        self, tenant_id: int, flow: DerivedFlow, start: date, end: date
    ) -> list[str]:
        """Host ids of a derived flow's records dated in the interval: live ones, and deleted
        ones the bridge still has a link for."""
        with self.sessions.begin() as session:
            rows = MirrorRepository(session).with_links(tenant_id, flow.entity)
            return [
                record.external_id
                for record, link in rows
                if (day := day_of(record.payload.get(flow.date_field))) is not None
                and start <= day <= end
                and (not record.deleted or link is not None)
            ]

    def start(self, tenant_id: int, plan: ResyncPlan) -> int:
        """Open the job (a run of kind ``resync``) in phase ``delete``; returns the run id."""
        with self.sessions.begin() as session:
            run = RunRepository(session).start(
                tenant_id,
                "resync",
                now=self.clock.now(),
                flow=plan.flow,
                params={**plan.to_dict(), "phase": "delete", "deleted": 0, "written": 0},
            )
            run.progress_total = len(plan.to_delete) + len(plan.to_write)
            return run.id

    async def run(
        self,
        tenant_id: int,
        run_id: int,
        source: ClientSource,
        progress: ResyncProgress | None = None,
        *,
        requests_before: int | None = None,
    ) -> Run:
        """Run (or resume) the job until it is done, cancelled or interrupted.

        The run counts the requests ``source`` sent since it had sent ``requests_before`` (by
        default: from now on; the service passes the count from before its plan's reads)."""
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            if run is None or run.tenant_id != tenant_id or run.kind != "resync":
                raise ResyncError(f"no re-sync job {run_id} for this tenant")
            params, name = dict(run.params), str(run.flow)
            self._mark(session, run, status="running", cancel=False)
        context, flows = self.targets(tenant_id, name)
        wanted = params.get("flows") or [name]
        flows = [flow for flow in flows if flow.name in wanted]
        start = date.fromisoformat(params["widened_from"])
        end = date.fromisoformat(params["widened_to"])
        # Every request counts, reads included; a resumed job adds this part's to the earlier.
        before = source.requests_made if requests_before is None else requests_before
        job = _Pass(context, run_id, source, start, end, progress)
        try:
            if params["phase"] == "delete":
                for flow in flows:
                    if not await self._delete(job, flow):
                        return self._finish(run_id, "cancelled", source.requests_made - before)
                self._update(run_id, phase="write")
            for flow in flows:
                if not await self._write(job, flow):
                    return self._finish(run_id, "cancelled", source.requests_made - before)
        except BaseException:
            # stopped or crashed: resume later
            self._finish(run_id, "interrupted", source.requests_made - before)
            raise
        return self._finish(run_id, "done", source.requests_made - before)

    async def _delete(self, job: _Pass, flow: Flow) -> bool:
        context, run_id, source, start, end = (
            job.context,
            job.run_id,
            job.source,
            job.start,
            job.end,
        )
        entity, resource_name, _ = written(flow)
        with self.sessions.begin() as session:
            links = LinkRepository(session).created_between(context.tenant_id, entity, start, end)
            targets = [(link.external_id, link.fortnox_id) for link in links]
        resource: Any = getattr(await source.get(), resource_name) if targets else None
        for external_id, fortnox_id in targets:
            if self._cancelled(run_id):
                return False
            outcome, reason, code = "ok", "deleted to be written again", None
            try:
                await resource.delete(fortnox_id)
            except NotFoundError:
                reason = "already gone from Fortnox"
            except RUN_STOPPERS:
                raise
            except FortnoxError as exc:
                outcome, reason, code = "failed", str(exc), getattr(exc, "code", None)
            item = ItemRecord(flow.name, external_id, "delete", outcome, reason, fortnox_id, code)
            self._step(job, "deleted", item, flow, "delete")
        return True

    async def _write(self, job: _Pass, flow: Flow) -> bool:
        context, run_id, source, start, end = (
            job.context,
            job.run_id,
            job.source,
            job.start,
            job.end,
        )
        with self.sessions.begin() as session:  # written before an interruption: counted
            done = {
                item.external_id
                for item in RunRepository(session).items(run_id)
                if item.flow == flow.name and item.action != "delete" and item.outcome == "ok"
            }
        if is_derived(flow):
            return await self._write_derived(job, flow, done)
        writer = PushWriter(self.runner.scope(context.tenant_id))
        writes = self._writes(context, flow, start, end, claim=True)
        resource: Any = flow.write_resource(await source.get()) if writes else None
        for planned in writes:
            if planned.external_id in done:
                continue
            if self._cancelled(run_id):
                return False
            if planned.action in ("create", "update"):
                counter, outcome = await writer.apply(flow, resource, planned)
                result = "failed" if counter == "failed" else outcome.outcome
                item = ItemRecord(
                    flow.name,
                    planned.external_id,
                    planned.action,
                    result,
                    outcome.message or outcome.reason,
                    outcome.fortnox_id,
                    outcome.code,
                )
            else:  # in Fortnox already (matched, not ours to delete), or skipped with a reason
                result = "ok" if planned.action == "unchanged" else "skipped"
                item = ItemRecord(
                    flow.name,
                    planned.external_id,
                    planned.action,
                    result,
                    planned.reason,
                    planned.fortnox_id,
                )
            self._step(job, "written", item, flow, "write")
        return True

    async def _write_derived(self, job: _Pass, flow: DerivedFlow, done: set[str]) -> bool:
        context, run_id, source, start, end = (
            job.context,
            job.run_id,
            job.source,
            job.start,
            job.end,
        )
        pusher = DerivedPusher(self.runner.scope(context.tenant_id))
        run = RunInputs(context=context, source=source)
        for external_id in self._derived_records(context.tenant_id, flow, start, end):
            if external_id in done:
                continue
            if self._cancelled(run_id):
                return False
            result = FlowResult(flow.name)
            await pusher.push(run, flow, result, wanted=[external_id], rewrite=True)
            outcome = result.items[-1] if result.items else None
            if outcome is None:  # every part agrees with Fortnox already
                item = ItemRecord(flow.name, external_id, "unchanged", "ok", "in Fortnox already")
            else:
                reason = outcome.message or outcome.reason
                status = "skipped" if outcome.outcome == "skipped" else outcome.outcome
                item = ItemRecord(
                    flow.name, external_id, outcome.action, status, reason, None, outcome.code
                )
            self._step(job, "written", item, flow, "write")
        return True

    def _step(self, job: _Pass, counter: str, item: ItemRecord, flow: Flow, phase: str) -> None:
        run_id, tenant_id, progress = job.run_id, job.context.tenant_id, job.progress
        with self.sessions.begin() as session:
            runs = RunRepository(session)
            run = runs.get(run_id)
            assert run is not None
            key = counter if item.outcome == "ok" else item.outcome
            params = dict(run.params)
            params[key] = int(params.get(key, 0)) + 1
            run.params = params
            run.progress_done += 1
            runs.add_items(run_id, [item])
            if counter == "deleted" and item.outcome == "ok":
                self._forget(LinkRepository(session), tenant_id, flow, item.external_id)
            done, total = run.progress_done, run.progress_total
        if progress is not None:
            progress(phase, done, total)

    @staticmethod
    def _forget(links: LinkRepository, tenant_id: int, flow: Flow, external_id: str) -> None:
        """Forget the link of a deleted record; for a part, its host record's link goes
        ``stale`` too, so a sweep before the write phase writes the record again."""
        link = links.get(tenant_id, written(flow)[0], external_id)
        if link is not None:
            links.remove(link)
        if is_derived(flow):
            owner = links.get(tenant_id, flow.entity, split_part_id(external_id)[0])
            if owner is not None and owner.state == "linked":
                owner.state = "stale"

    def _cancelled(self, run_id: int) -> bool:
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            return bool(run is not None and run.cancel_requested)

    def _update(self, run_id: int, **changes: Any) -> None:
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            assert run is not None
            run.params = {**run.params, **changes}

    def _mark(self, session: Session, run: Run, *, status: str, cancel: bool) -> None:
        run.status, run.cancel_requested, run.finished_at = status, cancel, None

    def _finish(self, run_id: int, how: str, requests: int) -> Run:
        """Close the job as ``how`` (``done``, ``cancelled``, ``interrupted``), adding the
        Fortnox ``requests`` this part of it sent."""
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            assert run is not None
            run.requests = (run.requests or 0) + requests
            params = dict(run.params)
            if how == "done":
                params["phase"] = "done"
                run.status = "partial" if params.get("failed") else "succeeded"
            else:
                run.status = how
            run.params = params
            run.finished_at = self.clock.now()
            run.counts = {k: params.get(k, 0) for k in ("deleted", "written", "failed", "skipped")}
            return run

    def request_cancel(self, tenant_id: int, run_id: int) -> None:
        """Ask a running re-sync to stop after the record it is writing."""
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            if run is None or run.tenant_id != tenant_id or run.kind != "resync":
                raise ResyncError(f"no re-sync job {run_id} for this tenant")
            run.cancel_requested = True

    def unfinished(self, tenant_id: int, flow: str) -> Run | None:
        """A re-sync of ``flow`` (a target) that was cancelled, interrupted or is marked
        running."""
        with self.sessions.begin() as session:
            return RunRepository(session).unfinished_resync(tenant_id, flow)
