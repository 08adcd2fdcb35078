"""Flow configurations: which flows run for a tenant, with which settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import FlowConfig

_ENABLED = select(FlowConfig.flow, FlowConfig.enabled).where(
    FlowConfig.tenant_id == bindparam("tenant_id")
)


class FlowConfigRepository:
    """Reads and writes flow configurations within one session.

    A flow without a row runs with its default settings; the engine validates settings with the
    flow's ``Settings`` model before they are stored here.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_tenant(self, tenant_id: int) -> dict[str, FlowConfig]:
        """The configured flows of a tenant, by flow name."""
        rows = self.session.scalars(select(FlowConfig).where(FlowConfig.tenant_id == tenant_id))
        return {row.flow: row for row in rows}

    def enabled(self, tenant_id: int) -> dict[str, bool]:
        """Which configured flows are on, by flow name (a cheap read)."""
        rows = self.session.execute(_ENABLED, {"tenant_id": tenant_id})
        return {str(flow): bool(enabled) for flow, enabled in rows}

    def put(
        self,
        tenant_id: int,
        flow: str,
        *,
        enabled: bool,
        settings: dict[str, Any],
        now: datetime,
    ) -> FlowConfig:
        """Create or replace the configuration of one flow."""
        row = self.for_tenant(tenant_id).get(flow)
        if row is None:
            row = FlowConfig(tenant_id=tenant_id, flow=flow)
            self.session.add(row)
        row.enabled = enabled
        row.settings = settings
        row.updated_at = now
        self.session.flush()
        return row
