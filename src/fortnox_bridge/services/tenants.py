"""The bridge's tenants (listed, added, changed, removed) and their API keys (issued, listed,
revoked). A new key is handed out once; lists show its prefix, never the key or its hash."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.services.connection import NOT_CONNECTED
from fortnox_bridge.services.errors import Conflict, InvalidInput, NotFound
from fortnox_bridge.services.paging import MAX_ID, keyset
from fortnox_bridge.services.sweep_defaults import apply_family_interval
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.models import ApiKey, Tenant
from fortnox_bridge.store.tenants import TenantRepository

__all__ = ["ApiKey", "IssuedKey", "Tenant", "TenantChanges", "TenantService", "TenantView"]


@dataclass(frozen=True)
class TenantView:
    """A tenant and the state of its Fortnox connection."""

    tenant: Tenant
    connection: str


@dataclass(frozen=True)
class TenantChanges:
    """What to change of a tenant (``None``: as it is)."""

    name: str | None = None
    conflict_policy: str | None = None
    sweep_interval_minutes: int | None = None
    recipients: Sequence[str] | None = None
    digest: str | None = None
    #: ``digest`` or ``remind`` (see ``engine/outbox/notify.py``).
    problem_mail: str | None = None
    #: The flow families the tenant uses (all of them: replaces).
    families: Sequence[str] | None = None
    #: Hours after which a write Fortnox refused is sent again (see ``engine/sync/refusals.py``).
    refusal_retry_hours: int | None = None
    #: Sweeps this many times less often while the stream of Fortnox's topics is healthy (see
    #: ``engine/jobs/scheduler.py``).
    realtime_sweep_factor: int | None = None


@dataclass(frozen=True)
class IssuedKey:
    """A new API key: its row and the key itself (shown this once)."""

    row: ApiKey
    key: str


class TenantService:
    """Manages the bridge's tenants and their API keys."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, families: Sequence[str]
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        #: The bridge's flow families, the ones a tenant may choose.
        self.families = list(families)

    def get(self, tenant_id: int) -> Tenant:
        """The tenant ``tenant_id``; :class:`NotFound` when there is none."""
        with self.sessions.begin() as session:
            return _tenant(session, tenant_id)

    def view(self, tenant_id: int) -> TenantView:
        """The tenant with its connection state; 404 when there is none."""
        with self.sessions.begin() as session:
            return _view(session, _tenant(session, tenant_id))

    def page(self, *, limit: int, cursor: str | None) -> tuple[list[TenantView], str | None]:
        """One page of every tenant, by id."""
        with self.sessions.begin() as session:
            rows, after = keyset(session, select(Tenant), Tenant.id, limit=limit, cursor=cursor)
            return [_view(session, t) for t in rows], after

    def create(self, name: str, changes: TenantChanges) -> TenantView:
        """Add a tenant called ``name`` (409 ``name_taken`` if one is)."""
        with self.sessions.begin() as session:
            tenants = TenantRepository(session)
            _name_free(tenants, name, None)
            tenant = tenants.create(name, now=self.clock.now())
            _apply(tenant, self._checked(changes))
            session.flush()
            return _view(session, tenant)

    def change(self, tenant_id: int, changes: TenantChanges) -> TenantView:
        """Change a tenant's name, conflict policy, sweep interval, recipients, digest,
        problem e-mails or flow families."""
        checked = self._checked(changes)
        with self.sessions.begin() as session:
            tenant = _tenant(session, tenant_id)
            if changes.name is not None:
                _name_free(TenantRepository(session), changes.name, tenant.id)
            _apply(tenant, checked)
            session.flush()
            return _view(session, tenant)

    def _checked(self, changes: TenantChanges) -> TenantChanges:
        """``changes`` with the families in the bridge's order; :class:`InvalidInput` for an
        unknown family or none."""
        if changes.families is None:
            return changes
        return replace(changes, families=checked_families(self.families, changes.families))

    def set_fortnox_tenant_id(self, tenant_id: int, fortnox_tenant_id: int) -> None:
        """Note the Fortnox company (TenantId) the tenant is connected to."""
        with self.sessions.begin() as session:
            tenant = TenantRepository(session).get(tenant_id)
            if tenant is not None:
                tenant.fortnox_tenant_id = fortnox_tenant_id

    def remove(self, tenant_id: int, *, force: bool) -> None:
        """Remove a tenant with all it owns (409 while it is connected, unless ``force``)."""
        with self.sessions.begin() as session:
            tenant = _tenant(session, tenant_id)
            connection = ConnectionRepository(session).for_tenant(tenant.id)
            if connection is not None and connection.state == "active" and not force:
                raise Conflict(
                    f"tenant {tenant.name!r} is connected to Fortnox; disconnect it first "
                    "(fortnox-bridge connect --disconnect) or add ?force=true",
                    code="tenant_connected",
                )
            TenantRepository(session).delete(tenant)

    # API keys.

    def keys(
        self, tenant_id: int, *, limit: int, cursor: str | None
    ) -> tuple[list[ApiKey], str | None]:
        """One page of the tenant's API keys (revoked ones too), oldest first."""
        query = select(ApiKey).where(ApiKey.tenant_id == tenant_id)
        with self.sessions.begin() as session:
            return keyset(session, query, ApiKey.id, limit=limit, cursor=cursor)

    def issue_key(self, tenant_id: int, *, label: str, scope: str) -> IssuedKey:
        """Issue an API key of the tenant (404 when there is none)."""
        with self.sessions.begin() as session:
            tenant = _tenant(session, tenant_id)
            tenants = TenantRepository(session)
            issued = tenants.create_api_key(
                tenant.id, label=label, scope=scope, now=self.clock.now()
            )
            row = tenants.api_key(issued.id)
            assert row is not None
            return IssuedKey(row, issued.key)

    def revoke_key(self, tenant_id: int, key_id: int, *, own_key_id: int | None) -> ApiKey:
        """Revoke a key of the tenant; it stops working at once. The caller's own key
        (``own_key_id``) only while another ``read_write`` key remains."""
        with self.sessions.begin() as session:
            tenants = TenantRepository(session)
            row = tenants.api_key(key_id)
            if row is None or row.tenant_id != tenant_id:
                raise NotFound(f"no API key {key_id}")
            if key_id == own_key_id and tenants.active_writers(tenant_id) <= 1:
                raise Conflict(
                    "this is the tenant's last read_write key: create another one first "
                    "(POST /api/v1/api-keys), then revoke this one with it",
                    code="last_write_key",
                )
            tenants.revoke_api_key(row, now=self.clock.now())
            return row


