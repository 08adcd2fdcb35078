"""Fortnox employee (``/3/employees``). ``EmployeeId`` is ≤ 15 characters and never changes."""

from __future__ import annotations

from pydantic import Field

from fortnox_bridge.fortnox.models.base import FortnoxModel, WireBool, WireDate, WireStr


class Employee(FortnoxModel):
    """The employee fields fortnox-bridge reads and writes (others are kept as extras)."""

    employee_id: str | None = Field(default=None, alias="EmployeeId", max_length=15)
    personal_identity_number: WireStr = Field(default=None, alias="PersonalIdentityNumber")
    first_name: WireStr = Field(default=None, alias="FirstName")
    last_name: WireStr = Field(default=None, alias="LastName")
    full_name: WireStr = Field(default=None, alias="FullName")
    address1: WireStr = Field(default=None, alias="Address1")
    address2: WireStr = Field(default=None, alias="Address2")
    post_code: WireStr = Field(default=None, alias="PostCode")
    city: WireStr = Field(default=None, alias="City")
    country: WireStr = Field(default=None, alias="Country")
    phone1: WireStr = Field(default=None, alias="Phone1")
    phone2: WireStr = Field(default=None, alias="Phone2")
    email: WireStr = Field(default=None, alias="Email")
    employment_date: WireDate = Field(default=None, alias="EmploymentDate")
    employed_to: WireDate = Field(default=None, alias="EmployedTo")
    job_title: WireStr = Field(default=None, alias="JobTitle")
    clearing_no: WireStr = Field(default=None, alias="ClearingNo")
    bank_account_no: WireStr = Field(default=None, alias="BankAccountNo")
    monthly_salary: WireStr = Field(default=None, alias="MonthlySalary")
    schedule_id: WireStr = Field(default=None, alias="ScheduleId")
    inactive: WireBool = Field(default=None, alias="Inactive")
