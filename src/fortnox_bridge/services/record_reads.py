"""Reading host records as the bridge's mirror holds them: one by its external id, or a page in
the order they last changed (then by storage order), so a client that keeps the last cursor
reads every change once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.services.errors import InvalidInput, NotFound
from fortnox_bridge.services.paging import decode_cursor, encode_cursor
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.mirror_bulk import StoredRow

__all__ = ["RecordReader", "StoredRow"]


class RecordReader:
    """Reads tenants' host records."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def get(self, tenant_id: int, entity: HostEntity, external_id: str) -> StoredRow:
        """One record; 404 if it was never stored or is deleted."""
        with self.sessions.begin() as session:
            found = MirrorRepository(session).rows(tenant_id, entity.entity, [external_id])
        row = found.get(external_id)
        if row is None or row.deleted:
            raise NotFound(f"no {entity.label} with external id {external_id!r}")
        return row

    def page(
        self,
        tenant_id: int,
        entity: HostEntity,
        *,
        limit: int,
        cursor: str | None,
        updated_since: datetime | None,
        include_deleted: bool,
    ) -> tuple[list[StoredRow], str | None]:
        """One page of the entity's records in the order they last changed."""
        after = _position(cursor)
        if updated_since is not None and updated_since.tzinfo is None:
            updated_since = updated_since.replace(tzinfo=UTC)
        with self.sessions.begin() as session:
            rows = MirrorRepository(session).page(
                tenant_id,
                entity.entity,
                limit=limit + 1,
                after=after,
                updated_since=updated_since,
                include_deleted=include_deleted,
            )
        more = len(rows) > limit
        rows = rows[:limit]
        following = encode_cursor([rows[-1].updated_at.isoformat(), rows[-1].id]) if more else None
        return rows, following


def _position(cursor: str | None) -> tuple[datetime, int] | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        moment, last_id = position
        return datetime.fromisoformat(moment), int(last_id)
    except (TypeError, ValueError):
        raise InvalidInput(
            "not a cursor of this list: pass next_cursor of the previous page unchanged, or "
            "leave it out to start again",
            code="invalid_cursor",
            field=("query", "cursor"),
            value=cursor,
        ) from None
