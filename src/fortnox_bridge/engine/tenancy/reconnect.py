"""After a reconnect: the re-sync the bridge proposes, and accepting or dismissing it.

When a connection comes back to ``active`` from a broken state, the connection lifecycle keeps
one proposal per re-sync target in the store (``connections.resync_proposals``: target, its
flows, the disconnection date and the reconnect date) and adds a ``resync.proposed`` event. This
module is what the API, the CLI and the admin UI call:

- :func:`proposal` — the proposal as people see it: from the disconnection date to today,
  widened to whole salary periods, and which flows it covers;
- :func:`accept` — opens the re-sync job(s) for that interval, or for an interval the admin
  chose instead, and clears the proposal; :func:`run_accepted` then runs them (in the
  background for the API);
- :func:`dismiss` — clears the proposal without re-syncing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import ResyncError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.jobs.service import SyncService
from fortnox_bridge.engine.maintenance.resync import ResyncProgress
from fortnox_bridge.engine.maintenance.resync_targets import (
    ResyncPlan,
    target_flows,
    widened_interval,
)
from fortnox_bridge.engine.sync.context import load_context
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Run


@dataclass(frozen=True)
class ProposedResync:
    """One re-sync of a proposal: a target (a flow, or a family such as ``payroll``)."""

    target: str
    flows: list[str]
    #: The proposal's interval widened to whole periods of these flows.
    widened: tuple[date, date]


@dataclass(frozen=True)
class Proposal:
    """What the bridge proposes to re-sync after a reconnect."""

    tenant_id: int
    #: When the connection broke and when it came back (``None`` if not kept).
    disconnected_at: datetime | None
    reconnected_at: datetime | None
    #: The disconnection date, and today.
    first: date
    last: date
    #: ``first``..``last`` widened to whole periods of every flow it covers.
    widened: tuple[date, date]
    resyncs: list[ProposedResync] = field(default_factory=list)
    reason: str = ""
    #: The connection's state now: a proposal can only be accepted while it is ``active``.
    connection_state: str = "active"

    @property
    def flows(self) -> list[str]:
        """Every flow the proposal covers."""
        return [name for resync in self.resyncs for name in resync.flows]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "disconnected_at": self.disconnected_at.isoformat() if self.disconnected_at else None,
            "reconnected_at": self.reconnected_at.isoformat() if self.reconnected_at else None,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "widened_from": self.widened[0].isoformat(),
            "widened_to": self.widened[1].isoformat(),
            "flows": self.flows,
            "resyncs": [
                {
                    "target": r.target,
                    "flows": r.flows,
                    "widened_from": r.widened[0].isoformat(),
                    "widened_to": r.widened[1].isoformat(),
                }
                for r in self.resyncs
            ],
            "reason": self.reason,
            "connection_state": self.connection_state,
        }


@dataclass(frozen=True)
class AcceptedResync:
    """A re-sync job opened by :func:`accept`."""

    target: str
    run_id: int
    plan: ResyncPlan


def proposal(
    session: Session,
    tenant_id: int,
    clock: Clock,
    *,
    flows: Sequence[type[Flow]] | None = None,
) -> Proposal | None:
    """The tenant's open re-sync proposal, or ``None``.

    The interval runs from the disconnection date to today (never before the reconnect date),
    widened to whole periods of the flows as the tenant configured them. Targets whose flows
    were switched off since are left out.
    """
    connection = ConnectionRepository(session).for_tenant(tenant_id)
    if connection is None or not connection.resync_proposals:
        return None
    stored: list[dict[str, Any]] = list(connection.resync_proposals)
    context = load_context(session, tenant_id, flows if flows is not None else discover_flows())
    first = min(date.fromisoformat(str(p["from"])) for p in stored)
    last = max(clock.now().date(), *(date.fromisoformat(str(p["to"])) for p in stored))
    resyncs = []
    for entry in stored:
        try:
            covered = target_flows(context, str(entry["flow"]))
        except ResyncError:
            continue  # switched off or gone since the reconnect: nothing to re-sync
        resyncs.append(
            ProposedResync(
                str(entry["flow"]),
                [flow.name for flow in covered],
                widened_interval(covered, first, last),
            )
        )
    if not resyncs:
        return None
    reconnected = connection.state_changed_at if connection.state == "active" else None
    return Proposal(
        tenant_id=tenant_id,
        disconnected_at=connection.disconnected_at,
        reconnected_at=reconnected,
        first=first,
        last=last,
        widened=(min(r.widened[0] for r in resyncs), max(r.widened[1] for r in resyncs)),
        resyncs=resyncs,
        reason=str(stored[0].get("reason", "")),
        connection_state=connection.state,
    )


def dismiss(session: Session, tenant_id: int) -> bool:
    """Forget the tenant's re-sync proposal; ``False`` when there was none."""
    connection = ConnectionRepository(session).for_tenant(tenant_id)
    if connection is None or not connection.resync_proposals:
        return False
    connection.resync_proposals = []
    return True


async def accept(
    service: SyncService,
    tenant_id: int,
    *,
    first: date | None = None,
    last: date | None = None,
) -> list[AcceptedResync]:
    """Open the proposed re-sync job(s) — for the proposal's interval, or ``first``..``last``
    when the admin chose another — and clear the proposal. Run them with
    :func:`run_accepted`.

    Raises :class:`ResyncError` when there is no proposal, the connection is not active, the
    interval is backwards, or an unfinished re-sync of another interval must be resumed first.
    """
    with service.sessions.begin() as session:
        found = proposal(session, tenant_id, service.clock, flows=service.runner.flows)
    if found is None:
        raise ResyncError("no re-sync is proposed for this tenant")
    if found.connection_state != "active":
        raise ResyncError(
            f"the Fortnox connection is {found.connection_state}; connect it first, then accept"
        )
    start, end = first or found.first, last or found.last
    if end < start:
        raise ResyncError(f"the interval ends ({end}) before it starts ({start})")
    opened = []
    for resync in found.resyncs:
        plan = await service.resync_plan(tenant_id, resync.target, start, end)
        run_id = _open(service, tenant_id, plan)
        opened.append(AcceptedResync(resync.target, run_id, plan))
    with service.sessions.begin() as session:
        dismiss(session, tenant_id)
    return opened


def _open(service: SyncService, tenant_id: int, plan: ResyncPlan) -> int:
    unfinished = service.resyncs.unfinished(tenant_id, plan.flow)
    if unfinished is None:
        return service.resyncs.start(tenant_id, plan)
    widened = (plan.widened[0].isoformat(), plan.widened[1].isoformat())
    if (unfinished.params["widened_from"], unfinished.params["widened_to"]) != widened:
        raise ResyncError(
            f"an unfinished re-sync of {plan.flow} ({unfinished.params['widened_from']} to "
            f"{unfinished.params['widened_to']}, run {unfinished.id}) must be resumed first"
        )
    return unfinished.id


async def run_accepted(
    service: SyncService,
    tenant_id: int,
    accepted: Sequence[AcceptedResync],
    *,
    progress: ResyncProgress | None = None,
) -> list[Run]:
    """Run the accepted re-sync jobs one after the other (each resumable like any re-sync)."""
    runs = []
    for job in accepted:
        first, last = job.plan.requested
        runs.append(await service.resync(tenant_id, job.target, first, last, progress=progress))
    return runs
