"""``hr.employee.push``: host employees → Fortnox employees (``/3/employees``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow import Flow
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.flows.hr.records import HostEmployee


class EmployeePush(Flow):
    """Creates, updates and deactivates Fortnox employees from the host's employee records.

    The e-mail is the natural key (seed 001: required, unique, used to match): a create whose
    answer was lost is found again by e-mail and adopted. Fortnox cannot delete employees, so a
    deleted host employee is set ``Inactive`` (and active again if it comes back).
    """

    name: ClassVar[str] = "hr.employee.push"
    entity: ClassVar[str] = "employee"
    resource: ClassVar[str] = "employees"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "employee_id"
    record_model: ClassVar[type[BaseModel]] = HostEmployee
    order: ClassVar[int] = 200
    natural_key: ClassVar[tuple[str, ...]] = ("email",)
    delete_by: ClassVar[Mapping[str, Any] | None] = {"inactive": True}
    undelete_by: ClassVar[Mapping[str, Any]] = {"inactive": False}

    @staticmethod
    def map(record: Mapping[str, Any]) -> dict[str, Any]:
        """Host employee payload → Fortnox employee fields; empty values are left out."""
        return employee_fields.to_fortnox(record)

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``employee emp-7 (karin.ek@example.se)``."""
        return employee_fields.reference(external_id, record)
