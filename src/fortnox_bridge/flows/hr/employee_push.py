"""``hr.employee.push``: host employees → Fortnox employees (``/3/employees``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fortnox_bridge.engine.flow.base import ExistingPolicy, Flow, FlowSettings, Lookup
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.flows.hr.records import HostEmployee


class EmployeePushSettings(FlowSettings):
    """Settings of ``hr.employee.push``."""

    default_schedule: str | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="The Fortnox working-time schedule (ScheduleId, e.g. 'HEL') given to "
        "employees the bridge creates. Without one Fortnox gives them no scheduled hours, so "
        "their absences would be written with 0 hours.",
    )
    existing_in_fortnox: ExistingPolicy = Field(
        default="wait_for_plan",
        title="Employees already in Fortnox",
        description="An employee not linked yet whose e-mail a Fortnox employee has already is "
        "never created a second time. It either waits for the first-synchronization plan (made "
        "on the Conflicts page), or is linked to that Fortnox employee, which then gets only the "
        "fields that differ. Employees with no match in Fortnox are created either way.",
        json_schema_extra={
            "choices": {
                "wait_for_plan": "Wait for the first-synchronization plan",
                "adopt": "Link to the Fortnox employee and update it",
            }
        },
    )


class EmployeePush(Flow):
    """Creates, updates and deactivates Fortnox employees from the host's employee records.

    The e-mail is the natural key (required, unique, used to match): a create whose
    answer was lost is found again by e-mail and adopted, and an employee Fortnox already has
    (same e-mail, not linked) is never created again: it waits for the first-synchronization
    plan or is adopted (setting ``existing_in_fortnox``). Fortnox cannot delete employees, so a
    deleted host employee is set ``Inactive`` (and active again if it comes back). The employment
    id (``EmployeeId``) and the default schedule are sent only when the employee is created;
    the ``EmployeeId`` Fortnox assigned goes back to the host's ``employment_id``.
    """

    name: ClassVar[str] = "hr.employee.push"
    entity: ClassVar[str] = "employee"
    resource: ClassVar[str] = "employees"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "employee_id"
    record_model: ClassVar[type[BaseModel]] = HostEmployee
    Settings: ClassVar[type[FlowSettings]] = EmployeePushSettings
    order: ClassVar[int] = 200
    natural_key: ClassVar[tuple[str, ...]] = ("email",)
    match_existing: ClassVar[bool] = True
    first_sync_hint: ClassVar[str] = (
        "'fortnox-bridge hr first-sync plan --tenant TENANT', the Conflicts page of the admin "
        "UI, or POST /api/v1/hr/first-sync"
    )
    delete_by: ClassVar[Mapping[str, Any] | None] = {"inactive": True}
    undelete_by: ClassVar[Mapping[str, Any]] = {"inactive": False}
    create_only: ClassVar[frozenset[str]] = employee_fields.CREATE_ONLY

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host employee payload → Fortnox employee fields; empty values are left out."""
        fields = employee_fields.to_fortnox(record)
        schedule = getattr(self.settings, "default_schedule", None)
        if schedule:
            fields["schedule_id"] = schedule
        return fields

    def after_create(self, record: Mapping[str, Any], fortnox_id: str) -> dict[str, Any]:
        """The ``EmployeeId`` Fortnox assigned (or kept) is the host's ``employment_id``."""
        if record.get("employment_id") == fortnox_id:
            return {}
        return {"employment_id": fortnox_id}

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``employee emp-7 (karin.ek@example.se)``."""
        return employee_fields.reference(external_id, record)

    def concerned(self, external_id: str, lookup: Lookup) -> list[str]:
        """The employee's manager, when the host names one."""
        return employee_fields.manager_email(external_id, lookup)
