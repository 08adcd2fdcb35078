"""Conflicts of a tenant (policy ``ask``): a field changed on both sides; deciding one lets the
winning values flow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.errors import ConflictError
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.sync.conflicts import Winner, resolve_conflict
from fortnox_bridge.services.errors import Conflict as Refused
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.paging import keyset
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.models import Conflict

__all__ = ["Conflict", "ConflictService"]


class ConflictService:
    """Reads and decides tenants' conflicts."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        hooks: EngineHooks,
        flows: Sequence[type[Flow]],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hooks = hooks
        self.flows = flows

    def page(
        self, tenant_id: int, status: str, *, limit: int, cursor: str | None
    ) -> tuple[list[Conflict], str | None]:
        """One page of the tenant's conflicts in ``status`` (open, resolved), oldest first."""
        query = select(Conflict).where(Conflict.tenant_id == tenant_id, Conflict.status == status)
        with self.sessions.begin() as session:
            return keyset(session, query, Conflict.id, limit=limit, cursor=cursor)

    def get(self, tenant_id: int, conflict_id: int) -> Conflict:
        """The tenant's conflict; 404 otherwise (another tenant's too)."""
        with self.sessions.begin() as session:
            found = ConflictRepository(session).get(conflict_id) if conflict_id < 2**31 else None
        if found is None or found.tenant_id != tenant_id:
            raise NotFound(f"no conflict {conflict_id}")
        return found

    def open(self, tenant_id: int) -> list[Conflict]:
        """The tenant's open conflicts, oldest first."""
        with self.sessions.begin() as session:
            return list(ConflictRepository(session).open(tenant_id))

    def resolve(
        self,
        tenant_id: int,
        conflict_id: int,
        winner: Winner,
        fields: Mapping[str, Winner] | None = None,
    ) -> dict[str, Any]:
        """Decide a conflict (``fields``: the winner of single fields); the winning values flow
        at the next run (at once if the bridge won and the engine runs). The values are
        answered."""
        found = self.get(tenant_id, conflict_id)
        try:
            values = resolve_conflict(
                self.sessions,
                self.clock,
                tenant_id,
                conflict_id,
                winner,
                flows=self.flows,
                fields=fields,
            )
        except ConflictError as exc:
            raise Refused(str(exc), code="conflict_not_open") from exc
        pushes = "bridge" in fields.values() if fields is not None else winner == "bridge"
        on_change = self.hooks.on_change
        if pushes and on_change is not None:
            on_change(tenant_id, found.entity_type, found.external_id)
        return values
