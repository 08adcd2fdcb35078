"""Host records of the projects family, as a project application sends them to the bridge,
and the form the Fortnox registers it imports take in the bridge."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator


class HostConstructionProject(BaseModel):
    """A project as the project application knows it (a construction project, say).

    Its status code decides whether and how it reaches Fortnox: below 40 it is not exported
    yet, 40–89 it is ongoing, 90 and above completed.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(
        min_length=1,
        max_length=50,
        description="The project number; it becomes Fortnox's ProjectNumber, which takes at most "
        "20 characters of letters A-Ö, digits and _ / + - (no dot). A project whose number "
        "Fortnox cannot take is not exported, and a problem names it.",
    )
    name: str = Field(
        min_length=1,
        max_length=200,
        description="The project name; Fortnox's Description gets its first 50 characters.",
    )
    status_code: int = Field(
        ge=0,
        le=999,
        description="The project's status code: below 40 the project is not exported, 40-89 it "
        "is ongoing in Fortnox, 90 and above completed.",
    )
    start_date: date | None = None
    end_date: date | None = Field(
        default=None,
        description="The project's end; Fortnox takes no bookkeeping on the project after it.",
    )
    leader: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="The project leader (a name or initials) as Fortnox's ProjectLeader.",
    )
    completed_on: date | None = Field(
        default=None,
        description="The day the status code reached 90; the tenant's completion delay counts "
        "from it (without it, a project of status 90 is completed in Fortnox at once).",
    )

    @model_validator(mode="after")
    def _end_not_before_start(self) -> HostConstructionProject:
        start, end = self.start_date, self.end_date
        if start and end and end < start:
            raise ValueError(
                f"end_date {end} is before start_date {start}; correct one of the dates"
            )
        return self


class HostCostCenter(BaseModel):
    """A Fortnox cost centre as the bridge keeps it: Fortnox owns the register, the bridge reads
    it into the store and hands it on to the project application."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=6, description="The cost centre's code.")
    name: str = Field(
        min_length=1, max_length=100, description="The cost centre's name (its Description)."
    )
    active: bool = Field(default=True, description="Whether Fortnox takes bookkeeping on it.")


# -- Work orders and change orders ----------------------------------------------------------


class HostProjectOrder(BaseModel):
    """What a work order and a change order share: an order of work under one of the host's
    projects, which may become a Fortnox project of its own (``10000_1``, ``10000_Ä001``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    project: str = Field(
        min_length=1,
        max_length=100,
        description="The host id of the project the order belongs to (a construction project).",
    )
    number: str = Field(
        min_length=1,
        max_length=20,
        description="The order's number within its project; the Fortnox project number is the "
        "project's number, an underscore and this number.",
    )
    name: str = Field(
        min_length=1,
        max_length=200,
        description="The order's name; Fortnox's Description gets its first 50 characters.",
    )
    status_code: int = Field(
        ge=0,
        le=999,
        description="The order's status code, read as a project's: below 40 the order is not "
        "exported, 40-89 it is ongoing in Fortnox, 90 and above completed.",
    )
    created_on: date = Field(
        description="The day the order was made; its start date in Fortnox when its project "
        "has none."
    )
    leader: str | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="The order's leader as Fortnox's ProjectLeader; without one, the project's.",
    )
    completed_on: date | None = Field(
        default=None,
        description="The day the order's status code reached 90; the completion delay counts "
        "from it (without it, an order of status 90 is completed in Fortnox at once).",
    )


class HostWorkOrder(HostProjectOrder):
    """A work order under one of the host's projects (``number`` ``1`` → ``10000_1``)."""


class HostChangeOrder(HostProjectOrder):
    """A change order (extra or changed work) under one of the host's projects (``number``
    ``1`` or ``Ä001`` → ``10000_Ä001``)."""
