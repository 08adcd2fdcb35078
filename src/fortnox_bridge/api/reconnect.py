"""The re-sync proposed after a reconnect: read it, accept it (as proposed, or for another
interval) or dismiss it.

When a Fortnox connection comes back from ``needs_reauth``, ``revoked`` or ``missing_licence``,
the bridge proposes re-syncing what may have been missed: from the disconnection date to today,
widened to whole salary periods. Accepting starts the same background job as
``POST /api/v1/resync`` (follow it at ``GET /api/v1/runs/{run_id}``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.control import started_job
from fortnox_bridge.api.deps import ResyncDep
from fortnox_bridge.api.schemas import Interval, ResyncJob
from fortnox_bridge.engine.tenancy import reconnect


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


router = APIRouter(prefix="/api/v1/resync", tags=["control"])


@router.get("/proposal", response_model=ProposalOut, responses={404: {}})
def get_proposal(caller: ReaderDep, resyncs: ResyncDep) -> ProposalOut:
    """The re-sync proposed after the last reconnect: from the disconnection date to today,
    widened to whole salary periods, and the flows it covers; 404 when none is."""
    return proposal_out(resyncs.proposal_or_404(caller.tenant_id))


@router.post(
    "/proposal:accept",
    response_model=Accepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={404: {}, 409: {}, 503: {}},
)
async def accept_proposal(
    caller: WriterDep,
    resyncs: ResyncDep,
    body: Annotated[AcceptRequest | None, Body()] = None,
) -> Accepted:
    """Start the proposed re-sync as a background job — for the proposed interval, or for
    ``from``/``to`` when given — and clear the proposal. Follow the job at
    ``GET /api/v1/runs/{run_id}``."""
    tenant_id = caller.tenant_id
    resyncs.proposal_or_404(tenant_id)
    resyncs.require_engine()
    resyncs.require_active(tenant_id)
    resyncs.ensure_idle(tenant_id, advice=", then accept again")
    wanted = body or AcceptRequest()
    started = await resyncs.accept(tenant_id, wanted.from_, wanted.to)
    return Accepted(jobs=[started_job(job) for job in started])


@router.post("/proposal:dismiss", response_model=Dismissed, responses={404: {}})
def dismiss_proposal(caller: WriterDep, resyncs: ResyncDep) -> Dismissed:
    """Forget the proposal without re-syncing (any interval can still be re-synced with
    ``POST /api/v1/resync``)."""
    found = resyncs.dismiss(caller.tenant_id)
    return Dismissed(dismissed=True, proposal=proposal_out(found))
