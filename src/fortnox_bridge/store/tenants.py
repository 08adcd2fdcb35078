"""Tenants and their API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fortnox_bridge.store.models import ApiKey, Tenant

API_KEY_PREFIX = "fbk_"
API_KEY_SCOPES = ("read", "read_write")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class TenantRepository:
    """Reads and writes tenants and API keys within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, tenant_id: int) -> Tenant | None:
        """The tenant with ``tenant_id``."""
        return self.session.get(Tenant, tenant_id)

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

    def issue_api_key(
        self, tenant: Tenant, *, label: str, now: datetime, scope: str = "read_write"
    ) -> str:
        """A new API key; the plain key is returned once and only its hash is kept."""
        if scope not in API_KEY_SCOPES:
            raise ValueError(f"scope {scope!r} is not one of {', '.join(API_KEY_SCOPES)}")
        key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        self.session.add(
            ApiKey(
                tenant_id=tenant.id,
                label=label,
                key_hash=_hash(key),
                created_at=now,
                scope=scope,
                prefix=key[:12],
            )
        )
        self.session.flush()
        return key

    def caller_for_api_key(self, key: str) -> tuple[Tenant, int, str] | None:
        """The tenant, key id and scope of a valid, unrevoked tenant ``key``."""
        if not key.startswith(API_KEY_PREFIX):
            return None
        row = self.session.scalars(
            select(ApiKey).where(ApiKey.key_hash == _hash(key), ApiKey.revoked_at.is_(None))
        ).first()
        if row is None:
            return None
        tenant = self.session.get(Tenant, row.tenant_id)
        return (tenant, row.id, row.scope) if tenant is not None else None

    def tenant_for_api_key(self, key: str) -> Tenant | None:
        """The tenant a valid, unrevoked ``key`` belongs to."""
        if not key.startswith(API_KEY_PREFIX):
            return None
        row = self.session.scalars(
            select(ApiKey).where(ApiKey.key_hash == _hash(key), ApiKey.revoked_at.is_(None))
        ).first()
        return self.session.get(Tenant, row.tenant_id) if row else None
