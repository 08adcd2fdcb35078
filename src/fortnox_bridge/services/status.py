"""A tenant at a glance: its connection, proposed re-syncs, a first synchronization waiting for
decisions, open problems and conflicts, and its last runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.services.connection import NOT_CONNECTED
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Conflict, Connection, FirstSyncPlan, Problem, Run
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.runs import RunRepository

#: Kinds of runs that say whether syncing works (not re-writes or re-syncs started by hand).
SYNC_KINDS = ("sweep", "push")


@dataclass(frozen=True)
class StatusOverview:
    """What ``GET /api/v1/status`` answers."""

    connection: str
    disconnected_at: datetime | None
    resync_proposals: list[Any]
    facts_checked_at: Any
    open_problems: int
    open_conflicts: int
    last_runs: list[Run]


@dataclass(frozen=True)
class LightFacts:
    """What a tenant's status light is made of."""

    connection: str
    open_problems: int = 0
    open_conflicts: int = 0
    #: ``succeeded``, ``partial``, ``failed`` (or another run status); ``None``: no run yet.
    last_run: str | None = None
    #: Whether a re-sync proposed after a reconnect waits for a decision.
    resync_proposed: bool = False
    #: Whether a first-synchronization plan waits for the admin's decisions (it is open).
    first_sync_waiting: bool = False


def light_facts(session: Session, tenant_id: int) -> LightFacts:
    """Read a tenant's connection state, open problems and conflicts, and last sync run."""
    connection = session.execute(
        select(Connection.state, Connection.resync_proposals).where(
            Connection.tenant_id == tenant_id
        )
    ).first()
    state, proposals = connection if connection is not None else (None, None)
    problems = session.scalar(
        select(func.count())
        .select_from(Problem)
        .where(Problem.tenant_id == tenant_id, Problem.resolved_at.is_(None))
    )
    conflicts = session.scalar(
        select(func.count())
        .select_from(Conflict)
        .where(Conflict.tenant_id == tenant_id, Conflict.status == "open")
    )
    last = session.scalar(
        select(Run.status)
        .where(Run.tenant_id == tenant_id, Run.kind.in_(SYNC_KINDS), Run.status != "running")
        .order_by(Run.started_at.desc(), Run.id.desc())
        .limit(1)
    )
    waiting = session.scalar(
        select(func.count())
        .select_from(FirstSyncPlan)
        .where(FirstSyncPlan.tenant_id == tenant_id, FirstSyncPlan.status == "open")
    )
    return LightFacts(
        state or NOT_CONNECTED,
        int(problems or 0),
        int(conflicts or 0),
        last,
        resync_proposed=bool(proposals),
        first_sync_waiting=bool(waiting),
    )


class StatusService:
    """Reads a tenant's state."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def check_database(self) -> None:
        """Raise if the database does not answer."""
        with self.sessions.begin() as session:
            session.execute(text("SELECT 1"))

    def facts(self, tenant_id: int) -> LightFacts:
        """What the tenant's status light is made of."""
        with self.sessions.begin() as session:
            return light_facts(session, tenant_id)

    def of(self, tenant_id: int) -> StatusOverview:
        """The tenant's status now."""
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            return StatusOverview(
                connection=connection.state if connection else NOT_CONNECTED,
                disconnected_at=connection.disconnected_at if connection else None,
                resync_proposals=list(connection.resync_proposals) if connection else [],
                facts_checked_at=(connection.facts or {}).get("checked_at") if connection else None,
                open_problems=len(ProblemRepository(session).open(tenant_id)),
                open_conflicts=len(ConflictRepository(session).open(tenant_id)),
                last_runs=list(RunRepository(session).latest(tenant_id, limit=5)),
            )
