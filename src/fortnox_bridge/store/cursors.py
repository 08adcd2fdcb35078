"""Cursors: how far each flow of a tenant has read its source."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Cursor


class CursorRepository:
    """Reads and moves cursors within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: int, flow: str) -> datetime | None:
        """The position of a flow's cursor, or ``None`` before its first complete read."""
        row = self._row(tenant_id, flow)
        return row.position if row else None

    def advance(self, tenant_id: int, flow: str, position: datetime, *, now: datetime) -> None:
        """Move the cursor to ``position`` (never backwards)."""
        row = self._row(tenant_id, flow)
        if row is None:
            self.session.add(
                Cursor(tenant_id=tenant_id, flow=flow, position=position, updated_at=now)
            )
        elif position > row.position:
            row.position = position
            row.updated_at = now
        self.session.flush()

    def _row(self, tenant_id: int, flow: str) -> Cursor | None:
        return self.session.scalars(
            select(Cursor).where(Cursor.tenant_id == tenant_id, Cursor.flow == flow)
        ).first()
