"""What runs leave behind: runs and their items, problems, notifications, leases and
first-synchronization plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
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
    #: The record as a person reads it (``employee emp-7 (karin.ek@example.se)``); ``None`` on
    #: items written before it was kept.
    reference: Mapped[str | None] = mapped_column(String(400), nullable=True)


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
    #: Set when Fortnox refused the record's write (a 4xx with an error code): the host record's
    #: version and the fingerprint of the flow's settings and mappings then. While the problem
    #: is open and neither changed, the write is not sent again (until the tenant's
    #: ``refusal_retry_hours`` have passed since ``last_seen``).
    refused_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    refused_config: Mapped[str | None] = mapped_column(String(64), nullable=True)


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
