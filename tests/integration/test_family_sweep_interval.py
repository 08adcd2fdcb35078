"""A tenant that chooses the service family sweeps hourly unless it set an interval of its own
(SQLite and PostgreSQL); other families keep the bridge's default."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.services.sweep_defaults import family_interval, interval_after
from fortnox_bridge.services.tenants import TenantChanges, TenantService

FAMILIES = ["hr", "payroll", "projects", "ledger", "service"]


@pytest.fixture
def tenants(sessions: sessionmaker[Session]) -> TenantService:
    return TenantService(sessions, ManualClock(datetime(2026, 3, 2, tzinfo=UTC)), FAMILIES)


def test_the_service_family_declares_an_hour() -> None:
    assert (family_interval("service"), family_interval("projects")) == (60, None)
    assert family_interval("no_such_family") is None
    assert interval_after(30, ["hr"], ["hr", "service"], None) == 60
    assert interval_after(30, ["hr"], ["hr", "service"], 15) == 15  # given with the change
    assert interval_after(45, ["hr"], ["hr", "service"], None) == 45  # the tenant's own
    assert interval_after(30, ["service"], ["service", "hr"], None) == 30  # chosen before


def test_a_new_service_tenant_sweeps_hourly(tenants: TenantService) -> None:
    view = tenants.create("Service AB", TenantChanges(families=["service"]))
    assert view.tenant.sweep_interval_minutes == 60
    given = tenants.create(
        "Snabb AB", TenantChanges(families=["service"], sweep_interval_minutes=10)
    )
    assert given.tenant.sweep_interval_minutes == 10
    projects = tenants.create("Bygg AB", TenantChanges(families=["projects"]))
    assert projects.tenant.sweep_interval_minutes == 30


def test_choosing_the_family_later_keeps_an_interval_the_tenant_set(
    tenants: TenantService,
) -> None:
    plain = tenants.create("Bygg AB", TenantChanges(families=["projects"]))
    added = tenants.change(plain.tenant.id, TenantChanges(families=["projects", "service"]))
    assert added.tenant.sweep_interval_minutes == 60
    own = tenants.create("Egen AB", TenantChanges(families=["hr"], sweep_interval_minutes=20))
    kept = tenants.change(own.tenant.id, TenantChanges(families=["hr", "service"]))
    assert kept.tenant.sweep_interval_minutes == 20
    # Set back to 30 by the tenant after choosing the family: later changes keep it.
    tenants.change(plain.tenant.id, TenantChanges(sweep_interval_minutes=30))
    again = tenants.change(plain.tenant.id, TenantChanges(families=["service", "projects"]))
    assert again.tenant.sweep_interval_minutes == 30
