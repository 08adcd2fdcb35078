"""PAXml 2.0 (payroll input): reader, writer, validation, PAXml ↔ Fortnox code translation.

Typical use::

    from fortnox_bridge.formats.paxml import read_paxml, write_paxml, to_fortnox

    with open("tid.xml", "rb") as stream:
        result = read_paxml(stream)
    for row in result.document.time_transactions:
        cause = to_fortnox(row.code)        # e.g. ÖT1 → attendance OT1
"""

from fortnox_bridge.formats.paxml.codes import (
    ABSENCE,
    ATTENDANCE,
    TABLE,
    Translation,
    to_fortnox,
    to_paxml,
)
from fortnox_bridge.formats.paxml.model import (
    Code,
    DatedAmount,
    Dimension,
    Header,
    PaxmlDocument,
    Person,
    PersonAmount,
    RawElement,
    ResultUnit,
    ResultUnitRef,
    SalaryTransaction,
    Schedule,
    ScheduleDay,
    TimeEvent,
    TimeTransaction,
)
from fortnox_bridge.formats.paxml.reader import PaxmlReader, PaxmlResult, read_paxml
from fortnox_bridge.formats.paxml.validation import PaxmlReport, validate_paxml
from fortnox_bridge.formats.paxml.writer import render, write_paxml

__all__ = [
    "ABSENCE",
    "ATTENDANCE",
    "TABLE",
    "Code",
    "DatedAmount",
    "Dimension",
    "Header",
    "PaxmlDocument",
    "PaxmlReader",
    "PaxmlReport",
    "PaxmlResult",
    "Person",
    "PersonAmount",
    "RawElement",
    "ResultUnit",
    "ResultUnitRef",
    "SalaryTransaction",
    "Schedule",
    "ScheduleDay",
    "TimeEvent",
    "TimeTransaction",
    "Translation",
    "read_paxml",
    "render",
    "to_fortnox",
    "to_paxml",
    "validate_paxml",
    "write_paxml",
]
