"""The Fortnox fields host fields become are declared with the entities, through the catalogue.

The table below is the one the validation kept by hand before: the declarations must give the
same Fortnox fields, with the same limits from the generated models.
"""

from __future__ import annotations

import pytest

from fortnox_bridge.engine.errors import FlowDefinitionError
from fortnox_bridge.engine.flow.fortnox_fields import FortnoxField, fortnox_field
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.fortnox.models.cost_center import CostCenter
from fortnox_bridge.fortnox.models.employee import Employee
from fortnox_bridge.fortnox.models.project import Project
from fortnox_bridge.services.validation import fortnox_fields_of

BY_HAND: dict[str, dict[str, FortnoxField]] = {
    "employee": {
        host: FortnoxField(Employee, fortnox) for host, fortnox in employee_fields.FIELDS.items()
    },
    "project": {
        "number": FortnoxField(Project, "project_number"),
        "name": FortnoxField(Project, "description"),
    },
    "time_entry": {
        "project": FortnoxField(Project, "project_number"),
        "cost_center": FortnoxField(CostCenter, "code"),
    },
}


def _described(fields: dict[str, FortnoxField]) -> dict[str, tuple[str, object, object]]:
    return {
        host: (target.label, dict(target.limits), target.characters)
        for host, target in fields.items()
    }


@pytest.mark.parametrize("entity", ["employee", "project", "time_entry", "absence", "absence_type"])
def test_the_declared_fields_give_the_limits_of_the_table_kept_by_hand(entity: str) -> None:
    declared = dict(fortnox_fields_of(entity))
    assert declared == BY_HAND.get(entity, {})
    assert _described(declared) == _described(BY_HAND.get(entity, {}))


def test_the_limits_are_those_of_the_openapi_document() -> None:
    number = fortnox_fields_of("project")["number"]
    assert number.label == "Project.ProjectNumber"
    assert number.limits == Project.wire_limits.get("ProjectNumber", {})
    assert fortnox_fields_of("employee")["email"].label == "Employee.Email"


def test_a_field_the_model_lacks_is_refused() -> None:
    with pytest.raises(FlowDefinitionError, match="no field 'colour'"):
        fortnox_field("projects", "colour")
    with pytest.raises(FlowDefinitionError, match="no record model"):
        fortnox_field("things", "code")
