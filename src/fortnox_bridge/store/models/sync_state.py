"""The synchronisation state: mirror records, unique values, built records, links, cursors,
last successful syncs, write markers and conflicts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fortnox_bridge.store.models.base import Base


class MirrorRecord(Base):
    """The bridge's copy of one host record; ``version`` grows with every change."""

    __tablename__ = "mirror_records"
    __table_args__ = (UniqueConstraint("tenant_id", "entity_type", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
    #: Who made the last change: ``host`` (the API) or ``fortnox`` (picked up by a pull flow).
    origin: Mapped[str] = mapped_column(String(10), default="host", server_default="host")


class UniqueValue(Base):
    """A value of a unique host field, held by one live record (see ``store/unique.py``).

    The unique constraint is what keeps two records from holding one value, also when two
    requests want it at the same moment; ``value`` is normalised (``+46700000001``).
    """

    __tablename__ = "unique_values"
    __table_args__ = (
        UniqueConstraint("tenant_id", "entity_type", "field", "value"),
        Index("ix_unique_values_holder", "tenant_id", "entity_type", "external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(50))
    field: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(320))
    #: The host id of the record that holds the value.
    external_id: Mapped[str] = mapped_column(String(200))


class BuiltSource(Base):
    """The version of a host record that a builder last built in (salary days from time entries).

    A record whose version differs, or that has no row, is not built in yet. Versions, unlike
    timestamps, do not depend on when a writer's transaction commits, so a change committed
    while a build runs is never skipped.
    """

    __tablename__ = "built_sources"
    __table_args__ = (UniqueConstraint("tenant_id", "builder", "entity_type", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    builder: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)


class Link(Base):
    """What the bridge last agreed with Fortnox about one host record.

    ``snapshot`` holds the mapped fields as last written (the base of diffs and, later, of
    three-way conflict checks); ``snapshot_hash`` makes the unchanged check one comparison.
    """

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("tenant_id", "entity_type", "external_id"),
        Index("ix_links_fortnox", "tenant_id", "entity_type", "fortnox_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    fortnox_id: Mapped[str] = mapped_column(String(100))
    synced_version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]]
    snapshot_hash: Mapped[str] = mapped_column(String(64))
    #: ``linked`` (in sync), ``stale`` (the snapshot moved; plan the record again), ``deleted``
    #: (deleted or deactivated in Fortnox by the bridge), ``missing`` (gone from Fortnox).
    state: Mapped[str] = mapped_column(String(20), default="linked")
    updated_at: Mapped[datetime]
    #: ``created`` (the bridge created the Fortnox record), ``matched`` (found by natural key on a
    #: first sync) or ``imported`` (a Fortnox-owned record). Re-sync deletes only ``created``.
    origin: Mapped[str] = mapped_column(String(10), default="created", server_default="created")
    #: The record's date, for dated flows: what a re-sync of an interval selects on.
    record_date: Mapped[date | None] = mapped_column(nullable=True)


class Cursor(Base):
    """How far a flow has read a source; reads restart at ``position`` minus the overlap."""

    __tablename__ = "cursors"
    __table_args__ = (UniqueConstraint("tenant_id", "flow"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(100))
    position: Mapped[datetime]
    updated_at: Mapped[datetime]


class FlowSync(Base):
    """When a flow of a tenant last ran through without a failure (its last successful sync)."""

    __tablename__ = "flow_syncs"
    __table_args__ = (UniqueConstraint("tenant_id", "flow"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(100))
    synced_at: Mapped[datetime]


ACTIVE_OPERATION = text("status IN ('pending', 'processing')")


class PushOperation(Base):
    """One write to Fortnox, recorded before it is sent.

    A ``create`` left ``pending`` or ``processing`` (crash, timeout, lost answer) is looked up in
    Fortnox by ``natural_key`` and adopted before anything is created again. At most one active
    operation exists per record (a partial unique index), so a sweep and an event-driven push
    never write the same record at once.
    """

    __tablename__ = "push_operations"
    __table_args__ = (
        Index(
            "uq_push_operations_active",
            "tenant_id",
            "entity_type",
            "external_id",
            unique=True,
            sqlite_where=ACTIVE_OPERATION,
            postgresql_where=ACTIVE_OPERATION,
        ),
        Index("ix_push_operations_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str] = mapped_column(String(400), unique=True)
    natural_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: ``pending``, ``processing``, ``succeeded``, ``failed`` or ``needs_attention``.
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    fortnox_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    owner: Mapped[str] = mapped_column(String(200), default="")
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Conflict(Base):
    """Fields changed on both sides since the last agreed snapshot, waiting for a decision."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_record", "tenant_id", "entity_type", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    fortnox_id: Mapped[str] = mapped_column(String(100))
    #: ``{field: {"base": ..., "bridge": ..., "fortnox": ...}}``.
    fields: Mapped[dict[str, Any]]
    #: ``open`` or ``resolved``.
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
