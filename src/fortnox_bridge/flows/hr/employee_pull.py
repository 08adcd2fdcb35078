"""``hr.employee.pull``: Fortnox employees → host employees, the other half of two-way employees.

Without it a user would press "Synchronize users" to see Fortnox-side edits; here every sweep reads
the employee list (one request per 500 employees) and compares each employee three ways with the
host's record and the last agreed snapshot (see ``engine/sync/merge.py``). The list carries only the
names, e-mail, first phone and identity number: an employee whose other fields must be compared is
read in full first (see ``engine/sync/pulling.py``). On the first sync, Fortnox employees are
matched to host employees by e-mail; Fortnox-only employees are reported, or created as host records
when ``import_unmatched`` is on.

Off by default: a tenant turns it on when Fortnox-side edits should reach the host.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fortnox_bridge.engine.flow.base import Flow, FlowSettings
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.flows.hr.records import HostEmployee


class EmployeePullSettings(FlowSettings):
    """Settings of ``hr.employee.pull``."""

    import_unmatched: bool = Field(
        default=False,
        description="Create host employees for Fortnox employees no host employee matches "
        "by e-mail (their host id is 'fortnox-<EmployeeId>').",
    )


class EmployeePull(Flow):
    """Reads Fortnox employees and reconciles them with the host's."""

    name: ClassVar[str] = "hr.employee.pull"
    entity: ClassVar[str] = "employee"
    resource: ClassVar[str] = "employees"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "employee_id"
    record_model: ClassVar[type[BaseModel]] = HostEmployee
    Settings: ClassVar[type[FlowSettings]] = EmployeePullSettings
    # Read before the push of the same sweep: a Fortnox edit is compared before it is overwritten.
    order: ClassVar[int] = 150
    default_enabled: ClassVar[bool] = False
    counterpart: ClassVar[str | None] = "hr.employee.push"
    pull_fields: ClassVar[frozenset[str]] = employee_fields.FORTNOX_FIELDS
    natural_key: ClassVar[tuple[str, ...]] = ("email",)

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox employee fields → host employee fields."""
        return employee_fields.to_host(fields)

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``employee emp-7 (karin.ek@example.se)``."""
        return employee_fields.reference(external_id, record)
