"""Tenants and who may act for them: API keys, the admin key, admin users and their sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fortnox_bridge.store.models.base import Base

#: The families of a tenant that chose none (every tenant before families could be chosen).
DEFAULT_FAMILIES = ("hr", "payroll")
DEFAULT_FAMILIES_JSON = '["hr", "payroll"]'


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
    #: How failures are e-mailed: ``digest`` (new ones once, then the digest) or ``remind`` (one
    #: e-mail per run listing every failure of the run, for as long as it stands).
    problem_mail: Mapped[str] = mapped_column(String(10), default="digest", server_default="digest")
    #: Hours after which a write Fortnox refused is sent again although nothing changed.
    refusal_retry_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    #: While the stream of Fortnox's WebSocket topics is healthy, sweeps run this many times
    #: less often (1: as often as ever).
    realtime_sweep_factor: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    notify_emails: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    #: The flow families the tenant uses (``hr``, ``payroll``, ``projects``): flows of other
    #: families never run for it. A new tenant uses the hr and payroll families.
    families: Mapped[list[Any]] = mapped_column(
        default=lambda: list(DEFAULT_FAMILIES), server_default=DEFAULT_FAMILIES_JSON
    )
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
