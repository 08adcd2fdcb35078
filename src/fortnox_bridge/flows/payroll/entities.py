"""The host entities of the ``payroll`` family (employees and absence types are ``hr``'s)."""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.flows.payroll.records import HostProject, HostTimeEntry

ENTITIES = (
    HostEntity(
        entity="project",
        collection="projects",
        model=HostProject,
        family="payroll",
        description="Projects time is reported against, with their PAXml code.",
    ),
    HostEntity(
        entity="time_entry",
        collection="time-entries",
        model=HostTimeEntry,
        family="payroll",
        description="Reported time of one employee on one day; summed per day, code, project "
        "and cost centre into Fortnox attendance and absence transactions.",
        references={"employee": "employee", "project": "project", "absence_type": "absence_type"},
    ),
)
