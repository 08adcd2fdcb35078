from __future__ import annotations

from datetime import date

import pytest

from fortnox_bridge.fortnox.models import API_BLANK, Employee


def test_employee_parses_the_wire_shape_leniently() -> None:
    employee = Employee.model_validate(
        {
            "@url": "https://api.fortnox.se/3/employees/7",
            "EmployeeId": "7",
            "FirstName": "Karin",
            "MonthlySalary": 45000,
            "EmploymentDate": "2020-02-01",
            "EmployedTo": "",
            "Inactive": "false",
            "PersonalIdentityNumber": "API_NORIGHT",
            "ForaType": "A51",
            "SomethingNew": "kept",
        }
    )
    assert employee.employee_id == "7"
    assert employee.monthly_salary == "45000"
    assert employee.employment_date == date(2020, 2, 1)
    assert employee.employed_to is None
    assert employee.inactive is False
    assert employee.personal_identity_number is None
    assert employee.url == "https://api.fortnox.se/3/employees/7"
    assert employee.fora_type == "A51"
    assert employee.model_extra == {"SomethingNew": "kept"}


def test_string_booleans_and_api_noright_on_booleans() -> None:
    assert Employee.model_validate({"Inactive": "true"}).inactive is True
    assert Employee.model_validate({"Inactive": "API_NORIGHT"}).inactive is None


def test_wire_fields_for_create_leaves_out_empty_values() -> None:
    body = Employee.wire_fields(
        {"first_name": "Karin", "phone1": None, "city": "", "employment_date": date(2021, 3, 4)},
        blank_none=False,
    )
    assert body == {"FirstName": "Karin", "EmploymentDate": "2021-03-04"}


def test_wire_fields_for_update_blanks_with_api_blank() -> None:
    body = Employee.wire_fields({"phone1": None, "city": "Lund"}, blank_none=True)
    assert body == {"Phone1": API_BLANK, "City": "Lund"}


def test_wire_fields_rejects_unknown_field_names() -> None:
    with pytest.raises(KeyError, match="no field 'first'"):
        Employee.wire_fields({"first": "x"}, blank_none=False)
