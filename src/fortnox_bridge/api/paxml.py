"""``/api/v1/paxml``: the tenant's time as a PAXml 2.0 file, and PAXml time files imported.

- ``GET /api/v1/paxml?from=&to=`` answers the PAXml file (``application/xml``) of the time entries
  of the interval and the staff (see :mod:`fortnox_bridge.flows.payroll.paxml_files`);
- ``POST /api/v1/paxml`` takes a PAXml file as the body and imports its time transactions as
  time entries (``?dry_run=true``: only the report); the answer is the import report, a result
  per ``tidtrans``.

:func:`import_paxml` is the import as both the API and ``fortnox-bridge paxml import`` run it:
the file is read and planned, each planned entry is checked like a ``PUT /time-entries`` body
(the model and Fortnox's limits) and stored by the same writer as the record routes, with a
change operation per created or changed entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.errors import FieldIssue, RecordRejected
from fortnox_bridge.api.idempotency import IdempotencyDep
from fortnox_bridge.api.ingest import EntityWriter, Incoming, Outcome
from fortnox_bridge.api.paging import invalid
from fortnox_bridge.api.schemas import Problem
from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.flows.payroll.paxml_files import (
    ImportReport,
    PaxmlFileRejected,
    check_interval,
    export,
    plan_import,
)

ENTITY = "time_entry"
XML = "application/xml"
#: Response header of an export: how many time entries had to be left out of the file.
LEFT_OUT_HEADER = "X-Paxml-Left-Out"


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
    keep: Callable[[Session, ImportReport], None] | None = None,
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


# -- answers -----------------------------------------------------------------------------------


class ImportRowOut(BaseModel):
    """What became of one ``tidtrans`` of the file."""

    position: int = Field(description="The n-th <tidtrans> of the file (1-based).")
    line: int | None = Field(description="Where the <tidtrans> starts in the file.")
    column: int | None
    status: Literal["planned", "created", "updated", "unchanged", "rejected"] = Field(
        description="planned (dry run), created, updated or unchanged (stored), or rejected."
    )
    external_id: str | None = Field(
        description="The time entry's external id, derived from the row's content."
    )
    time_entry: dict[str, Any] | None = Field(description="The time entry (not when rejected).")
    reason: str | None = Field(description="Why the row was rejected.")
    fix: str | None = Field(description="How to correct the row.")
    notes: list[str] = Field(description="Parts of the row that were not imported.")


class FindingOut(BaseModel):
    """Something the reader noted about the file outside its time transactions."""

    severity: str
    code: str
    line: int | None
    column: int | None
    message: str
    hint: str


class ImportReportOut(BaseModel):
    """The import report: a result per time transaction of the file."""

    dry_run: bool
    transactions: int = Field(description="<tidtrans> in the file.")
    accepted: int = Field(description="Rows stored (or, in a dry run, that would be).")
    rejected: int
    counts: dict[str, int] = Field(description="Rows per status.")
    rows: list[ImportRowOut]
    warnings: list[FindingOut]


def _rejected_file(exc: PaxmlFileRejected) -> RecordRejected:
    issues = [
        FieldIssue(
            "$",
            f"{exc}: {finding.describe()}" if index == 0 else finding.describe(),
            "invalid_paxml",
        )
        for index, finding in enumerate(exc.findings[:20])
    ]
    return RecordRejected(issues or [FieldIssue("$", str(exc), "invalid_paxml")])


def paxml_router(entities: Sequence[HostEntity], flows: Sequence[type[Flow]]) -> APIRouter:
    """``GET`` and ``POST /api/v1/paxml``."""
    router = APIRouter(prefix="/api/v1", tags=["paxml"])
    writer = time_entry_writer(entities, flows)

    @router.get(
        "/paxml",
        response_class=Response,
        summary="The time entries of an interval and the staff as a PAXml 2.0 file",
        responses={
            200: {
                "description": "The PAXml 2.0 file (UTF-8); the header "
                f"{LEFT_OUT_HEADER} counts the time entries that could not be written "
                "(the file's <header><info> lists them).",
                "content": {XML: {"schema": {"type": "string"}}},
                "headers": {
                    LEFT_OUT_HEADER: {
                        "description": "Time entries left out of the file.",
                        "schema": {"type": "integer"},
                    }
                },
            },
            401: {"model": Problem},
            422: {"description": "A bad interval"},
        },
    )
    def export_paxml(
        request: Request,
        caller: ReaderDep,
        start: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD).")],
        end: Annotated[date, Query(alias="to", description="Last day, included (YYYY-MM-DD).")],
    ) -> Response:
        """Time entries from ``from`` to ``to`` added up per employee, day, PAXml code, project
        and cost centre as PAXml time transactions, and the employees as staff."""
        problem = check_interval(start, end)
        if problem is not None:
            raise invalid(("query", "to"), problem, "invalid_interval", str(end))
        state = request.app.state
        with state.sessions.begin() as session:
            result = export(session, caller.tenant_id, start, end, now=state.clock.now())
        return Response(
            result.to_bytes(),
            media_type=XML,
            headers={
                LEFT_OUT_HEADER: str(len(result.left_out)),
                "Content-Disposition": f'attachment; filename="paxml-{start}-{end}.xml"',
            },
        )

    @router.post(
        "/paxml",
        response_model=ImportReportOut,
        summary="Import the time transactions of a PAXml file as time entries",
        responses={
            401: {"model": Problem},
            403: {"model": Problem},
            409: {"model": Problem, "description": "Idempotency-Key used for another request"},
            413: {"model": Problem, "description": "The file is too large"},
            422: {"description": "Not a PAXml file with time transactions"},
        },
    )
    def import_paxml_file(
        request: Request,
        file: Annotated[
            bytes,
            Body(
                media_type=XML,
                description="The PAXml file (UTF-8 or ISO-8859-1, as its XML declaration says).",
            ),
        ],
        caller: WriterDep,
        idempotency: IdempotencyDep,
        dry_run: Annotated[
            bool, Query(description="Only report what the import would do; store nothing.")
        ] = False,
    ) -> Response:
        """Each ``tidtrans`` becomes a time entry, or a rejected row with its position, the
        reason and the fix; accepted rows are stored even when others are rejected. Importing
        the same file again creates nothing new."""
        state = request.app.state

        def act() -> Response:
            def keep(session: Session, report: ImportReport) -> None:
                idempotency.finish(200, report.to_json(), session=session)

            try:
                report, outcomes = import_paxml(
                    state.sessions,
                    state.clock,
                    writer,
                    caller.tenant_id,
                    file,
                    dry_run=dry_run,
                    keep=keep,
                )
            except PaxmlFileRejected as exc:
                raise _rejected_file(exc) from None
            _changed(request, writer, caller.tenant_id, outcomes)
            return JSONResponse(report.to_json())

        return idempotency.run(caller.tenant_id, act)

    return router


def _changed(
    request: Request, writer: EntityWriter, tenant_id: int, outcomes: list[Outcome]
) -> None:
    """Tell the engine about stored time entries a push flow reads."""
    on_change = request.app.state.hooks.on_change
    if on_change is None or not writer.push_flows:
        return
    for outcome in outcomes:
        if outcome.changed:
            on_change(tenant_id, ENTITY, outcome.external_id)