def checked_families(known: Sequence[str], chosen: Sequence[str]) -> list[str]:
    """The ``chosen`` families in the order of ``known``; :class:`InvalidInput` when one is no
    family of the bridge or none is chosen."""
    unknown = [family for family in chosen if family not in known]
    if unknown:
        raise InvalidInput(
            f"no flow family {unknown[0]!r}; the families are: {', '.join(known)}",
            code="unknown_family",
            field=("body", "families"),
            value=list(chosen),
        )
    if not chosen:
        raise InvalidInput(
            "choose at least one flow family", code="no_family", field=("body", "families")
        )
    return [family for family in known if family in chosen]


def _tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = TenantRepository(session).get(tenant_id) if 0 < tenant_id <= MAX_ID else None
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    return tenant


def _view(session: Session, tenant: Tenant) -> TenantView:
    connection = ConnectionRepository(session).for_tenant(tenant.id)
    return TenantView(tenant, connection.state if connection else NOT_CONNECTED)


def _name_free(tenants: TenantRepository, name: str, own_id: int | None) -> None:
    found = tenants.by_name(name)
    if found is not None and found.id != own_id:
        raise Conflict(f"a tenant called {name!r} exists already", code="name_taken")


def _apply(tenant: Tenant, changes: TenantChanges) -> None:
    """Copy the fields ``changes`` sets onto the tenant (a family chosen now may bring its own
    sweep interval, see ``services/sweep_defaults.py``)."""
    before = list(tenant.families or [])
    values: dict[str, Any] = {
        "name": changes.name,
        "conflict_policy": changes.conflict_policy,
        "sweep_interval_minutes": changes.sweep_interval_minutes,
        "digest": changes.digest,
        "problem_mail": changes.problem_mail,
        "refusal_retry_hours": changes.refusal_retry_hours,
        "realtime_sweep_factor": changes.realtime_sweep_factor,
    }
    for field, value in values.items():
        if value is not None:
            setattr(tenant, field, value)
    if changes.recipients is not None:
        tenant.notify_emails = [str(address) for address in changes.recipients]
    if changes.families is not None:
        tenant.families = list(changes.families)
        apply_family_interval(tenant, before, changes.sweep_interval_minutes)
