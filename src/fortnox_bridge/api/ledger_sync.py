"""The ledger's write side (``/api/v1/ledger``): sync financial years from Fortnox as
background jobs, follow a job, load a year from a SIE 4 file, refresh the list of years.

A sync answers ``202`` with its operation at once; ``GET /api/v1/ledger/operations/{id}`` follows
it (years done of the years to do, counts per year). ``{year}`` is the year's first day
(``2025-07-01``) or the calendar year it starts in (``2025``; ``409 ledger_year_ambiguous`` when
two years start in it). A year loaded from a SIE file is synced from Fortnox only with
``overwrite`` (``409 ledger_sie_overwrite``); an upload over a year synced from Fortnox likewise
(``409 ledger_fortnox_overwrite``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from fortnox_bridge.api.auth import ReaderDep, WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.paging import MAX_ID
from fortnox_bridge.api.schemas import Problem
from fortnox_bridge.api.schemas.ledger_sync import (
    YEAR_PATTERN,
    FindingOut,
    LedgerOperationOut,
    LedgerSyncIn,
    LedgerYearOut,
    LedgerYearSyncIn,
    SieLoadOut,
    YearOutcomeOut,
)
from fortnox_bridge.engine.sync.ledger_year_store import YearInfo
from fortnox_bridge.services.ledger_sync import LedgerOperation, LedgerSyncService

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])
#: The media type of an uploaded SIE file (any is read: SIE files are CP437 text).
SIE_MEDIA = "application/octet-stream"
Year = Annotated[
    str,
    Path(pattern=YEAR_PATTERN, description='The year: "2025" or its first day "2025-07-01".'),
]
_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem},
    503: {"model": Problem, "description": "No sync engine runs beside this API"},
}


def _ledger_sync(request: Request) -> LedgerSyncService:
    return services_of(request).ledger_sync


LedgerSync = Annotated[LedgerSyncService, Depends(_ledger_sync)]


def operation_out(operation: LedgerOperation) -> LedgerOperationOut:
    """The API's form of an operation."""
    return LedgerOperationOut(
        id=operation.id, status=operation.status, done=operation.done, total=operation.total,
        counts=operation.counts, requests=operation.requests, error=operation.error,
        started_at=operation.started_at, finished_at=operation.finished_at,
    )  # fmt: skip


def year_out(year: YearInfo) -> LedgerYearOut:
    """The API's form of a year."""
    return LedgerYearOut(
        year=year.label, fortnox_id=year.fortnox_id, from_date=year.from_date,
        to_date=year.to_date, source=year.source, synced_at=year.synced_at,
        documents_synced_at=year.documents_synced_at, voucher_count=year.voucher_count,
    )  # fmt: skip


def _accepted(operation: LedgerOperation) -> JSONResponse:
    body = operation_out(operation).model_dump(mode="json")
    return JSONResponse(body, status_code=202)


@router.post(
    "/years:sync",
    status_code=202,
    response_model=LedgerOperationOut,
    summary="Sync financial years from Fortnox (the latest two by default)",
    responses=_ERRORS,
)
async def sync_years(
    caller: WriterDep,
    ledger: LedgerSync,
    body: Annotated[LedgerSyncIn | None, Body()] = None,
) -> JSONResponse:
    """Start a job that makes the bridge's ledger of the years equal to Fortnox's: one request
    per year (its SIE export) while nothing changed, and the documents behind new vouchers.
    Follow it with ``GET /api/v1/ledger/operations/{id}``."""
    wanted = body or LedgerSyncIn()
    return _accepted(
        ledger.start_sync(
            caller.tenant_id, years=wanted.years, latest=wanted.latest,
            overwrite=wanted.overwrite, documents_only=wanted.documents_only,
            refresh=wanted.refresh,
        )
    )  # fmt: skip


@router.post(
    "/years/{year}:sync",
    status_code=202,
    response_model=LedgerOperationOut,
    summary="Sync one financial year from Fortnox",
    responses=_ERRORS,
)
async def sync_year(
    year: Year,
    caller: WriterDep,
    ledger: LedgerSync,
    body: Annotated[LedgerYearSyncIn | None, Body()] = None,
) -> JSONResponse:
    """Start a job that syncs one year (``documents_only``: fetch its documents only)."""
    wanted = body or LedgerYearSyncIn()
    return _accepted(
        ledger.start_sync(
            caller.tenant_id, years=[year], overwrite=wanted.overwrite,
            documents_only=wanted.documents_only,
        )
    )  # fmt: skip


@router.get(
    "/operations/{operation_id}",
    response_model=LedgerOperationOut,
    summary="A ledger sync job: its state and progress",
    responses={401: {"model": Problem}, 404: {"model": Problem}},
)
def get_operation(
    operation_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The job's id.")],
    caller: ReaderDep,
    ledger: LedgerSync,
) -> LedgerOperationOut:
    """Years done of the years to do, the counts per year and the requests made."""
    return operation_out(ledger.operation(caller.tenant_id, operation_id))


@router.put(
    "/years/{year}/sie",
    response_model=SieLoadOut,
    summary="Load a financial year's ledger from a SIE 4 file",
    responses={**_ERRORS, 413: {"model": Problem}, 422: {"description": "Not a SIE 4 file of "
               "that year: the findings say where and how to fix"}},
)  # fmt: skip
def load_sie(
    year: Year,
    caller: WriterDep,
    ledger: LedgerSync,
    file: Annotated[bytes, Body(media_type=SIE_MEDIA, description="The SIE 4 file as is.")],
    overwrite: Annotated[bool, Query(description="Replace a ledger synced from Fortnox.")] = False,
    name: Annotated[
        str, Query(max_length=200, description="The file's name, kept with the year.")
    ] = "upload.se",
) -> SieLoadOut:
    """The year's chart, objects and vouchers are replaced by the file's (``#RAR 0`` must be
    the year named); the year's documents can still be fetched from Fortnox."""
    loaded = ledger.load_sie(caller.tenant_id, year, file, name, overwrite=overwrite)
    return SieLoadOut(
        year=year_out(loaded.year),
        outcome=YearOutcomeOut.model_validate(loaded.outcome.to_dict()),
        findings=[FindingOut.model_validate(f.to_json()) for f in loaded.findings],
    )


@router.post(
    "/years:refresh",
    response_model=list[LedgerYearOut],
    summary="Read the list of financial years from Fortnox now",
    responses=_ERRORS,
)
async def refresh_years(caller: WriterDep, ledger: LedgerSync) -> list[LedgerYearOut]:
    """The years the bridge knows after reading Fortnox's list, the latest first."""
    return [year_out(year) for year in await ledger.refresh_years(caller.tenant_id)]
