"""The one rule for whether a flow runs for a tenant, with flow families: a flow's family is its
package, flows of other families never run, base flows of a chosen family always do, and flows
that exclude each other refuse to be turned on together."""

from __future__ import annotations

import re

import pytest

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.base import family_of
from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.engine.sync.context import enabled_flows, is_enabled, refuse_switch
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.flows.projects.project_export import ProjectExport
from fortnox_bridge.flows.projects.supplier_export import SupplierExport
from fortnox_bridge.flows.projects.supplier_import import SupplierImport

DEFAULT = ("hr", "payroll")
ALL = ("hr", "payroll", "projects", "ledger", "service")


def test_a_flows_family_is_its_package() -> None:
    assert {family_of(flow) for flow in discover_flows()} == set(ALL)
    assert family_of(SupplierExport) == "projects"


def test_is_enabled_reads_the_families_then_base_then_the_tenants_switch() -> None:
    assert not is_enabled(ProjectExport, None, families=DEFAULT)
    assert not is_enabled(SupplierExport, True, families=DEFAULT)
    assert is_enabled(ProjectExport, None, families=ALL)
    assert is_enabled(ProjectExport, False, families=ALL)  # a base flow cannot be off
    assert not is_enabled(SupplierExport, None, families=ALL)  # off by default
    assert is_enabled(SupplierExport, True, families=ALL)
    assert is_enabled(EmployeePush, None, families=("hr",))
    assert not is_enabled(AbsencePush, None, families=("hr",))
    assert not is_enabled(EmployeePush, True, families=("projects",))


def test_the_base_flows_of_the_projects_family() -> None:
    running = enabled_flows(discover_flows(), {}, families=("projects",))
    assert {flow.name for flow in running} == {
        "projects.construction_project.push",
        "projects.project_customer.push",
        "projects.cost_center.pull",
        "projects.account.pull",
        "projects.voucher.pull",
    }


def test_switches_the_families_and_exclusions_refuse() -> None:
    base = refuse_switch(ProjectExport, False, families=ALL, running=())
    assert base is not None
    assert base.code == "base_flow"
    assert refuse_switch(ProjectExport, True, families=ALL, running=()) is None
    assert refuse_switch(ProjectExport, False, families=DEFAULT, running=()) is None
    refused = refuse_switch(SupplierExport, True, families=DEFAULT, running=())
    assert refused is not None
    assert refused.code == "family_not_chosen"
    both = refuse_switch(SupplierImport, True, families=ALL, running={SupplierExport.name})
    assert both is not None
    assert both.code == "flows_exclusive"
    assert SupplierExport.name in both.message
    assert refuse_switch(SupplierImport, False, families=ALL, running={SupplierExport.name}) is None


def test_discovery_refuses_an_exclusion_only_one_side_declares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(SupplierImport, "excludes", ())
    with pytest.raises(
        FlowDefinitionError, match=re.escape("excludes 'projects.project_supplier.pull'")
    ):
        discover_flows()
