"""A tenant's mappings of each kind the flows declare, for the admin UI's mappings page.

Every kind a flow of the bridge reads (its :class:`MappingKind`) is listed with what its local
and Fortnox values are in words, the values it allows and the tenant's current mappings, so a
new family's kind shows on the page without page code. A mapping is checked against the flows'
declarations before it is stored; a refused one is returned, not raised, so the page can show
why next to the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.mapping_kinds import MappingRefused, check_mapping, declared
from fortnox_bridge.store.mappings import MappedValue, MappingRepository
from fortnox_bridge.store.models import Mapping as MappingRow

__all__ = ["KindMappings", "MappedValue", "MappingRefused", "TenantMappings"]


@dataclass(frozen=True)
class KindMappings:
    """One mapping kind as the flows declare it, with the tenant's mappings of it."""

    kind: str
    #: What a local value is, in words, one per distinct declaration ("an absence type's code").
    local: tuple[str, ...]
    #: What a Fortnox value is, in words, one per distinct declaration.
    fortnox: tuple[str, ...]
    #: The local values the kind maps; ``None``: any value.
    local_values: tuple[str, ...] | None
    #: The Fortnox values the kind maps to; ``None``: any value.
    fortnox_values: tuple[str, ...] | None
    #: The tenant's mappings of the kind, by local value.
    mapped: dict[str, MappedValue]


class TenantMappings:
    """Reads, checks and changes a tenant's mappings of every declared kind."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, flows: Sequence[type[Flow]]
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.flows = list(flows)

    def kinds(self, tenant_id: int, *, skip: Sequence[str] = ()) -> list[KindMappings]:
        """Every kind the flows declare (but those in ``skip``), in name order, with the
        tenant's mappings of it."""
        with self.sessions.begin() as session:
            stored = MappingRepository(session).for_tenant(tenant_id)
        found = []
        for kind, declarations in declared(self.flows).items():
            if kind in skip:
                continue
            kinds = [d for _, d in declarations]
            found.append(
                KindMappings(
                    kind=kind,
                    local=tuple(dict.fromkeys(d.local for d in kinds)),
                    fortnox=tuple(dict.fromkeys(d.fortnox for d in kinds)),
                    local_values=_union([d.local_values for d in kinds]),
                    fortnox_values=_union([d.fortnox_values for d in kinds]),
                    mapped=dict(sorted(stored.get(kind, {}).items())),
                )
            )
        return found

    def save(
        self, tenant_id: int, kind: str, local_value: str, fortnox_value: str
    ) -> MappingRefused | None:
        """Map ``local_value`` to ``fortnox_value``; why not (nothing is saved), or ``None``."""
        refused = check_mapping(self.flows, kind, local_value, fortnox_value)
        if refused is not None:
            return refused
        with self.sessions.begin() as session:
            MappingRepository(session).put(
                tenant_id, kind, local_value, fortnox_value, now=self.clock.now()
            )
        return None

    def remove(self, tenant_id: int, kind: str, local_value: str) -> bool:
        """Remove the mapping of ``local_value``; ``False`` when there was none."""
        with self.sessions.begin() as session:
            gone = session.execute(
                delete(MappingRow).where(
                    MappingRow.tenant_id == tenant_id,
                    MappingRow.kind == kind,
                    MappingRow.local_value == local_value,
                )
            )
        return bool(getattr(gone, "rowcount", 0))


def _union(values: Sequence[tuple[str, ...] | None]) -> tuple[str, ...] | None:
    """The values of every declaration, sorted; ``None`` when one of them takes any value."""
    if any(v is None for v in values):
        return None
    return tuple(sorted({value for group in values for value in group or ()}))
