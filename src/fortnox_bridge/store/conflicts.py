"""Conflicts: fields changed on both sides, kept open until someone decides (policy ``ask``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Conflict


class ConflictRepository:
    """Reads and writes conflicts within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def open_for_entity(self, tenant_id: int, entity_type: str) -> dict[str, Conflict]:
        """The open conflicts of one entity type, by host id."""
        rows = self.session.scalars(
            select(Conflict).where(
                Conflict.tenant_id == tenant_id,
                Conflict.entity_type == entity_type,
                Conflict.status == "open",
            )
        )
        return {row.external_id: row for row in rows}

    def open(self, tenant_id: int) -> list[Conflict]:
        """Every open conflict of a tenant, oldest first."""
        return list(
            self.session.scalars(
                select(Conflict)
                .where(Conflict.tenant_id == tenant_id, Conflict.status == "open")
                .order_by(Conflict.id)
            )
        )

    def get(self, conflict_id: int) -> Conflict | None:
        """One conflict by id."""
        return self.session.get(Conflict, conflict_id)

    def open_or_update(
        self,
        tenant_id: int,
        *,
        flow: str,
        entity_type: str,
        external_id: str,
        fortnox_id: str,
        fields: dict[str, Any],
        now: datetime,
    ) -> Conflict:
        """Open a conflict for a record, or refresh the fields of the one already open."""
        conflict = self.open_for_entity(tenant_id, entity_type).get(external_id)
        if conflict is None:
            conflict = Conflict(
                tenant_id=tenant_id,
                flow=flow,
                entity_type=entity_type,
                external_id=external_id,
                status="open",
                created_at=now,
            )
            self.session.add(conflict)
        conflict.fortnox_id = fortnox_id
        conflict.fields = fields
        self.session.flush()
        return conflict

    def resolve(self, conflict: Conflict, resolution: str, *, now: datetime) -> None:
        """Close a conflict: ``bridge`` or ``fortnox`` won."""
        conflict.status = "resolved"
        conflict.resolution = resolution
        conflict.resolved_at = now
        self.session.flush()
