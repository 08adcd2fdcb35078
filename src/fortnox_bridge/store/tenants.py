"""Tenants, their API keys and the admin keys that manage tenants.

Keys are 256-bit random values shown once; only their SHA-256 hash is kept, with a short prefix
so people can tell keys apart in lists. Tenant keys start with ``fbk_``, admin keys with ``fba_``.
When a key is used, ``last_used_at`` moves at most once a minute, so a busy key does not cost a
write per request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import AdminKey, ApiKey, Tenant
from fortnox_bridge.store.models.tenants import DEFAULT_FAMILIES

API_KEY_PREFIX = "fbk_"
ADMIN_KEY_PREFIX = "fba_"
API_KEY_SCOPES = ("read", "read_write")
#: ``last_used_at`` is written when it is older than this.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_FAMILIES = select(Tenant.families).where(Tenant.id == bindparam("tenant_id"))
#: How many characters of a key are kept in the clear (its prefix plus 8).
SHOWN_CHARACTERS = 12


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def _touch(row: ApiKey | AdminKey, now: datetime | None) -> None:
    """Move ``last_used_at`` to ``now`` when it is missing or older than a minute."""
    if now is None:
        return
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now


@dataclass(frozen=True)
class IssuedKey:
    """A key just made: its id and the plain key (shown once, never stored)."""

    id: int
    key: str


class TenantRepository:
    """Reads and writes tenants and their API keys within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: int) -> Tenant | None:
        """The tenant with ``tenant_id``."""
        return self.session.get(Tenant, tenant_id)

    def families(self, tenant_id: int) -> list[str]:
        """The flow families the tenant uses (a cheap read; a tenant that is gone: the
        default ones)."""
        found = self.session.execute(_FAMILIES, {"tenant_id": tenant_id}).scalar()
        return list(found) if found is not None else list(DEFAULT_FAMILIES)

    def all(self) -> list[Tenant]:
        """Every tenant, by id."""
        return list(self.session.scalars(select(Tenant).order_by(Tenant.id)))

    def by_name(self, name: str) -> Tenant | None:
        """The tenant called ``name``."""
        return self.session.scalars(select(Tenant).where(Tenant.name == name)).first()

    def create(self, name: str, *, now: datetime, fortnox_tenant_id: int | None = None) -> Tenant:
        """A new tenant."""
        tenant = Tenant(name=name, fortnox_tenant_id=fortnox_tenant_id, created_at=now)
        self.session.add(tenant)
        self.session.flush()
        return tenant

    def delete(self, tenant: Tenant) -> None:
        """Remove a tenant with everything it owns (the database cascades)."""
        self.session.delete(tenant)
        self.session.flush()

    def issue_api_key(
        self, tenant: Tenant, *, label: str, now: datetime, scope: str = "read_write"
    ) -> str:
        """A new API key; the plain key is returned once and only its hash is kept."""
        return self.create_api_key(tenant.id, label=label, now=now, scope=scope).key

    def create_api_key(
        self, tenant_id: int, *, label: str, now: datetime, scope: str = "read_write"
    ) -> IssuedKey:
        """A new API key of ``tenant_id`` with its id; the plain key is not stored."""
        if scope not in API_KEY_SCOPES:
            raise ValueError(f"scope {scope!r} is not one of {', '.join(API_KEY_SCOPES)}")
        key = _new_key(API_KEY_PREFIX)
        row = ApiKey(
            tenant_id=tenant_id,
            label=label,
            key_hash=_hash(key),
            created_at=now,
            scope=scope,
            prefix=key[:SHOWN_CHARACTERS],
        )
        self.session.add(row)
        self.session.flush()
        return IssuedKey(row.id, key)

    def api_keys(self, tenant_id: int) -> list[ApiKey]:
        """Every API key of a tenant (revoked ones too), oldest first."""
        return list(
            self.session.scalars(
                select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.id)
            )
        )

    def api_key(self, key_id: int) -> ApiKey | None:
        """One API key by id (of any tenant: callers check the tenant)."""
        return self.session.get(ApiKey, key_id)

    def revoke_api_key(self, row: ApiKey, *, now: datetime) -> None:
        """Stop a key from working; revoking twice keeps the first time."""
        row.revoked_at = row.revoked_at or now
        self.session.flush()

    def active_writers(self, tenant_id: int) -> int:
        """How many unrevoked ``read_write`` keys a tenant has."""
        return len(
            self.session.scalars(
                select(ApiKey.id).where(
                    ApiKey.tenant_id == tenant_id,
                    ApiKey.scope == "read_write",
                    ApiKey.revoked_at.is_(None),
                )
            ).all()
        )

    def caller_for_api_key(
        self, key: str, *, now: datetime | None = None
    ) -> tuple[Tenant, int, str] | None:
        """The tenant, key id and scope of a valid, unrevoked tenant ``key``.

        With ``now``, the key's ``last_used_at`` moves (at most once a minute).
        """
        if not key.startswith(API_KEY_PREFIX):
            return None
        row = self.session.scalars(
            select(ApiKey).where(ApiKey.key_hash == _hash(key), ApiKey.revoked_at.is_(None))
        ).first()
        if row is None:
            return None
        tenant = self.session.get(Tenant, row.tenant_id)
        if tenant is None:
            return None
        _touch(row, now)
        return tenant, row.id, row.scope

    def tenant_for_api_key(self, key: str) -> Tenant | None:
        """The tenant a valid, unrevoked ``key`` belongs to."""
        found = self.caller_for_api_key(key)
        return found[0] if found else None

    def issue_admin_key(self, *, label: str, now: datetime) -> str:
        """A new admin key (tenant management); the plain key is returned once."""
        return AdminKeyRepository(self.session).issue(label=label, now=now).key


class AdminKeyRepository:
    """Reads and writes admin keys (tenant management) within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def issue(self, *, label: str, now: datetime) -> IssuedKey:
        """A new admin key with its id; only its hash is kept."""
        key = _new_key(ADMIN_KEY_PREFIX)
        row = AdminKey(
            label=label, key_hash=_hash(key), prefix=key[:SHOWN_CHARACTERS], created_at=now
        )
        self.session.add(row)
        self.session.flush()
        return IssuedKey(row.id, key)

    def all(self) -> list[AdminKey]:
        """Every admin key (revoked ones too), oldest first."""
        return list(self.session.scalars(select(AdminKey).order_by(AdminKey.id)))

    def get(self, key_id: int) -> AdminKey | None:
        """One admin key by id."""
        return self.session.get(AdminKey, key_id)

    def revoke(self, row: AdminKey, *, now: datetime) -> None:
        """Stop an admin key from working; revoking twice keeps the first time."""
        row.revoked_at = row.revoked_at or now
        self.session.flush()

    def for_key(self, key: str, *, now: datetime | None = None) -> AdminKey | None:
        """The unrevoked admin key ``key``; with ``now`` its ``last_used_at`` moves."""
        if not key.startswith(ADMIN_KEY_PREFIX):
            return None
        row = self.session.scalars(
            select(AdminKey).where(AdminKey.key_hash == _hash(key), AdminKey.revoked_at.is_(None))
        ).first()
        if row is not None:
            _touch(row, now)
        return row
