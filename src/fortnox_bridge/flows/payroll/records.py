"""Host records of the payroll family, as a host application sends them to the bridge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fortnox_bridge.flows.payroll.codes import check_paxml_code


class HostTimeEntry(BaseModel):
    """Reported time of one employee on one day: work on a project, or an absence.

    The PAXml code of the entry decides what Fortnox gets: ``paxml_code`` when given, else the
    code of its ``project`` or ``absence_type``, else ``TID`` (working time).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employee: str = Field(min_length=1, max_length=200, description="The host id of the employee.")
    date: date
    hours: Decimal = Field(gt=0, le=24, decimal_places=2)
    project: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The host id of the project the time was worked on (its PAXml code and "
        "Fortnox project number are used).",
    )
    absence_type: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The host id of the absence type, for reported absence (vacation, sick, ...).",
    )
    cost_center: str | None = Field(
        default=None, min_length=1, max_length=6, description="The Fortnox cost centre code."
    )
    paxml_code: str | None = Field(
        default=None,
        description="Overrides the code of the project or absence type (a PAXml 2.0 time code "
        "with a Fortnox counterpart: TID, ÖT1, SEM, SJK, VAB, ...).",
    )

    @field_validator("paxml_code")
    @classmethod
    def _known_code(cls, value: str | None) -> str | None:
        return None if value is None else check_paxml_code(value)

    @model_validator(mode="after")
    def _project_or_absence(self) -> HostTimeEntry:
        if self.project is not None and self.absence_type is not None:
            raise ValueError(
                "a time entry is either work on a project or an absence: give 'project' or "
                "'absence_type', not both"
            )
        return self


class HostProject(BaseModel):
    """A project time is reported against (each project carries a PAXml code)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(
        min_length=1, max_length=20, description="The project number as Fortnox knows it."
    )
    name: str = Field(min_length=1, max_length=100)
    paxml_code: str = Field(
        default="TID",
        description="The PAXml code time on this project is reported with (TID = working time).",
    )

    @field_validator("paxml_code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        return check_paxml_code(value)
