"""Re-sync of a date interval (maintenance): remove what the bridge wrote, write it again.

For a dated flow, the interval is widened to whole periods and shown before anything happens.
Then, as one resumable job (a run of kind ``resync``):

1. **delete**: every Fortnox record the bridge *created* dated in the interval is deleted and its
   link forgotten (records matched or imported are never deleted);
2. **write**: every host record dated in the interval is written again from current data, with
   the same pending-create markers as any create;
3. Fortnox records found in the interval that the bridge did not create are reported, not
   touched.

Progress is kept on the run (``progress_done``/``progress_total``), so it can be shown while it
runs, cancelled (``cancel_requested`` is read between records) and resumed later from its phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.context import TenantContext, load_context
from fortnox_bridge.engine.deriving import DerivedFlow
from fortnox_bridge.engine.errors import ResyncError
from fortnox_bridge.engine.flow import Flow
from fortnox_bridge.engine.periods import widen
from fortnox_bridge.engine.planning import PlannedItem
from fortnox_bridge.engine.pushing import RUN_STOPPERS, PushWriter
from fortnox_bridge.engine.runner import Runner
from fortnox_bridge.engine.sources import ClientSource
from fortnox_bridge.fortnox.errors import FortnoxError, NotFoundError
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.models import Run
from fortnox_bridge.store.runs import ItemRecord, RunRepository

#: ``progress(phase, done, total)``.
ResyncProgress = Callable[[str, int, int], None]


@dataclass
class ResyncPlan:
    """What a re-sync of an interval will do."""

    flow: str
    requested: tuple[date, date]
    widened: tuple[date, date]
    to_delete: list[str] = field(default_factory=list)  # host ids whose Fortnox record goes
    to_write: list[str] = field(default_factory=list)  # host ids written again
    #: Fortnox records in the interval the bridge did not create: reported, never deleted.
    not_ours: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (kept on the run)."""
        return {
            "flow": self.flow,
            "from": self.requested[0].isoformat(),
            "to": self.requested[1].isoformat(),
            "widened_from": self.widened[0].isoformat(),
            "widened_to": self.widened[1].isoformat(),
            "to_delete": len(self.to_delete),
            "to_write": len(self.to_write),
            "not_ours": self.not_ours,
        }


