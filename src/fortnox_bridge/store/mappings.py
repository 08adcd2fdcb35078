"""Mappings: a tenant's translation of local values (absence types, codes...) to Fortnox values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Mapping


@dataclass(frozen=True)
class MappedValue:
    """The Fortnox value of one local value, or its exclusion."""

    fortnox_value: str | None
    excluded: bool


class MappingRepository:
    """Reads and writes mappings within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_tenant(self, tenant_id: int) -> dict[str, dict[str, MappedValue]]:
        """Every mapping of a tenant: ``{kind: {local value: mapped value}}``."""
        table: dict[str, dict[str, MappedValue]] = {}
        for row in self.session.scalars(select(Mapping).where(Mapping.tenant_id == tenant_id)):
            table.setdefault(row.kind, {})[row.local_value] = MappedValue(
                row.fortnox_value, row.excluded
            )
        return table

    def put(
        self,
        tenant_id: int,
        kind: str,
        local_value: str,
        fortnox_value: str | None,
        *,
        excluded: bool = False,
        now: datetime,
    ) -> Mapping:
        """Create or replace one mapping."""
        row = self.session.scalars(
            select(Mapping).where(
                Mapping.tenant_id == tenant_id,
                Mapping.kind == kind,
                Mapping.local_value == local_value,
            )
        ).first()
        if row is None:
            row = Mapping(tenant_id=tenant_id, kind=kind, local_value=local_value)
            self.session.add(row)
        row.fortnox_value = fortnox_value
        row.excluded = excluded
        row.updated_at = now
        self.session.flush()
        return row
