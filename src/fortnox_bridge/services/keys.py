"""API keys of the tenants and admin keys (which manage tenants), as the command line creates,
lists and revokes them by tenant name and key id.

A new key is handed out once; lists show its prefix, never the key or its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.store.models import AdminKey, ApiKey, Tenant
from fortnox_bridge.store.tenants import API_KEY_SCOPES, AdminKeyRepository, TenantRepository

__all__ = ["API_KEY_SCOPES", "KeyAdmin", "KeyInfo", "NewKey", "RevokedKey"]

#: The scope lists show for an admin key.
ADMIN_SCOPE = "admin"


@dataclass(frozen=True)
class KeyInfo:
    """What a list shows of a key (never the key itself)."""

    id: int
    label: str
    prefix: str
    scope: str
    created_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewKey:
    """A key just made: its id, the plain key (shown this once) and its owner's name."""

    id: int
    key: str
    owner: str = ""


@dataclass(frozen=True)
class RevokedKey:
    """A key just revoked: its label and its owner's name."""

    id: int
    label: str
    owner: str = ""


def _info(row: ApiKey | AdminKey) -> KeyInfo:
    scope = row.scope if isinstance(row, ApiKey) else ADMIN_SCOPE
    return KeyInfo(
        row.id, row.label, row.prefix, scope, row.created_at, row.last_used_at, row.revoked_at
    )


def _tenant(session: Session, name: str) -> Tenant:
    """The tenant called ``name`` (or with that id); :class:`NotFound` when there is none."""
    tenants = TenantRepository(session)
    found = tenants.by_name(name)
    if found is None and name.isdigit():
        found = tenants.get(int(name))
    if found is None:
        raise NotFound(f"no tenant {name!r}", code="no_tenant")
    return found


class KeyAdmin:
    """Creates, lists and revokes API keys and admin keys."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def create_api_key(self, tenant: str, *, label: str, scope: str) -> NewKey:
        """A new API key of the tenant called ``tenant`` (or with that id)."""
        with self.sessions.begin() as session:
            found = _tenant(session, tenant)
            issued = TenantRepository(session).create_api_key(
                found.id, label=label, scope=scope, now=self.clock.now()
            )
            return NewKey(issued.id, issued.key, found.name)

    def api_keys(self, tenant: str) -> tuple[str, list[KeyInfo]]:
        """The tenant's name and its API keys (revoked ones too), oldest first."""
        with self.sessions.begin() as session:
            found = _tenant(session, tenant)
            rows = TenantRepository(session).api_keys(found.id)
            return found.name, [_info(row) for row in rows]

    def revoke_api_key(self, key_id: int) -> RevokedKey:
        """Revoke an API key of any tenant; it stops working at once."""
        with self.sessions.begin() as session:
            tenants = TenantRepository(session)
            row = tenants.api_key(key_id)
            if row is None:
                raise NotFound(f"no API key {key_id}")
            tenants.revoke_api_key(row, now=self.clock.now())
            owner = tenants.get(row.tenant_id)
            return RevokedKey(key_id, row.label, owner.name if owner else str(row.tenant_id))

    def create_admin_key(self, *, label: str) -> NewKey:
        """A new admin key."""
        with self.sessions.begin() as session:
            issued = AdminKeyRepository(session).issue(label=label, now=self.clock.now())
            return NewKey(issued.id, issued.key)

    def admin_keys(self) -> list[KeyInfo]:
        """Every admin key (revoked ones too), oldest first."""
        with self.sessions.begin() as session:
            return [_info(row) for row in AdminKeyRepository(session).all()]

    def revoke_admin_key(self, key_id: int) -> RevokedKey:
        """Revoke an admin key; it stops working at once."""
        with self.sessions.begin() as session:
            keys = AdminKeyRepository(session)
            row = keys.get(key_id)
            if row is None:
                raise NotFound(f"no admin key {key_id}")
            keys.revoke(row, now=self.clock.now())
            return RevokedKey(key_id, row.label)
