from __future__ import annotations

import pytest
from pydantic import ValidationError

from fortnox_bridge.flows.hr.employee_push import EmployeePush, EmployeePushSettings
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
    assert EmployeePush().map(payload) == {
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
    mapped = EmployeePush().map(
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


def full_employee(**extra: object) -> dict[str, object]:
    return HostEmployee.model_validate(
        {
            "email": "karin.ek@example.se",
            "given_name": "Karin",
            "family_name": "Ek",
            "employment_id": "E17",
            "personal_identity_number": "880320-0016",
            "bank_clearing_number": "6789",
            "bank_account_number": "123 456 789",
            "manager": "boss",
            **extra,
        }
    ).model_dump(mode="json", exclude_none=True)


def test_new_fields_reach_fortnox_under_its_names_and_the_manager_stays_local() -> None:
    mapped = EmployeePush().map(full_employee())
    assert mapped == {
        "email": "karin.ek@example.se",
        "first_name": "Karin",
        "last_name": "Ek",
        "employee_id": "E17",
        "personal_identity_number": "19880320-0016",
        "clearing_no": "6789",
        "bank_account_no": "123456789",
    }


def test_the_default_schedule_setting_is_sent_and_both_it_and_the_id_are_create_only() -> None:
    flow = EmployeePush(EmployeePushSettings(default_schedule="HEL"))
    assert flow.map(full_employee())["schedule_id"] == "HEL"
    assert {"employee_id", "schedule_id"} <= EmployeePush.create_only


def test_the_manager_is_concerned_by_a_refusal_when_the_host_names_one() -> None:
    records = {
        ("employee", "e1"): {"email": "e1@example.se", "manager": "boss"},
        ("employee", "boss"): {"email": "chefen@example.se"},
        ("employee", "e2"): {"email": "e2@example.se", "manager": "gone"},
    }

    def lookup(entity: str, external_id: str) -> dict[str, object] | None:
        return records.get((entity, external_id))

    flow = EmployeePush()
    assert flow.concerned("e1", lookup) == ["chefen@example.se"]
    assert flow.concerned("e2", lookup) == []  # the manager is not (or no longer) a host record
    assert flow.concerned("boss", lookup) == []
