"""What the work-order and change-order exports share: an order under one of the host's
projects becomes a Fortnox project of its own (``/3/projects``), numbered after its project.

Each order is one Fortnox project (the one part of the order, key ``project``), created, updated
with the fields that changed and deleted when the order is deleted, by the engine's derived
push. What the project holds is :mod:`~fortnox_bridge.flows.projects.order_projects`: the
number, the name, the status from the order's status code and the day (the completion delay,
twelve months without an end date), the project's start date (else the order's creation date),
the project's end date and the leader. Every run looks at every order, so a change of the
project (its dates, its number) reaches the orders without the orders changing. With the
setting ``numbering`` at ``project`` the orders are booked on their project and none is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fortnox_bridge.engine.flow.base import Excluded, FlowSettings
from fortnox_bridge.engine.sync.deriving import DerivedFlow, Head, PartFlow, Parts
from fortnox_bridge.flows.projects.order_projects import (
    WORDS,
    OrderKind,
    order_number,
    project_fields,
)
from fortnox_bridge.flows.projects.project_status import CompletionSettings, delay_of
from fortnox_bridge.flows.projects.records import HostProjectOrder
from fortnox_bridge.fortnox import FortnoxClient

#: The one part of an order: its Fortnox project.
PART_KEY = "project"
Numbering = Literal["project", "own_project"]


class OrderProjectPart(PartFlow):
    """One Fortnox project made from an order; adopted by its number after a lost answer."""

    resource: ClassVar[str] = "projects"
    fortnox_id_field: ClassVar[str] = "project_number"
    record_model: ClassVar[type[BaseModel]] = HostProjectOrder
    natural_key: ClassVar[tuple[str, ...]] = ("project_number",)
    create_only: ClassVar[frozenset[str]] = frozenset({"project_number"})


class OrderExportSettings(CompletionSettings):
    """Settings of the work-order and change-order exports."""

    numbering: Numbering = Field(
        default="own_project",
        title="Numbering",
        description="Whether each order becomes a Fortnox project of its own, numbered with "
        "its project's number, an underscore and its own number (10000_1 for a work order, "
        "10000_Ä001 for a change order), or is booked on its project (10000) and not sent.",
        json_schema_extra={
            "choices": {
                "own_project": "A Fortnox project per order (10000_1, 10000_Ä001)",
                "project": "Only the project (10000): orders are not sent",
            }
        },
    )


class OrderExport(DerivedFlow):
    """Creates, updates and deletes one Fortnox project per order of the host's projects."""

    resource: ClassVar[str] = "projects"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "project_number"
    Settings: ClassVar[type[FlowSettings]] = OrderExportSettings
    # Off until a tenant of a project application turns it on, like the project export.
    default_enabled: ClassVar[bool] = False
    lookups: ClassVar[Mapping[str, str]] = {"project": "construction_project"}
    # The status depends on the day, and the dates and number on the project: every run looks
    # at every order (a changed project end date reaches its orders' Fortnox projects).
    replan_all: ClassVar[bool] = True
    part: ClassVar[type[PartFlow]] = OrderProjectPart
    # The shared base is not a flow of its own; the two subclasses are.
    standalone: ClassVar[bool] = False
    #: The kind of order this flow sends.
    kind: ClassVar[OrderKind]

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Nothing dated to check before the run: the order's number is all it shares."""
        return {"number": str(record["number"])}

    def head(
        self, record: Mapping[str, Any], related: Mapping[str, Mapping[str, Any] | None]
    ) -> Head:
        """The order's Fortnox project, and whether it is sent now."""
        if getattr(self.settings, "numbering", "own_project") == "project":
            return Head({}, False, "excluded: orders are booked on their project (numbering)")
        try:
            fields = project_fields(
                self.kind,
                record,
                related.get("project"),
                today=self.today,
                delay_days=delay_of(self.settings),
            )
        except Excluded as exc:
            return Head({}, False, f"excluded: {exc}")
        return Head(fields, True, f"Fortnox project {fields['project_number']}")

    async def parts(self, record: Mapping[str, Any], head: Head, client: FortnoxClient) -> Parts:
        """The order's one Fortnox project (nothing is read)."""
        return Parts({PART_KEY: dict(head.fields)})

    def reference_for(
        self,
        external_id: str,
        record: Mapping[str, Any],
        related: Mapping[str, Mapping[str, Any] | None],
    ) -> str:
        """``change order c1 (10000_Ä001 Extra fönster)``."""
        project = related.get("project") or {}
        own = order_number(self.kind, str(record.get("number") or ""))
        number = "_".join(str(part) for part in (project.get("number"), own) if part)
        shown = " ".join(str(part) for part in (number, record.get("name")) if part)
        words = WORDS[self.kind]
        return f"{words} {external_id} ({shown})" if shown else f"{words} {external_id}"
