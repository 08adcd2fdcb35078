"""``/api/v1/paxml``: the tenant's time as a PAXml 2.0 file, and PAXml time files imported.

- ``GET /api/v1/paxml?from=&to=`` answers the PAXml file (``application/xml``) of the time entries
  of the interval and the staff (see :mod:`fortnox_bridge.flows.payroll.paxml_export`);
- ``POST /api/v1/paxml`` takes a PAXml file as the body and imports its time transactions as
  time entries (``?dry_run=true``: only the report); the answer is the import report, a result
  per ``tidtrans``.

The work is :mod:`fortnox_bridge.services.paxml` (shared with ``fortnox-bridge paxml import``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.errors import FieldIssue, RecordRejected
from fortnox_bridge.api.idempotency import IdempotencyDep
from fortnox_bridge.api.schemas import Problem
from fortnox_bridge.services.paxml import PaxmlFileRejected, PaxmlService

XML = "application/xml"
#: Response header of an export: how many time entries had to be left out of the file.
LEFT_OUT_HEADER = "X-Paxml-Left-Out"


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


router = APIRouter(prefix="/api/v1", tags=["paxml"])


def _paxml(request: Request) -> PaxmlService:
    return services_of(request).paxml


Paxml = Annotated[PaxmlService, Depends(_paxml)]


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
    caller: ReaderDep,
    paxml: Paxml,
    start: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD).")],
    end: Annotated[date, Query(alias="to", description="Last day, included (YYYY-MM-DD).")],
) -> Response:
    """Time entries from ``from`` to ``to`` added up per employee, day, PAXml code, project
    and cost centre as PAXml time transactions, and the employees as staff."""
    result = paxml.export(caller.tenant_id, start, end)
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
    file: Annotated[
        bytes,
        Body(
            media_type=XML,
            description="The PAXml file (UTF-8 or ISO-8859-1, as its XML declaration says).",
        ),
    ],
    caller: WriterDep,
    paxml: Paxml,
    idempotency: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="Only report what the import would do; store nothing.")
    ] = False,
) -> Response:
    """Each ``tidtrans`` becomes a time entry, or a rejected row with its position, the
    reason and the fix; accepted rows are stored even when others are rejected. Importing
    the same file again creates nothing new."""

    def act() -> Response:
        try:
            report = paxml.import_file(
                caller.tenant_id,
                file,
                dry_run=dry_run,
                # the answer is kept in the import's own transaction
                keep=lambda session, done: idempotency.finish(200, done.to_json(), session=session),
            )
        except PaxmlFileRejected as exc:
            raise _rejected_file(exc) from None
        return JSONResponse(report.to_json())

    return idempotency.run(caller.tenant_id, act)
