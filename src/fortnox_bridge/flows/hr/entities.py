"""The host entities of the ``hr`` family."""

from __future__ import annotations

from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.engine.flow.fortnox_fields import fortnox_fields
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.flows.hr.records import HostAbsence, HostAbsenceType, HostEmployee

ENTITIES = (
    HostEntity(
        entity="employee",
        collection="employees",
        model=HostEmployee,
        family="hr",
        description="Employees, kept equal with Fortnox's employee register in both directions.",
        # E-mail, phone and employment id must be unique within a tenant.
        unique_fields=("email", "phone", "employment_id"),
        # The fields the hr flows compare both ways. Cause codes of absences are not checked
        # here: the tenant's mappings translate host codes first.
        fortnox_fields=fortnox_fields("employees", employee_fields.FIELDS),
    ),
    HostEntity(
        entity="absence_type",
        collection="absence-types",
        model=HostAbsenceType,
        family="hr",
        description="Kinds of absence; each is mapped to a Fortnox absence cause code or excluded.",
    ),
    HostEntity(
        entity="absence",
        collection="absences",
        model=HostAbsence,
        family="hr",
        description="Absence requests; approved ones with an end date become Fortnox absence "
        "transactions, one per scheduled day.",
        references={"employee": "employee", "absence_type": "absence_type"},
    ),
)
