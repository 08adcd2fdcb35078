"""``hr.employee.push``: host employees → Fortnox employees (``/3/employees``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow import Flow
from fortnox_bridge.flows.hr.records import HostEmployee


class EmployeePush(Flow):
    """Creates and updates Fortnox employees from the host's employee records."""

    name: ClassVar[str] = "hr.employee.push"
    entity: ClassVar[str] = "employee"
    resource: ClassVar[str] = "employees"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "employee_id"
    record_model: ClassVar[type[BaseModel]] = HostEmployee
    order: ClassVar[int] = 200

    @staticmethod
    def map(record: Mapping[str, Any]) -> dict[str, Any]:
        """Host employee payload → Fortnox employee fields; empty values are left out."""
        fields = {
            "email": record.get("email"),
            "first_name": record.get("given_name"),
            "last_name": record.get("family_name"),
            "phone1": record.get("phone"),
            "address1": record.get("address_line1"),
            "address2": record.get("address_line2"),
            "post_code": record.get("postal_code"),
            "city": record.get("city"),
            "country": record.get("country"),
            "employment_date": record.get("employment_start"),
            "employed_to": record.get("employment_end"),
        }
        return {key: value for key, value in fields.items() if value not in (None, "")}
