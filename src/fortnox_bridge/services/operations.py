"""Change operations: where each accepted host change stands (pending, processing, succeeded,
failed ...) and Fortnox's answer if it failed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.services.errors import InvalidInput, NotFound
from fortnox_bridge.services.paging import decode_cursor, encode_cursor
from fortnox_bridge.store.change_operations import ChangeOperationRepository
from fortnox_bridge.store.models import ChangeOperation

__all__ = ["ChangeOperation", "OperationService"]


class OperationService:
    """Reads tenants' change operations."""

    def __init__(self, sessions: sessionmaker[Session], entities: Sequence[HostEntity]) -> None:
        self.sessions = sessions
        self.known = sorted(e.entity for e in entities)

    def page(
        self,
        tenant_id: int,
        *,
        status: str | None,
        entity: str | None,
        external_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[ChangeOperation], str | None]:
        """One page of the tenant's operations, newest first, narrowed as given."""
        if entity is not None and entity not in self.known:
            raise InvalidInput(
                f"unknown entity {entity!r}; use one of {', '.join(self.known)}",
                code="unknown_entity",
                field=("query", "entity"),
                value=entity,
            )
        before = decode_cursor(cursor)
        if before is not None and not isinstance(before, int):
            raise InvalidInput(
                "not a cursor of this list: pass next_cursor of the previous page unchanged",
                code="invalid_cursor",
                field=("query", "cursor"),
                value=cursor,
            )
        with self.sessions.begin() as session:
            rows = ChangeOperationRepository(session).page(
                tenant_id,
                limit=limit + 1,
                before_id=before,
                status=status,
                entity_type=entity,
                external_id=external_id,
            )
        following = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
        return rows[:limit], following

    def get(self, tenant_id: int, operation_id: int) -> ChangeOperation:
        """One of the tenant's operations; 404 otherwise."""
        with self.sessions.begin() as session:
            found = ChangeOperationRepository(session).get(tenant_id, operation_id)
        if found is None:
            raise NotFound(f"no operation {operation_id}")
        return found
