"""Host records of the hr family, as a host application sends them to the bridge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator


class HostEmployee(BaseModel):
    """An employee as the host application knows it (seed 001, "Supported fields").

    The employment id is Fortnox's ``EmployeeId`` and flows from Fortnox to the host only, so it
    is not part of what the host sends.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr = Field(description="Required and unique; matches employees on first sync.")
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    address_line1: str | None = Field(default=None, max_length=100)
    address_line2: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=50)
    country: str | None = Field(default=None, max_length=50)
    employment_start: date | None = None
    employment_end: date | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> HostEmployee:
        start, end = self.employment_start, self.employment_end
        if start and end and end < start:
            raise ValueError(
                f"employment_end {end} is before employment_start {start}; correct one of the dates"
            )
        return self


class HostAbsenceType(BaseModel):
    """A kind of absence in the host application (vacation, sick leave, ...), seed 001 HR5."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(
        min_length=1,
        max_length=20,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="The host's code of the absence type (letters, digits, '_', '.', '-').",
    )
    name: str = Field(min_length=1, max_length=100)
    counts_as_work_days: bool = Field(
        default=True,
        description="Only absences of types that count as work days are sent to Fortnox.",
    )


class HostAbsence(BaseModel):
    """One absence request of an employee (seed 001 HR6–HR10)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employee: str = Field(min_length=1, max_length=200, description="The host id of the employee.")
    absence_type: str = Field(
        min_length=1, max_length=200, description="The host id of the absence type."
    )
    start: date
    end: date | None = Field(
        default=None, description="Without an end date nothing is written to Fortnox yet."
    )
    extent: Decimal = Field(
        default=Decimal(100),
        gt=0,
        le=100,
        decimal_places=2,
        description="Percent of the scheduled hours of each day.",
    )
    note: str | None = Field(default=None, max_length=500)
    status: Literal["requested", "approved", "rejected", "cancelled"] = "requested"

    @model_validator(mode="after")
    def _end_not_before_start(self) -> HostAbsence:
        if self.end is not None and self.end < self.start:
            raise ValueError(
                f"end {self.end} is before start {self.start}; correct one of the dates"
            )
        return self
