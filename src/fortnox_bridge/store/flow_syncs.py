"""Last successful syncs: when each flow of a tenant last ran through without a failure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import FlowSync


class FlowSyncRepository:
    """Reads and moves the last successful sync of flows within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_tenant(self, tenant_id: int) -> dict[str, datetime]:
        """``{flow: when it last synced without a failure}`` of the flows that ever did."""
        rows = self.session.scalars(select(FlowSync).where(FlowSync.tenant_id == tenant_id))
        return {row.flow: row.synced_at for row in rows}

    def mark(self, tenant_id: int, flows: Iterable[str], *, now: datetime) -> None:
        """``flows`` synced without a failure at ``now``."""
        names = sorted(set(flows))
        if not names:
            return
        rows = self.session.scalars(
            select(FlowSync).where(FlowSync.tenant_id == tenant_id, FlowSync.flow.in_(names))
        )
        found = {row.flow: row for row in rows}
        for name in names:
            row = found.get(name)
            if row is None:
                self.session.add(FlowSync(tenant_id=tenant_id, flow=name, synced_at=now))
            elif now > row.synced_at:
                row.synced_at = now
        self.session.flush()
