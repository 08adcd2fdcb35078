"""A tenant's status in full, as ``fortnox-bridge status`` prints it: its connection, proposed
re-syncs, open problems and conflicts (each of them), and its last runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import Conflict, Problem, Run
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.runs import RunRepository

__all__ = ["Conflict", "Problem", "Run", "StatusSummary", "TenantStatusReader"]


@dataclass(frozen=True)
class StatusSummary:
    """One tenant's status: ``connection`` is ``None`` when it was never connected."""

    connection: str | None
    disconnected_at: datetime | None
    proposals: list[dict[str, Any]]
    problems: list[Problem]
    conflicts: list[Conflict]
    runs: list[Run]


class TenantStatusReader:
    """Reads what a tenant's status shows."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def summary(self, tenant_id: int, *, runs: int = 3) -> StatusSummary:
        """The tenant's connection, open problems and conflicts, and its last ``runs`` runs."""
        with self.sessions.begin() as session:
            connection = ConnectionRepository(session).for_tenant(tenant_id)
            return StatusSummary(
                connection=connection.state if connection else None,
                disconnected_at=connection.disconnected_at if connection else None,
                proposals=list(connection.resync_proposals) if connection else [],
                problems=ProblemRepository(session).open(tenant_id),
                conflicts=ConflictRepository(session).open(tenant_id),
                runs=RunRepository(session).latest(tenant_id, limit=runs),
            )
