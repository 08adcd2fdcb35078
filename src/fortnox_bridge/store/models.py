"""SQLAlchemy models of the store. Schema changes go through an Alembic migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite keeps no time zone and hands back naive datetimes; comparing those with the injected
    clock's aware ones would fail, so values are normalised to UTC on the way in and out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC."""
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back an aware UTC datetime."""
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UtcDateTime(),
        date: Date,
    }


class Tenant(Base):
    """A customer company of the host application, with its own Fortnox connection."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    fortnox_tenant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime]
    #: What happens when a field changed on both sides: ``bridge_wins``, ``fortnox_wins``, ``ask``.
    conflict_policy: Mapped[str] = mapped_column(String(20), default="ask", server_default="ask")
    sweep_interval_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    #: When open problems are summarised by e-mail: ``per_run`` or ``daily``.
    digest: Mapped[str] = mapped_column(String(10), default="daily", server_default="daily")
    notify_emails: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    #: The last event sequence number handed out for this tenant (see :class:`Event`).
    event_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiKey(Base):
    """A key a host application uses for the REST API; only its SHA-256 hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: ``read`` (GET only) or ``read_write``.
    scope: Mapped[str] = mapped_column(
        String(20), default="read_write", server_default="read_write"
    )
    #: The first characters of the key, shown in lists so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16), default="", server_default="")
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AdminKey(Base):
    """A key for tenant management (``/api/v1/tenants``); only its SHA-256 hash is stored."""

    __tablename__ = "admin_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class IdempotencyRecord(Base):
    """The stored answer to a write sent with an ``Idempotency-Key`` header.

    The same key with the same request replays the answer; with another request it is a 409.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    #: SHA-256 of method, path and body.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class ChangeOperation(Base):
    """One accepted host change on its way to Fortnox (``GET /api/v1/operations/{id}``).

    Created when the API stores a change; the engine moves it from ``pending`` through
    ``processing`` to ``succeeded`` or ``failed`` (with Fortnox's code, message, explanation and
    fix), or to ``conflict`` while an open conflict holds fields of the record back. A later
    change of the same record ``supersedes`` an operation still pending.
    """

    __tablename__ = "change_operations"
    __table_args__ = (
        Index("ix_change_operations_record", "tenant_id", "entity_type", "external_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    #: ``upsert`` or ``delete``.
    action: Mapped[str] = mapped_column(String(10))
    #: The mirror version this change produced.
    version: Mapped[int] = mapped_column(Integer)
    #: ``pending``, ``processing``, ``conflict``, ``succeeded``, ``failed`` or ``superseded``.
    status: Mapped[str] = mapped_column(String(20), default="pending")
    flow: Mapped[str | None] = mapped_column(String(100), nullable=True)
    fortnox_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    fix: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The conflict that holds the change back (status ``conflict``), or that held it last.
    conflict_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Event(Base):
    """One entry of a tenant's event feed (``GET /api/v1/events``) and of its webhooks.

    ``seq`` is handed out per tenant under a lock on the tenant row, so events become visible in
    ``seq`` order and a cursor never skips one that commits later.
    """

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("tenant_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    #: e.g. ``record.changed``, ``record.deleted``, ``operation.succeeded``, ``operation.failed``.
    type: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class WebhookEndpoint(Base):
    """A URL of the tenant's that receives signed event deliveries."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: Event types delivered; ``["*"]`` for all.
    event_types: Mapped[list[Any]]
    description: Mapped[str] = mapped_column(String(200), default="")
    #: The signing secret, encrypted with the bridge's secret key.
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One event on its way to one endpoint: attempts, backoff and the last answer."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: ``pending``, ``retrying``, ``succeeded`` or ``failed`` (gave up).
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: the delivery log."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


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


class Connection(Base):
    """A tenant's Fortnox connection: its state, encrypted tokens and what pre-flight learnt.

    States: ``pending_auth → active → needs_reauth | revoked | paused``, plus ``missing_licence``.
    ``tokens_ciphertext`` and ``app_ciphertext`` are Fernet tokens (see ``engine/secrets.py``);
    the store never sees a plain token.
    """

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(20), default="pending_auth")
    #: The key the Fortnox client's token manager and refresh lock use for this connection.
    token_key: Mapped[str] = mapped_column(String(200), unique=True)
    fortnox_tenant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    scopes: Mapped[str] = mapped_column(String(500), default="")
    tokens_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    app_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    state_changed_at: Mapped[datetime]
    disconnected_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Cached pre-flight facts: financial years, locked period end, when they were read.
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Re-syncs proposed by flows on reconnect: ``[{"flow", "from", "to"}]``.
    resync_proposals: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ConnectionEvent(Base):
    """One state transition of a connection, kept as its history."""

    __tablename__ = "connection_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class FlowConfig(Base):
    """Whether a flow runs for a tenant, and its settings (validated by the flow's model)."""

    __tablename__ = "flow_configs"
    __table_args__ = (UniqueConstraint("tenant_id", "flow"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class Mapping(Base):
    """A tenant's translation of one local value to a Fortnox value (or its exclusion)."""

    __tablename__ = "mappings"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "local_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    local_value: Mapped[str] = mapped_column(String(200))
    fortnox_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class Cursor(Base):
    """How far a flow has read a source; reads restart at ``position`` minus the overlap."""

    __tablename__ = "cursors"
    __table_args__ = (UniqueConstraint("tenant_id", "flow"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(100))
    position: Mapped[datetime]
    updated_at: Mapped[datetime]


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


class Run(Base):
    """One sweep, event-driven push, re-sync or repair of a tenant, with its counts and progress."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_tenant", "tenant_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: ``sweep``, ``push``, ``resync`` or ``repair`` (of duplicates).
    kind: Mapped[str] = mapped_column(String(10))
    flow: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: ``running``, ``succeeded``, ``partial`` (items failed), ``failed`` (could not run),
    #: ``cancelled`` or ``interrupted`` (a re-sync that can be resumed).
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class RunItem(Base):
    """What a run did with one record (unchanged records are not written)."""

    __tablename__ = "run_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    flow: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))
    #: ``ok``, ``failed`` or ``skipped``.
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    fortnox_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    code: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Problem(Base):
    """An open (or resolved) problem, de-duplicated by ``dedupe_key`` within a tenant."""

    __tablename__ = "problems"
    __table_args__ = (UniqueConstraint("tenant_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(String(400))
    flow: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))
    #: The human reference of the failing entity, e.g. ``employee emp-7 (karin.ek@example.se)``.
    reference: Mapped[str] = mapped_column(String(400))
    code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    fix: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: Set when the tenant ignored the problem (``resolved_at`` too): it no longer counts as open,
    #: and when it happens again only ``last_seen`` and ``count`` move (no reopening, no e-mail).
    ignored_at: Mapped[datetime | None] = mapped_column(nullable=True)


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


class Notification(Base):
    """An e-mail the bridge sent (or failed to send): the notification log."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_tenant", "tenant_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: ``problem``, ``digest`` or ``connection``.
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[list[Any]]
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="SET NULL"), nullable=True
    )
    #: For digests: a hash of the open problems listed, so an unchanged list is not re-sent.
    digest_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime]


class Lease(Base):
    """A named, expiring lock held by one job (one writer per tenant at a time)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


ACTIVE_FIRST_SYNC = text("status IN ('open', 'applying')")


class FirstSyncPlan(Base):
    """A first synchronization of a two-way entity (employees): what was found on both sides,
    what the admin decided, and how applying it went.

    ``open`` (deciding) → ``applying`` (apply started; resumable) → ``applied``, or
    ``discarded``. At most one plan per tenant and entity is open or applying (a partial unique
    index); while it is, the entity's flows leave unlinked records alone.
    """

    __tablename__ = "first_sync_plans"
    __table_args__ = (
        Index(
            "uq_first_sync_plans_active",
            "tenant_id",
            "entity_type",
            unique=True,
            sqlite_where=ACTIVE_FIRST_SYNC,
            postgresql_where=ACTIVE_FIRST_SYNC,
        ),
        Index("ix_first_sync_plans_tenant", "tenant_id", "entity_type", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(12), default="open")
    #: What the plan found: records on each side, pairs, differences, duplicates, ...
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The outcome of the last apply pass: counts and the records written.
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    apply_started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: When the summary e-mail of the applied plan went out.
    notified_at: Mapped[datetime | None] = mapped_column(nullable=True)


class FirstSyncItem(Base):
    """One line of a first-synchronization plan: a matched pair, a record only one side has, or
    a duplicate value inside one side; with the admin's decision and what apply did."""

    __tablename__ = "first_sync_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("first_sync_plans.id", ondelete="CASCADE"), index=True
    )
    #: ``pair``, ``host_only``, ``fortnox_only`` or ``duplicate``.
    kind: Mapped[str] = mapped_column(String(15))
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fortnox_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: How a pair was matched: ``email`` or ``employment_id``.
    matched_by: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: How people recognise the record(s): ``Karin Ek <karin.ek@example.se>``.
    label: Mapped[str] = mapped_column(String(400), default="")
    #: The host payload and the Fortnox fields as the plan saw them.
    host: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fortnox: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Pairs: ``{host field: {"host": value, "fortnox": value}}``.
    differences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Kind-specific facts: a duplicate's side, field, value and members; what cannot be created.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[list[Any]] = mapped_column(default=list)
    #: ``{"winner": side}``, ``{"fields": {field: side}}``, ``{"create": bool}`` or
    #: ``{"skip": true}``; ``None`` while undecided.
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: ``pending``, ``working`` (a create in flight), ``done``, ``skipped`` or ``failed``.
    status: Mapped[str] = mapped_column(String(10), default="pending")
    #: What apply wrote: ``{"to_fortnox": {...}, "to_host": {...}, "fortnox_id": ...}``.
    outcome: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime]


class AdminUser(Base):
    """A person who signs in to the admin web UI; sees every tenant of this bridge."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Argon2id hash (argon2-cffi), never the password.
    password_hash: Mapped[str] = mapped_column(String(200))
    #: ``en`` or ``sv``: the language the UI is shown in after sign-in.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: Grows when the password changes or the user is disabled: older sessions stop working.
    session_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AdminSession(Base):
    """A signed-in browser of an admin user. The browser's cookie carries a random token; the
    store keeps only its SHA-256, so a copy of the database opens no session. Signing out
    deletes the row, and so do a new password and disabling the user."""

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Hex SHA-256 of the token in the session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), index=True
    )
    #: When the user signed in (the absolute timeout counts from here).
    created_at: Mapped[datetime]
    #: The last request seen (the idle timeout counts from here; written at most once a minute).
    last_seen_at: Mapped[datetime]
