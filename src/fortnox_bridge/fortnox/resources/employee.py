"""``/3/employees``: list, get, create, update. No DELETE in Fortnox: set ``inactive``."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.employee import Employee, EmployeeListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class EmployeeResource(Resource[Employee, EmployeeListItem]):
    """Employee operations."""

    description = describe("employee")
    model = Employee
    list_model = EmployeeListItem
