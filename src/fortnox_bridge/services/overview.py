"""What the admin UI shows of tenants at a glance: every tenant with its status light's facts
and last sweep, one tenant's connection, last sweep and API keys, and the company a connection
reached."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.paging import MAX_ID
from fortnox_bridge.services.status import LightFacts, light_facts
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import ApiKey, Connection, Run, Tenant
from fortnox_bridge.store.tenants import TenantRepository

__all__ = ["ApiKey", "Connection", "Run", "TenantDetail", "TenantOverview", "TenantRow"]


@dataclass(frozen=True)
class TenantRow:
    """A tenant in the list of every tenant."""

    tenant: Tenant
    facts: LightFacts
    last_sweep: Run | None


@dataclass(frozen=True)
class TenantDetail:
    """A tenant, its Fortnox connection (``None``: never connected) and last sweep."""

    tenant: Tenant
    connection: Connection | None
    last_sweep: Run | None


def last_sweep(session: Session, tenant_id: int) -> Run | None:
    """The tenant's last finished sweep (not a push of records the host sent, nor a re-sync)."""
    return session.scalar(
        select(Run)
        .where(Run.tenant_id == tenant_id, Run.kind == "sweep", Run.status != "running")
        .order_by(Run.started_at.desc(), Run.id.desc())
        .limit(1)
    )


class TenantOverview:
    """Reads tenants as the admin UI's lists and overview show them."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def rows(self) -> list[TenantRow]:
        """Every tenant with its light's facts and last sweep."""
        with self.sessions.begin() as session:
            return [
                TenantRow(tenant, light_facts(session, tenant.id), last_sweep(session, tenant.id))
                for tenant in TenantRepository(session).all()
            ]

    def detail(self, tenant_id: int) -> TenantDetail:
        """The tenant ``tenant_id`` with its connection and last sweep; :class:`NotFound` when
        there is none."""
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id) if 0 < tenant_id <= MAX_ID else None
            if tenant is None:
                raise NotFound(f"no tenant {tenant_id}")
            connection = ConnectionRepository(session).for_tenant(tenant.id)
            return TenantDetail(tenant, connection, last_sweep(session, tenant.id))

    def api_keys(self, tenant_id: int) -> list[ApiKey]:
        """Every API key of the tenant (revoked ones too), oldest first."""
        with self.sessions.begin() as session:
            return TenantRepository(session).api_keys(tenant_id)

    def has_connection(self, tenant_id: int) -> bool:
        """Whether the tenant has a connection row (in any state)."""
        with self.sessions.begin() as session:
            return ConnectionRepository(session).for_tenant(tenant_id) is not None

    def name_of(self, tenant_id: int) -> str | None:
        """The tenant's name, or ``None`` when there is no such tenant."""
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id) if 0 < tenant_id <= MAX_ID else None
            return tenant.name if tenant is not None else None

    def note_company(self, tenant_id: int, fortnox_tenant_id: int | None) -> str | None:
        """Note the Fortnox company a new connection reached, unless the tenant names one
        already; the tenant's name (``None``: there is no such tenant)."""
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            if tenant is None:
                return None
            if tenant.fortnox_tenant_id is None and fortnox_tenant_id:
                tenant.fortnox_tenant_id = fortnox_tenant_id
            return tenant.name
