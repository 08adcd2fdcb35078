"""Pre-flight warns when two enabled flows would write the same absence to Fortnox."""

from __future__ import annotations

from datetime import UTC, datetime

from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.sync.context import TenantContext
from fortnox_bridge.engine.sync.preflight import Checklist, Preflight


def _checked(enabled: list[str]) -> list[str]:
    flows = {flow.name: flow() for flow in discover_flows()}
    context = TenantContext(1, "Tenant AB", "bridge_wins", flows=flows, enabled=enabled)
    checklist = Checklist(1, datetime(2026, 1, 1, tzinfo=UTC))
    Preflight._twice(context, checklist)
    return [f"{check.name}: {check.detail}" for check in checklist.checks]


def test_both_absence_flows_on_is_a_warning() -> None:
    assert _checked(["hr.absence.push", "payroll.absence.push", "hr.employee.push"]) == [
        "absence sent once: hr.absence.push and payroll.absence.push are both on: an absence "
        "reported both as an absence and as time would reach Fortnox twice"
    ]


def test_one_absence_flow_on_is_fine() -> None:
    assert _checked(["hr.absence.push", "payroll.attendance.push"]) == []
    assert _checked(["payroll.absence.push"]) == []
