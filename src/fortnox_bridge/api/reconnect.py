"""The re-sync proposed after a reconnect (PR5): read it, accept it (as proposed, or for another
interval) or dismiss it.

When a Fortnox connection comes back from ``needs_reauth``, ``revoked`` or ``missing_licence``,
the bridge proposes re-syncing what may have been missed: from the disconnection date to today,
widened to whole salary periods. Accepting starts the same background job as
``POST /api/v1/resync`` (follow it at ``GET /api/v1/runs/{run_id}``).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.control import _job, _require_active, _service
from fortnox_bridge.api.schemas import Interval, Progress, ResyncJob
from fortnox_bridge.engine.errors import ResyncError
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.tenancy import reconnect
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.store.runs import RunRepository

log = logging.getLogger(__name__)


class ProposedResyncOut(BaseModel):
    """One re-sync of the proposal: a flow, or a family whose dated flows go together."""

    target: str = Field(description="What is re-synced: 'payroll' (attendance and absence), ...")
    flows: list[str] = Field(description="The flows it covers.")
    interval: Interval = Field(description="The proposal's interval widened to whole periods.")


class ProposalOut(BaseModel):
    """The re-sync the bridge proposes after a reconnect."""

    disconnected_at: datetime | None = Field(description="When the connection broke.")
    reconnected_at: datetime | None = Field(description="When it came back.")
    requested: Interval = Field(description="From the disconnection date to today.")
    interval: Interval = Field(description="The interval widened to whole salary periods.")
    flows: list[str] = Field(description="Every flow the re-sync covers.")
    resyncs: list[ProposedResyncOut]
    reason: str
    connection_state: str = Field(description="It can be accepted while this is 'active'.")


class AcceptRequest(BaseModel):
    """``POST /api/v1/resync/proposal:accept``: the proposed interval, or another one."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date | None = Field(
        default=None, alias="from", description="First day instead of the disconnection date."
    )
    to: date | None = Field(default=None, description="Last day instead of today.")

    @model_validator(mode="after")
    def _ordered(self) -> AcceptRequest:
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        return self


class Accepted(BaseModel):
    """The re-sync jobs the accepted proposal started."""

    jobs: list[ResyncJob]


class Dismissed(BaseModel):
    """The proposal was dismissed: nothing is re-synced."""

    dismissed: bool
    proposal: ProposalOut


def proposal_out(found: reconnect.Proposal) -> ProposalOut:
    """The API shape of a proposal."""
    return ProposalOut(
        disconnected_at=found.disconnected_at,
        reconnected_at=found.reconnected_at,
        requested=Interval(from_=found.first, to=found.last),
        interval=Interval(from_=found.widened[0], to=found.widened[1]),
        flows=found.flows,
        resyncs=[
            ProposedResyncOut(
                target=r.target,
                flows=r.flows,
                interval=Interval(from_=r.widened[0], to=r.widened[1]),
            )
            for r in found.resyncs
        ],
        reason=found.reason,
        connection_state=found.connection_state,
    )


def _no_proposal() -> HTTPException:
    return HTTPException(
        404,
        {
            "error": "no_proposal",
            "detail": "no re-sync is proposed for this tenant (one is proposed when the Fortnox "
            "connection comes back after a disconnection); re-sync any interval with "
            "POST /api/v1/resync",
        },
    )


def reconnect_router() -> APIRouter:
    """The routes."""
    router = APIRouter(prefix="/api/v1/resync", tags=["control"])

    @router.get("/proposal", response_model=ProposalOut, responses={404: {}})
    def get_proposal(request: Request, caller: ReaderDep) -> ProposalOut:
        """The re-sync proposed after the last reconnect: from the disconnection date to today,
        widened to whole salary periods, and the flows it covers; 404 when none is."""
        state = request.app.state
        with state.sessions.begin() as session:
            found = reconnect.proposal(session, caller.tenant_id, state.clock)
        if found is None:
            raise _no_proposal()
        return proposal_out(found)

    @router.post(
        "/proposal:accept",
        response_model=Accepted,
        status_code=status.HTTP_202_ACCEPTED,
        responses={404: {}, 409: {}, 503: {}},
    )
    async def accept_proposal(
        request: Request,
        caller: WriterDep,
        body: Annotated[AcceptRequest | None, Body()] = None,
    ) -> Accepted:
        """Start the proposed re-sync as a background job — for the proposed interval, or for
        ``from``/``to`` when given — and clear the proposal. Follow the job at
        ``GET /api/v1/runs/{run_id}``."""
        state = request.app.state
        tenant_id = caller.tenant_id
        with state.sessions.begin() as session:
            found = reconnect.proposal(session, tenant_id, state.clock)
        if found is None:
            raise _no_proposal()
        service = _service(request)
        _require_active(state.sessions, tenant_id)
        running = f"resync:{tenant_id}"
        if state.jobs.running(running):
            raise HTTPException(
                409,
                {
                    "error": "resync_running",
                    "detail": "a re-sync of this tenant is running; follow it in "
                    "GET /api/v1/runs?kind=resync, then accept again",
                },
            )
        wanted = body or AcceptRequest()
        try:
            accepted = await reconnect.accept(
                service, tenant_id, first=wanted.from_, last=wanted.to
            )
        except (ResyncError, FortnoxError) as exc:
            raise HTTPException(
                409, {"error": "resync_refused", "detail": f"cannot start the re-sync: {exc}"}
            ) from None
        state.jobs.start(running, _run(service, tenant_id, accepted))
        jobs = []
        with state.sessions.begin() as session:
            runs = RunRepository(session)
            for job in accepted:
                run = runs.get(job.run_id)
                assert run is not None
                progress = Progress(done=run.progress_done, total=run.progress_total)
                jobs.append(_job(job.plan, job.run_id, "running", progress))
        return Accepted(jobs=jobs)

    @router.post("/proposal:dismiss", response_model=Dismissed, responses={404: {}})
    def dismiss_proposal(request: Request, caller: WriterDep) -> Dismissed:
        """Forget the proposal without re-syncing (any interval can still be re-synced with
        ``POST /api/v1/resync``)."""
        state = request.app.state
        with state.sessions.begin() as session:
            found = reconnect.proposal(session, caller.tenant_id, state.clock)
            if found is None:
                raise _no_proposal()
            reconnect.dismiss(session, caller.tenant_id)
        return Dismissed(dismissed=True, proposal=proposal_out(found))

    return router


async def _run(
    service: SyncService, tenant_id: int, accepted: list[reconnect.AcceptedResync]
) -> None:
    """Run the accepted jobs; what stops one is kept on its run."""
    for job in accepted:
        first, last = job.plan.requested
        try:
            await service.resync(tenant_id, job.target, first, last)
        except Exception as exc:
            log.warning(
                "re-sync stopped: %s", exc, extra={"tenant_id": tenant_id, "run_id": job.run_id}
            )
            _keep_error(service, job.run_id, str(exc))
            return


def _keep_error(service: SyncService, run_id: int, error: str) -> None:
    with service.sessions.begin() as session:
        run = RunRepository(session).get(run_id)
        if run is not None:
            run.error = error
            if run.status == "running":
                run.status, run.finished_at = "interrupted", service.clock.now()
