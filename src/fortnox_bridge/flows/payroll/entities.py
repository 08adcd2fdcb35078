"""The host entities of the ``payroll`` family (employees and absence types are ``hr``'s)."""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.engine.flow.fortnox_fields import fortnox_field, fortnox_fields
from fortnox_bridge.flows.payroll.records import HostProject, HostTimeEntry
from fortnox_bridge.flows.payroll.registers import REGISTERS

ENTITIES = (
    HostEntity(
        entity="project",
        collection="projects",
        model=HostProject,
        family="payroll",
        description="Projects time is reported against, with their PAXml code.",
        # A project's number and name are Fortnox's ProjectNumber and Description.
        fortnox_fields=fortnox_fields(
            "projects", {"number": "project_number", "name": "description"}
        ),
    ),
    HostEntity(
        entity="time_entry",
        collection="time-entries",
        model=HostTimeEntry,
        family="payroll",
        description="Reported time of one employee on one day; summed per day, code, project "
        "and cost centre into Fortnox attendance and absence transactions.",
        references={"employee": "employee", "project": "project", "absence_type": "absence_type"},
        # The project and cost centre must be codes of the Fortnox registers a line names.
        fortnox_fields={
            register.field: fortnox_field(register.resource, register.code_attribute)
            for register in REGISTERS
        },
    ),
)
