"""Host records of the hr family, as a host application sends them to the bridge."""

from __future__ import annotations

from datetime import date

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
