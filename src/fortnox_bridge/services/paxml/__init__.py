"""PAXml 2.0 files of a tenant: its time entries of an interval and its staff exported as a file
(:func:`~.files.export`), and the time transactions of a file imported as time entries
(:func:`~.service.import_paxml`), as the API and ``fortnox-bridge paxml`` run them through
:class:`PaxmlService`.
"""

from fortnox_bridge.flows.payroll.paxml_export import ExportResult, LeftOut, check_interval, plural
from fortnox_bridge.flows.payroll.paxml_import import ImportReport, ImportRow, PaxmlFileRejected
from fortnox_bridge.services.paxml.files import export, plan_import, read_rows
from fortnox_bridge.services.paxml.service import (
    ENTITY,
    KeepReport,
    PaxmlService,
    import_paxml,
    time_entry_writer,
)

__all__ = [
    "ENTITY",
    "ExportResult",
    "ImportReport",
    "ImportRow",
    "KeepReport",
    "LeftOut",
    "PaxmlFileRejected",
    "PaxmlService",
    "check_interval",
    "export",
    "import_paxml",
    "plan_import",
    "plural",
    "read_rows",
    "time_entry_writer",
]
