"""Links: which Fortnox record stands for which host record, and what was last agreed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Link


class LinkRepository:
    """Reads and writes links within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_external_id(self, tenant_id: int, entity_type: str) -> dict[str, Link]:
        """All links of one entity type, keyed by host id."""
        rows = self.session.scalars(
            select(Link).where(Link.tenant_id == tenant_id, Link.entity_type == entity_type)
        )
        return {link.external_id: link for link in rows}

    def save(
        self,
        tenant_id: int,
        entity_type: str,
        external_id: str,
        *,
        fortnox_id: str,
        version: int,
        snapshot: dict[str, Any],
        snapshot_hash: str,
        now: datetime,
    ) -> Link:
        """Create or move forward the link of one host record."""
        link = self.session.scalars(
            select(Link).where(
                Link.tenant_id == tenant_id,
                Link.entity_type == entity_type,
                Link.external_id == external_id,
            )
        ).first()
        if link is None:
            link = Link(tenant_id=tenant_id, entity_type=entity_type, external_id=external_id)
            self.session.add(link)
        link.fortnox_id = fortnox_id
        link.synced_version = version
        link.snapshot = snapshot
        link.snapshot_hash = snapshot_hash
        link.state = "linked"
        link.updated_at = now
        self.session.flush()
        return link

    def forget_tenant(self, tenant_id: int) -> int:
        """Drop every link of a tenant (its Fortnox company changed); returns how many."""
        result = self.session.execute(delete(Link).where(Link.tenant_id == tenant_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
