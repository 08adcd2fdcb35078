from __future__ import annotations

import pytest
from pydantic import ValidationError

from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.flows.hr.records import HostEmployee


def test_map_translates_host_fields_to_fortnox_fields() -> None:
    payload = HostEmployee(
        email="karin.ek@example.se",
        given_name="Karin",
        family_name="Ek",
        phone="070-123 45 67",
        address_line1="Storgatan 1",
        postal_code="753 20",
        city="Uppsala",
        employment_start="2022-01-10",  # type: ignore[arg-type]
    ).model_dump(mode="json", exclude_none=True)
    assert EmployeePush.map(payload) == {
        "email": "karin.ek@example.se",
        "first_name": "Karin",
        "last_name": "Ek",
        "phone1": "070-123 45 67",
        "address1": "Storgatan 1",
        "post_code": "753 20",
        "city": "Uppsala",
        "employment_date": "2022-01-10",
    }


def test_map_leaves_out_empty_values() -> None:
    mapped = EmployeePush.map(
        {"email": "a@b.se", "given_name": "A", "family_name": "B", "city": ""}
    )
    assert mapped == {"email": "a@b.se", "first_name": "A", "last_name": "B"}


def test_host_employee_requires_email_and_names() -> None:
    with pytest.raises(ValidationError) as caught:
        HostEmployee.model_validate({"email": "not-an-address", "given_name": ""})
    fields = {error["loc"][0] for error in caught.value.errors()}
    assert fields == {"email", "given_name", "family_name"}


def test_employment_end_before_start_is_rejected_with_the_dates() -> None:
    with pytest.raises(ValidationError, match="2020-01-01 is before employment_start 2021-01-01"):
        HostEmployee.model_validate(
            {
                "email": "a@b.se",
                "given_name": "A",
                "family_name": "B",
                "employment_start": "2021-01-01",
                "employment_end": "2020-01-01",
            }
        )


def test_unknown_host_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="employee_number"):
        HostEmployee.model_validate(
            {"email": "a@b.se", "given_name": "A", "family_name": "B", "employee_number": "9"}
        )
