"""A tenant's Fortnox connection and configuration: the connection, its log, flow settings
and mappings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from fortnox_bridge.store.models.base import Base


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
