"""The PAXml service: a tenant's time entries of an interval and its staff exported as a file,
and the time transactions of a file imported as time entries.

:func:`import_paxml` is the import as the API and ``fortnox-bridge paxml import`` run it: the
file is read and planned, each planned entry is checked like a ``PUT /time-entries`` body (the
model and Fortnox's limits) and stored by the same writer as the record routes, with a change
operation per created or changed entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.flows.payroll.paxml_export import ExportResult, check_interval
from fortnox_bridge.flows.payroll.paxml_import import ImportReport
from fortnox_bridge.services.errors import InvalidInput
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.services.paxml.files import export, plan_import
from fortnox_bridge.services.records import EntityWriter, Incoming, Outcome

ENTITY = "time_entry"
#: Called with the finished import report inside the write's transaction.
KeepReport = Callable[[Session, ImportReport], None]


def time_entry_writer(entities: Sequence[HostEntity], flows: Sequence[type[Flow]]) -> EntityWriter:
    """The writer of ``/api/v1/time-entries``, which the import stores with."""
    entity = next(e for e in entities if e.entity == ENTITY)
    return EntityWriter(entity, entities, flows)


def import_paxml(
    sessions: sessionmaker[Session],
    clock: Clock,
    writer: EntityWriter,
    tenant_id: int,
    data: bytes,
    *,
    dry_run: bool = False,
    xsd: Path | None = None,
    keep: KeepReport | None = None,
) -> tuple[ImportReport, list[Outcome]]:
    """Import the time transactions of a PAXml file; the report and the write's outcomes.

    Raises :class:`PaxmlFileRejected` when the file cannot be imported at all. Each row is
    accepted or rejected alone: accepted rows are stored even when others are rejected. ``keep``
    is called with the finished report inside the write's transaction (to keep the answer of
    an ``Idempotency-Key`` with the write).
    """
    with sessions.begin() as session:
        report = plan_import(session, tenant_id, data, xsd=xsd)
    report.dry_run = dry_run
    for row in report.accepted:
        payload, issues = writer.validator.payload(row.payload)
        if issues or payload is None:
            row.reject(
                "; ".join(f"{issue.path.removeprefix('$.')}: {issue.message}" for issue in issues),
                "correct the row in the file (or the register it refers to) and import it again",
            )
        else:
            row.payload = payload
    accepted = [row for row in report.accepted if row.external_id is not None]
    if dry_run or not accepted:
        return report, []
    incoming = [
        Incoming(index, str(row.external_id), "upsert", payload=row.payload)
        for index, row in enumerate(accepted)
    ]

    def settle(session: Session, outcomes: list[Outcome]) -> None:
        for row, outcome in zip(accepted, outcomes, strict=True):
            if outcome.status == "rejected":
                row.reject(
                    "; ".join(issue.message for issue in outcome.issues),
                    "correct the row in the file and import it again",
                )
            elif outcome.status != "deleted":
                row.status = outcome.status
        if keep is not None:
            keep(session, report)

    outcomes = writer.write(sessions, tenant_id, incoming, now=clock.now(), before_commit=settle)
    return report, outcomes


class PaxmlService:
    """Exports and imports tenants' PAXml files."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        hooks: EngineHooks,
        entities: Sequence[HostEntity],
        flows: Sequence[type[Flow]],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.hooks = hooks
        self.writer = time_entry_writer(entities, flows)

    def export(
        self, tenant_id: int, start: date, end: date, *, now: datetime | None = None
    ) -> ExportResult:
        """The PAXml file of the time entries from ``start`` to ``end`` and the staff; ``now``
        (the export time in the header) defaults to the clock's."""
        problem = check_interval(start, end)
        if problem is not None:
            raise InvalidInput(
                problem, code="invalid_interval", field=("query", "to"), value=str(end)
            )
        with self.sessions.begin() as session:
            return export(session, tenant_id, start, end, now=now or self.clock.now())

    def import_file(
        self,
        tenant_id: int,
        data: bytes,
        *,
        dry_run: bool,
        xsd: Path | None = None,
        keep: KeepReport | None = None,
    ) -> ImportReport:
        """Import a file (see :func:`import_paxml`; ``xsd``: check the file against it first)
        and tell the engine about stored entries a push flow reads."""
        report, outcomes = import_paxml(
            self.sessions,
            self.clock,
            self.writer,
            tenant_id,
            data,
            dry_run=dry_run,
            xsd=xsd,
            keep=keep,
        )
        on_change = self.hooks.on_change
        if on_change is not None and self.writer.push_flows:
            for outcome in outcomes:
                if outcome.changed:
                    on_change(tenant_id, ENTITY, outcome.external_id)
        return report
