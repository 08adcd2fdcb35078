"""``projects.construction_project.push``: host projects → Fortnox projects (``/3/projects``).

A project is exported once its status code reaches 40: from 40 to 89 it is ongoing in Fortnox,
from 90 on completed (after the tenant's completion delay, counted from ``completed_on``), and a
project without an end date is completed twelve months after its start (see
:mod:`~fortnox_bridge.flows.projects.project_status`). Fortnox's project number is the
host's number, which must fit Fortnox's rule (at most 20 characters of letters A–Ö, digits and
``_ / + -``; a dot is refused): a project whose number does not is held back with a problem
that names it, and nothing is sent.
The name is cut to Fortnox's 50 characters. Start and end date and the project leader follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import ExistingPolicy, Flow, FlowSettings
from fortnox_bridge.flows.projects.project_status import (
    CompletionSettings,
    delay_of,
    fortnox_status,
)
from fortnox_bridge.flows.projects.records import HostConstructionProject
from fortnox_bridge.fortnox.characters import PROJECT_NUMBER, describe

#: Fortnox's limits of ProjectNumber and Description.
NUMBER_LIMIT = 20
NAME_LIMIT = 50


def fortnox_number(number: str) -> str:
    """The host's project ``number`` as Fortnox's ProjectNumber; a ``ValueError`` that says what
    to change when Fortnox cannot take it."""
    text = number.strip()
    if not text:
        raise ValueError("the project has no number; give it one")
    if len(text) > NUMBER_LIMIT:
        raise ValueError(
            f"project number {text!r} has {len(text)} characters and Fortnox takes at most "
            f"{NUMBER_LIMIT}: shorten it"
        )
    refused = PROJECT_NUMBER.first_refused(text)
    if refused is not None:
        position, character = refused
        raise ValueError(
            f"project number {text!r} holds {describe(character)} at character {position + 1}; "
            f"Fortnox takes only {PROJECT_NUMBER.allows} in a project number (no dot): change "
            "the number"
        )
    return text


class ProjectExport(Flow):
    """Creates and updates Fortnox projects from the host's projects.

    Projects are matched by number: a project Fortnox already has with the same number is
    adopted (only the fields that differ are sent), never created twice. The number is sent only
    when the project is created: Fortnox keeps it as the project's id. A deleted host project is
    deleted in Fortnox.
    """

    name: ClassVar[str] = "projects.construction_project.push"
    entity: ClassVar[str] = "construction_project"
    resource: ClassVar[str] = "projects"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "project_number"
    record_model: ClassVar[type[BaseModel]] = HostConstructionProject
    Settings: ClassVar[type[FlowSettings]] = CompletionSettings
    order: ClassVar[int] = 210
    # The status depends on the day (the completion delay, twelve months without an end date).
    replan_all: ClassVar[bool] = True
    # Off until a tenant of a project application turns it on (with the cost-centre import):
    # other tenants neither send projects nor grant the project scope the pre-flight checks.
    #: A base flow: runs for every tenant of the projects family.
    base: ClassVar[bool] = True
    natural_key: ClassVar[tuple[str, ...]] = ("project_number",)
    match_existing: ClassVar[bool] = True
    create_only: ClassVar[frozenset[str]] = frozenset({"project_number"})

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host project payload → Fortnox project fields; empty values are left out."""
        start, end = record.get("start_date"), record.get("end_date")
        status = fortnox_status(
            record, start=start, end=end, today=self.today, delay_days=delay_of(self.settings)
        )
        fields = {
            "project_number": fortnox_number(str(record.get("number", ""))),
            "description": str(record["name"])[:NAME_LIMIT].rstrip(),
            "status": status,
            "start_date": start,
            "end_date": end,
            "project_leader": record.get("leader"),
        }
        return {key: value for key, value in fields.items() if value not in (None, "")}

    def existing_policy(self) -> ExistingPolicy:
        """A Fortnox project with the host project's number is that project: adopt it."""
        return "adopt"

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``project p-7 (10000 Skolan Ekbacken)``."""
        number, name = (record or {}).get("number"), (record or {}).get("name")
        shown = " ".join(str(part) for part in (number, name) if part)
        return f"project {external_id} ({shown})" if shown else f"project {external_id}"
