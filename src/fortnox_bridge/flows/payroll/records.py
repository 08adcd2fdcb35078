"""Host records of the payroll family, as a host application sends them to the bridge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class HostTimeEntry(BaseModel):
    """Worked time of one employee on one day (seed 000: time reported against a project)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employee: str = Field(min_length=1, max_length=200, description="The host id of the employee.")
    date: date
    hours: Decimal = Field(gt=0, le=24, decimal_places=2)
    code: str = Field(
        default="TID",
        min_length=1,
        max_length=10,
        description="The host's code of the kind of time; translated by the tenant's "
        "'attendance_code' mapping, else used as the Fortnox cause code (TID = working time).",
    )
    project: str | None = Field(default=None, max_length=20)
    cost_center: str | None = Field(default=None, max_length=6)


class HostProject(BaseModel):
    """A project time is reported against (seed 000: PAXml code per project)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(
        min_length=1, max_length=20, description="The project number as Fortnox knows it."
    )
    name: str = Field(min_length=1, max_length=100)
    paxml_code: str = Field(
        default="TID",
        min_length=1,
        max_length=10,
        pattern=r"^[A-Z0-9]+$",
        description="The PAXml code time on this project is reported with (TID = working time).",
    )
