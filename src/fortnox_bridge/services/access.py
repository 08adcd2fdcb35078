"""Checks of the keys callers present to the API: a tenant's API key (``fbk_``) or an admin key
(``fba_``). A valid key's ``last_used_at`` moves as it is used (at most once a minute).

Making and revoking keys is not here: the tenants service issues tenant keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.store.models import Tenant
from fortnox_bridge.store.tenants import ADMIN_KEY_PREFIX, AdminKeyRepository, TenantRepository

__all__ = ["AdminKeyHolder", "ApiAccess", "Tenant", "TenantKeyHolder", "is_admin_key"]


@dataclass(frozen=True)
class TenantKeyHolder:
    """The tenant of a valid API key, the key's id and its scope (``read`` or ``read_write``)."""

    tenant: Tenant
    key_id: int
    scope: str


@dataclass(frozen=True)
class AdminKeyHolder:
    """A valid admin key: its id and label."""

    key_id: int
    label: str


def is_admin_key(key: str) -> bool:
    """Whether ``key`` has the form of an admin key (valid or not)."""
    return key.startswith(ADMIN_KEY_PREFIX)


class ApiAccess:
    """Looks up the keys of one store."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def tenant_key(self, key: str) -> TenantKeyHolder | None:
        """The holder of a valid, unrevoked tenant ``key`` (marked as used); ``None`` otherwise."""
        with self.sessions.begin() as session:
            found = TenantRepository(session).caller_for_api_key(key, now=self.clock.now())
        if found is None:
            return None
        tenant, key_id, scope = found
        return TenantKeyHolder(tenant, key_id, scope)

    def admin_key(self, key: str) -> AdminKeyHolder | None:
        """The valid, unrevoked admin ``key`` (marked as used); ``None`` otherwise."""
        with self.sessions.begin() as session:
            row = AdminKeyRepository(session).for_key(key, now=self.clock.now())
            return AdminKeyHolder(row.id, row.label) if row is not None else None

    def is_tenant_key(self, key: str) -> bool:
        """Whether ``key`` is a valid, unrevoked tenant key (without marking it as used)."""
        with self.sessions.begin() as session:
            return TenantRepository(session).caller_for_api_key(key) is not None
