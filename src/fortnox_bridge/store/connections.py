"""Connections: each tenant's Fortnox connection, its state history and its row lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import Connection, ConnectionEvent

_STATE = select(Connection.state, Connection.facts).where(
    Connection.tenant_id == bindparam("tenant_id")
)


class ConnectionRepository:
    """Reads and writes connections within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_tenant(self, tenant_id: int) -> Connection | None:
        """The connection of ``tenant_id``, if it has one."""
        return self.session.scalars(
            select(Connection).where(Connection.tenant_id == tenant_id)
        ).first()

    def by_token_key(self, token_key: str, *, for_update: bool = False) -> Connection | None:
        """The connection whose tokens live under ``token_key``.

        ``for_update`` locks the row until the transaction ends (``SELECT ... FOR UPDATE`` on
        PostgreSQL; SQLite ignores it, its callers serialise with ``BEGIN IMMEDIATE`` instead).
        """
        query = select(Connection).where(Connection.token_key == token_key)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def state_and_facts(self, tenant_id: int) -> tuple[str, dict[str, Any]] | None:
        """The state and cached facts of a tenant's connection (a cheap read)."""
        row = self.session.execute(_STATE, {"tenant_id": tenant_id}).first()
        return (str(row[0]), dict(row[1] or {})) if row else None

    def using_company(self, fortnox_tenant_id: int, *, besides: int) -> list[Connection]:
        """Connections of other tenants than ``besides`` that use the Fortnox company
        ``fortnox_tenant_id`` (in any state but ``revoked`` and ``pending_auth``)."""
        return list(
            self.session.scalars(
                select(Connection)
                .where(
                    Connection.fortnox_tenant_id == fortnox_tenant_id,
                    Connection.tenant_id != besides,
                    Connection.state.not_in(("revoked", "pending_auth")),
                )
                .order_by(Connection.tenant_id)
            )
        )

    def all(self) -> list[Connection]:
        """Every connection, by tenant."""
        return list(self.session.scalars(select(Connection).order_by(Connection.tenant_id)))

    def create(self, tenant_id: int, token_key: str, *, now: datetime) -> Connection:
        """A new connection in ``pending_auth``."""
        connection = Connection(
            tenant_id=tenant_id,
            token_key=token_key,
            state="pending_auth",
            scopes="",
            facts={},
            resync_proposals=[],
            state_changed_at=now,
            created_at=now,
            updated_at=now,
        )
        self.session.add(connection)
        self.session.flush()
        return connection

    def record_transition(
        self, connection: Connection, to_state: str, reason: str, *, now: datetime
    ) -> ConnectionEvent:
        """Move ``connection`` to ``to_state`` and keep the transition in its history."""
        event = ConnectionEvent(
            tenant_id=connection.tenant_id,
            from_state=connection.state,
            to_state=to_state,
            reason=reason,
            at=now,
        )
        connection.state = to_state
        connection.state_changed_at = now
        connection.updated_at = now
        self.session.add(event)
        self.session.flush()
        return event

    def history(self, tenant_id: int) -> list[ConnectionEvent]:
        """The transitions of a tenant's connection, oldest first."""
        return list(
            self.session.scalars(
                select(ConnectionEvent)
                .where(ConnectionEvent.tenant_id == tenant_id)
                .order_by(ConnectionEvent.id)
            )
        )
