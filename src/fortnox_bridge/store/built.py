"""What a builder has built in: the version of each host record it last read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, and_, bindparam, exists, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import BuiltSource, MirrorRecord


def _unbuilt_condition(builder: str) -> object:
    built = select(BuiltSource.version).where(
        BuiltSource.tenant_id == MirrorRecord.tenant_id,
        BuiltSource.builder == builder,
        BuiltSource.entity_type == MirrorRecord.entity_type,
        BuiltSource.external_id == MirrorRecord.external_id,
    )
    return or_(
        ~built.exists(),
        built.where(BuiltSource.version != MirrorRecord.version).exists(),
    )


def unbuilt_exists(builder: str, built_from: Sequence[str]) -> Select[tuple[bool]]:
    """``EXISTS`` a record of ``built_from`` (tenant: bind ``tenant_id``) not built in as it is."""
    return select(
        exists().where(
            MirrorRecord.tenant_id == bindparam("tenant_id"),
            MirrorRecord.entity_type.in_(built_from),
            and_(_unbuilt_condition(builder)),  # type: ignore[arg-type]
        )
    )


class BuiltSourceRepository:
    """Reads and records what a builder built in, within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def any(self, tenant_id: int, builder: str) -> bool:
        """Whether the builder ever built for the tenant."""
        found = self.session.scalar(
            select(BuiltSource.id)
            .where(BuiltSource.tenant_id == tenant_id, BuiltSource.builder == builder)
            .limit(1)
        )
        return found is not None

    def unbuilt(
        self, tenant_id: int, builder: str, built_from: Sequence[str]
    ) -> list[MirrorRecord]:
        """Records of ``built_from`` changed (or new, or deleted) since the builder read them."""
        return list(
            self.session.scalars(
                select(MirrorRecord).where(
                    MirrorRecord.tenant_id == tenant_id,
                    MirrorRecord.entity_type.in_(built_from),
                    _unbuilt_condition(builder),  # type: ignore[arg-type]
                )
            )
        )

    def mark(self, tenant_id: int, builder: str, records: Iterable[MirrorRecord]) -> None:
        """Record the versions just built in (the versions as read, so a change committed
        meanwhile stays unbuilt)."""
        rows = [
            {
                "tenant_id": tenant_id,
                "builder": builder,
                "entity_type": record.entity_type,
                "external_id": record.external_id,
                "version": record.version,
            }
            for record in records
        ]
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        for start in range(0, len(rows), 500):
            statement = insert(BuiltSource).values(rows[start : start + 500])
            self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["tenant_id", "builder", "entity_type", "external_id"],
                    set_={"version": statement.excluded.version},
                )
            )
