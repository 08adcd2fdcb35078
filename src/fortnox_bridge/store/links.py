"""Links: which Fortnox record stands for which host record, and what was last agreed."""

from __future__ import annotations

from datetime import date, datetime
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

    def by_fortnox_id(self, tenant_id: int, entity_type: str) -> dict[str, Link]:
        """All links of one entity type, keyed by Fortnox id."""
        rows = self.session.scalars(
            select(Link).where(Link.tenant_id == tenant_id, Link.entity_type == entity_type)
        )
        return {link.fortnox_id: link for link in rows}

    def get(self, tenant_id: int, entity_type: str, external_id: str) -> Link | None:
        """The link of one host record."""
        return self.session.scalars(
            select(Link).where(
                Link.tenant_id == tenant_id,
                Link.entity_type == entity_type,
                Link.external_id == external_id,
            )
        ).first()

    def fortnox_ids(
        self, tenant_id: int, entity_type: str, external_ids: list[str]
    ) -> dict[str, str]:
        """The Fortnox ids of the given host records that are linked, by host id."""
        if not external_ids:
            return {}
        rows = self.session.execute(
            select(Link.external_id, Link.fortnox_id).where(
                Link.tenant_id == tenant_id,
                Link.entity_type == entity_type,
                Link.external_id.in_(external_ids),
                Link.state.in_(("linked", "stale")),
            )
        )
        return {str(row[0]): str(row[1]) for row in rows}

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
        state: str = "linked",
        origin: str | None = None,
        record_date: date | None = None,
    ) -> Link:
        """Create or move forward the link of one host record.

        ``origin`` is set when the link is created (``created`` by default) and kept afterwards
        unless given again; so is ``record_date``.
        """
        link = self.get(tenant_id, entity_type, external_id)
        if link is None:
            link = Link(
                tenant_id=tenant_id,
                entity_type=entity_type,
                external_id=external_id,
                origin=origin or "created",
            )
            self.session.add(link)
        elif origin is not None:
            link.origin = origin
        link.fortnox_id = fortnox_id
        link.synced_version = version
        link.snapshot = snapshot
        link.snapshot_hash = snapshot_hash
        link.state = state
        if record_date is not None:
            link.record_date = record_date
        link.updated_at = now
        self.session.flush()
        return link

    def remove(self, link: Link) -> None:
        """Forget one link (its Fortnox record is gone)."""
        self.session.delete(link)
        self.session.flush()

    def created_between(
        self, tenant_id: int, entity_type: str, first: date, last: date
    ) -> list[Link]:
        """Links of records the bridge created in Fortnox, dated ``first``..``last`` inclusive."""
        return list(
            self.session.scalars(
                select(Link)
                .where(
                    Link.tenant_id == tenant_id,
                    Link.entity_type == entity_type,
                    Link.origin == "created",
                    Link.record_date >= first,
                    Link.record_date <= last,
                )
                .order_by(Link.record_date, Link.external_id)
            )
        )

    def forget_tenant(self, tenant_id: int) -> int:
        """Drop every link of a tenant (its Fortnox company changed); returns how many."""
        result = self.session.execute(delete(Link).where(Link.tenant_id == tenant_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