class Resync:
    """Plans and runs re-syncs of intervals for one tenant."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, runner: Runner) -> None:
        self.sessions = sessions
        self.clock = clock
        self.runner = runner

    def flow(self, tenant_id: int, name: str) -> tuple[TenantContext, Flow]:
        """The tenant's configured flow ``name``; it must be a dated push flow."""
        with self.sessions.begin() as session:
            context = load_context(session, tenant_id, self.runner.flows)
        flow = context.flows.get(name)
        if isinstance(flow, DerivedFlow):
            raise ResyncError(
                f"{name!r} writes several Fortnox records per host record; {flow.rewrite_hint}"
            )
        if flow is None or flow.direction != "push" or flow.period is None:
            dated = [
                n
                for n, f in context.flows.items()
                if f.period and f.direction == "push" and not isinstance(f, DerivedFlow)
            ]
            raise ResyncError(f"{name!r} is not a dated push flow; re-sync one of: {dated}")
        return context, flow

    async def plan(
        self, tenant_id: int, name: str, first: date, last: date, source: ClientSource
    ) -> ResyncPlan:
        """Widen the interval and find what would be deleted, written and left alone."""
        context, flow = self.flow(tenant_id, name)
        start, end = widen(first, last, flow.period or "day")
        plan = ResyncPlan(name, (first, last), (start, end))
        with self.sessions.begin() as session:
            links = LinkRepository(session)
            plan.to_delete = [
                link.external_id
                for link in links.created_between(tenant_id, flow.entity, start, end)
            ]
            ours = set(links.by_fortnox_id(tenant_id, flow.entity))
        plan.to_write = [item.external_id for item in self._writes(context, flow, start, end)]
        resource = getattr(await source.get(), flow.resource)
        async for row in resource.iterate():
            data = row.model_dump(mode="json")
            day = flow.date_of(data)
            fortnox_id = str(data.get(flow.fortnox_id_field))
            if day is not None and start <= day <= end and fortnox_id not in ours:
                plan.not_ours.append({k: v for k, v in data.items() if v not in (None, "")})
        return plan

    def _writes(
        self, context: TenantContext, flow: Flow, start: date, end: date, *, claim: bool = False
    ) -> list[PlannedItem]:
        items = self.runner.plan(flow, context.tenant_id, context=context, claim=claim)
        return [
            item
            for item in items
            if item.record_date is not None and start <= item.record_date <= end
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
    ) -> Run:
        """Run (or resume) the job until it is done, cancelled or interrupted."""
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            if run is None or run.tenant_id != tenant_id or run.kind != "resync":
                raise ResyncError(f"no re-sync job {run_id} for this tenant")
            params, flow_name = dict(run.params), str(run.flow)
            self._mark(session, run, status="running", cancel=False)
        context, flow = self.flow(tenant_id, flow_name)
        start = date.fromisoformat(params["widened_from"])
        end = date.fromisoformat(params["widened_to"])
        writer = PushWriter(
            self.sessions,
            self.clock,
            tenant_id=tenant_id,
            owner=self.runner.owner,
            lease=self.runner.lease,
        )
        resource = getattr(await source.get(), flow.resource)
        try:
            if params["phase"] == "delete":
                if not await self._delete(context, flow, run_id, resource, start, end, progress):
                    return self._finish(run_id, "cancelled")
                self._update(run_id, phase="write")
            if not await self._write(context, flow, run_id, writer, resource, start, end, progress):
                return self._finish(run_id, "cancelled")
        except BaseException:
            self._finish(run_id, "interrupted")  # stopped or crashed: resume later
            raise
        return self._finish(run_id, "done")

    async def _delete(
        self,
        context: TenantContext,
        flow: Flow,
        run_id: int,
        resource: Any,
        start: date,
        end: date,
        progress: ResyncProgress | None,
    ) -> bool:
        with self.sessions.begin() as session:
            links = LinkRepository(session).created_between(
                context.tenant_id, flow.entity, start, end
            )
            targets = [(link.external_id, link.fortnox_id) for link in links]
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
            self._step(run_id, "deleted", item, context.tenant_id, flow, progress, "delete")
        return True

    async def _write(
        self,
        context: TenantContext,
        flow: Flow,
        run_id: int,
        writer: PushWriter,
        resource: Any,
        start: date,
        end: date,
        progress: ResyncProgress | None,
    ) -> bool:
        with self.sessions.begin() as session:  # written before an interruption: counted
            done = {
                item.external_id
                for item in RunRepository(session).items(run_id)
                if item.action != "delete" and item.outcome == "ok"
            }
        for planned in self._writes(context, flow, start, end, claim=True):
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
            self._step(run_id, "written", item, context.tenant_id, flow, progress, "write")
        return True

    def _step(
        self,
        run_id: int,
        counter: str,
        item: ItemRecord,
        tenant_id: int,
        flow: Flow,
        progress: ResyncProgress | None,
        phase: str,
    ) -> None:
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
                links = LinkRepository(session)
                link = links.get(tenant_id, flow.entity, item.external_id)
                if link is not None:
                    links.remove(link)
            done, total = run.progress_done, run.progress_total
        if progress is not None:
            progress(phase, done, total)

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

    def _finish(self, run_id: int, how: str) -> Run:
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            assert run is not None
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
        """A re-sync of ``flow`` that was cancelled, interrupted or is marked running."""
        with self.sessions.begin() as session:
            return RunRepository(session).unfinished_resync(tenant_id, flow)
