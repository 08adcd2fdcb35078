"""Re-sync an interval: plan it, start it as a background job (or resume the unfinished one),
and the re-sync the bridge proposes after a reconnect.

The API (``POST /api/v1/resync``, ``/api/v1/resync/proposal``) and the web UI's maintenance page
both call this; the job runs on the engine beside them (``fortnox-bridge serve``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import EngineError, ResyncError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.maintenance.resync_targets import ResyncPlan, resyncable, target_of
from fortnox_bridge.engine.tenancy import reconnect
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.services.connection import require_active
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound, no_engine
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.jobs import BackgroundJobs
from fortnox_bridge.store.models import Run
from fortnox_bridge.store.runs import RunRepository

log = logging.getLogger(__name__)
#: What a refusal of "a re-sync is running" advises by default.
CANCEL_FIRST = " or cancel it first"


@dataclass(frozen=True)
class StartedJob:
    """A re-sync job that runs: its run, plan and progress when it started."""

    run_id: int
    plan: ResyncPlan
    done: int
    total: int


class ResyncRefused(Conflict):
    """The engine refused to plan or start the re-sync; ``reason`` is its own words."""

    code = "resync_refused"

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


class ResyncService:
    """Plans and starts re-sync jobs of one bridge."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        hooks: EngineHooks,
        *,
        jobs: BackgroundJobs,
        flows: Sequence[type[Flow]],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hooks = hooks
        self.jobs = jobs
        self.flows = flows

    @property
    def engine(self) -> SyncService | None:
        """The engine beside the front end, if one runs."""
        return self.hooks.service

    def require_engine(self) -> SyncService:
        """The engine; 503 ``no_engine`` when none runs beside the front end."""
        if self.engine is None:
            raise no_engine()
        return self.engine

    def targets(self) -> list[str]:
        """What can be re-synced: families of derived flows (``payroll``) and single dated
        push flows."""
        return sorted({target_of(flow) for flow in self.flows if resyncable(flow)})

    def require_active(self, tenant_id: int) -> None:
        """Refuse (409 ``connection_not_active``) unless the tenant's connection is active."""
        require_active(self.sessions, tenant_id)

    def running(self, tenant_id: int) -> bool:
        """Whether a re-sync job of the tenant runs in this process."""
        return self.jobs.running(_job_name(tenant_id))

    def ensure_idle(self, tenant_id: int, advice: str = CANCEL_FIRST) -> None:
        """Refuse (409 ``resync_running``) while a re-sync of the tenant runs."""
        if self.running(tenant_id):
            raise Conflict(
                "a re-sync of this tenant is running; follow it in "
                f"GET /api/v1/runs?kind=resync{advice}",
                code="resync_running",
            )

    async def plan(self, tenant_id: int, flow: str, first: date, last: date) -> ResyncPlan:
        """What a re-sync of ``flow`` from ``first`` to ``last`` will do (reads Fortnox)."""
        engine = self.require_engine()
        try:
            return await engine.resync_plan(tenant_id, flow, first, last)
        except ResyncError as exc:
            raise InvalidInput(
                str(exc), code="not_a_dated_flow", field=("body", "flow"), value=flow
            ) from None
        except (EngineError, FortnoxError) as exc:
            raise ResyncRefused(f"cannot plan the re-sync: {exc}", str(exc)) from None

    def start(self, tenant_id: int, plan: ResyncPlan) -> StartedJob:
        """Start the job of ``plan`` in the background: a new one, or the unfinished one of the
        same interval resumed (409 ``resync_unfinished`` for another interval)."""
        engine = self.require_engine()
        run_id = self._open(engine, tenant_id, plan)
        first, last = plan.requested
        self.jobs.start(
            _job_name(tenant_id), self._run(engine, tenant_id, plan.flow, first, last, run_id)
        )
        done, total = self._progress(run_id)
        return StartedJob(run_id, plan, done, total)

    def _progress(self, run_id: int) -> tuple[int, int]:
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            assert run is not None
            return run.progress_done, run.progress_total

    @staticmethod
    def _open(engine: SyncService, tenant_id: int, plan: ResyncPlan) -> int:
        """The run of the job: the unfinished one of the same interval, or a new one."""
        unfinished = engine.resyncs.unfinished(tenant_id, plan.flow)
        if unfinished is None:
            return engine.resyncs.start(tenant_id, plan)
        widened = (plan.widened[0].isoformat(), plan.widened[1].isoformat())
        params = unfinished.params
        if (params["widened_from"], params["widened_to"]) != widened:
            raise Conflict(
                f"an unfinished re-sync of {plan.flow} ({params['widened_from']} to "
                f"{params['widened_to']}, run {unfinished.id}) must be resumed first: start it "
                "again with that interval",
                code="resync_unfinished",
            )
        return unfinished.id

    async def _run(
        self, engine: SyncService, tenant_id: int, flow: str, first: date, last: date, run_id: int
    ) -> None:
        await self._attempt(engine, tenant_id, flow, first, last, run_id)

    async def _attempt(
        self, engine: SyncService, tenant_id: int, flow: str, first: date, last: date, run_id: int
    ) -> bool:
        """Run (or resume) the job; what stops it is kept on its run (``False``)."""
        try:
            await engine.resync(tenant_id, flow, first, last)
        except Exception as exc:
            log.warning(
                "re-sync stopped: %s", exc, extra={"tenant_id": tenant_id, "run_id": run_id}
            )
            self._keep_error(run_id, str(exc))
            return False
        return True

    def _keep_error(self, run_id: int, error: str) -> None:
        with self.sessions.begin() as session:
            run = RunRepository(session).get(run_id)
            if run is not None:
                run.error = error
                if run.status == "running":
                    run.status, run.finished_at = "interrupted", self.clock.now()

    def latest(self, tenant_id: int, limit: int = 10) -> list[Run]:
        """The tenant's latest re-sync runs, newest first."""
        with self.sessions.begin() as session:
            return list(RunRepository(session).latest(tenant_id, kind="resync", limit=limit))

    # The proposal after a reconnect.

    def proposal(self, tenant_id: int) -> reconnect.Proposal | None:
        """The re-sync proposed after the tenant's last reconnect, or ``None``."""
        with self.sessions.begin() as session:
            return reconnect.proposal(session, tenant_id, self.clock, flows=self.flows)

    def proposal_or_404(self, tenant_id: int) -> reconnect.Proposal:
        """The proposal; 404 ``no_proposal`` when none is open."""
        found = self.proposal(tenant_id)
        if found is None:
            raise _no_proposal()
        return found

    async def accept(
        self, tenant_id: int, first: date | None = None, last: date | None = None
    ) -> list[StartedJob]:
        """Start the proposed re-sync jobs (for the proposed interval, or ``first``..``last``)
        and clear the proposal."""
        engine = self.require_engine()
        try:
            accepted = await reconnect.accept(engine, tenant_id, first=first, last=last)
        except (ResyncError, FortnoxError, EngineError) as exc:
            raise ResyncRefused(f"cannot start the re-sync: {exc}", str(exc)) from None
        self.jobs.start(_job_name(tenant_id), self._run_accepted(engine, tenant_id, accepted))
        return [StartedJob(job.run_id, job.plan, *self._progress(job.run_id)) for job in accepted]

    async def _run_accepted(
        self, engine: SyncService, tenant_id: int, accepted: list[reconnect.AcceptedResync]
    ) -> None:
        for job in accepted:
            first, last = job.plan.requested
            if not await self._attempt(engine, tenant_id, job.target, first, last, job.run_id):
                return

    def dismiss(self, tenant_id: int) -> reconnect.Proposal:
        """Forget the proposal without re-syncing; 404 ``no_proposal`` when none is open."""
        with self.sessions.begin() as session:
            found = reconnect.proposal(session, tenant_id, self.clock, flows=self.flows)
            if found is None:
                raise _no_proposal()
            reconnect.dismiss(session, tenant_id)
        return found

    def forget(self, tenant_id: int) -> bool:
        """Forget whatever proposal is stored; ``False`` when there was none."""
        with self.sessions.begin() as session:
            return reconnect.dismiss(session, tenant_id)


def _job_name(tenant_id: int) -> str:
    return f"resync:{tenant_id}"


def _no_proposal() -> NotFound:
    return NotFound(
        "no re-sync is proposed for this tenant (one is proposed when the Fortnox connection "
        "comes back after a disconnection); re-sync any interval with POST /api/v1/resync",
        code="no_proposal",
    )
