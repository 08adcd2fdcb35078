"""Tests' helper: a tenant that uses one more flow family (the projects family's flows run only
for a tenant that chose it, its base flows with them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fortnox_bridge.store.tenants import TenantRepository


def use_family(session: Session, tenant_id: int, family: str = "projects") -> None:
    """Add ``family`` to the families the tenant uses."""
    tenant = TenantRepository(session).get(tenant_id)
    assert tenant is not None
    tenant.families = sorted({*tenant.families, family})
