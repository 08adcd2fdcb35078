"""The ledger's read routes: the general ledger the bridge holds of each financial year, as if a
SIE 4 file had been read, and the documents behind the vouchers.

- ``GET /ledger/years``, ``/ledger/years/{year}``: years with source, last sync, counts, error;
- ``GET /ledger/years/{year}/accounts``: the chart with balances and the year's movement;
- ``GET /ledger/years/{year}/sie``: the stored year written as a SIE 4 file;
- ``GET /ledger/vouchers`` (paged, filtered), ``/ledger/vouchers/{year}/{series}/{number}``;
- ``GET /ledger/documents/{id}``: a document's bytes (``ETag``: its SHA-256);
- ``POST /ledger/documents/{id}/link``: a signed link that works without a key until it
  expires, answered at ``GET /ledger/shared/{token}``.

``{year}`` is ``2025`` (the year starting in 2025) or ``2025-07-01`` (its first day). Any key
of the tenant reads; the work is :class:`~fortnox_bridge.services.ledger.LedgerService`'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from fortnox_bridge.api.auth import ReaderDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.paging import DEFAULT_LIMIT, MAX_ID, Cursor, Limit, in_memory
from fortnox_bridge.api.schemas import Page, Problem
from fortnox_bridge.api.schemas.ledger import (
    DocumentLinkOut,
    LedgerAccountOut,
    LedgerVoucherOut,
    LedgerYearSummary,
)
from fortnox_bridge.services.ledger import LedgerService
from fortnox_bridge.services.ledger_links import LinkExpired, LinkRefused
from fortnox_bridge.services.ledger_views import DocumentContent, VoucherQuery

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])

Year = Annotated[
    str, Path(min_length=4, max_length=10, description='"2025" or the first day "2025-07-01".')
]
DocumentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The document's id.")]
Text = Annotated[str | None, Query(min_length=1, max_length=50)]
_YEAR_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such year"},
    409: {"model": Problem, "description": "Two years start in that calendar year"},
}
_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {}, "image/*": {}, "application/octet-stream": {}},
        "description": "The document's bytes, with their media type and ETag",
    },
    304: {"description": "Not modified (If-None-Match names its ETag)"},
}


def _ledger(request: Request) -> LedgerService:
    return services_of(request).ledger


Ledger = Annotated[LedgerService, Depends(_ledger)]


@router.get("/years", response_model=Page[LedgerYearSummary])
def list_years(
    caller: ReaderDep, ledger: Ledger, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[LedgerYearSummary]:
    """The tenant's financial years, the latest first."""
    years = ledger.years(caller.tenant_id)
    chosen, after = in_memory(years, lambda y: y.key, limit=limit, cursor=cursor)
    return Page(data=[LedgerYearSummary.of(year) for year in chosen], next_cursor=after)


@router.get("/years/{year}", response_model=LedgerYearSummary, responses=_YEAR_ERRORS)
def get_year(year: Year, caller: ReaderDep, ledger: Ledger) -> LedgerYearSummary:
    """One financial year."""
    return LedgerYearSummary.of(ledger.year(caller.tenant_id, year))


@router.get("/years/{year}/accounts", response_model=Page[LedgerAccountOut], responses=_YEAR_ERRORS)
def list_accounts(
    year: Year,
    caller: ReaderDep,
    ledger: Ledger,
    limit: Limit = 1000,
    cursor: Cursor = None,
) -> Page[LedgerAccountOut]:
    """The year's accounts by number: opening and closing balance, debit, credit and movement
    of the year's vouchers (an account used by rows but missing from the chart has no name)."""
    accounts = ledger.accounts(caller.tenant_id, year)
    chosen, after = in_memory(accounts, lambda a: a.number, limit=limit, cursor=cursor)
    return Page(data=[LedgerAccountOut.of(account) for account in chosen], next_cursor=after)


@router.get(
    "/years/{year}/sie",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "A SIE 4 file"}, **_YEAR_ERRORS},
)
def get_sie(year: Year, caller: ReaderDep, ledger: Ledger) -> Response:
    """The stored year as a SIE 4 file (type 4E: chart, balances, objects and vouchers; PC8
    characters, CRLF), whether it came from Fortnox or an uploaded file."""
    name, content = ledger.sie(caller.tenant_id, year)
    return Response(
        content,
        media_type="text/plain; charset=IBM437",
        headers={"Content-Disposition": _disposition(name, "attachment")},
    )


@router.get("/vouchers", response_model=Page[LedgerVoucherOut], responses=_YEAR_ERRORS)
def list_vouchers(
    caller: ReaderDep,
    ledger: Ledger,
    year: Annotated[str | None, Query(max_length=10, description='"2025" or "2025-07-01".')] = None,
    series: Text = None,
    first: Annotated[dt.date | None, Query(alias="from", description="From this date.")] = None,
    last: Annotated[dt.date | None, Query(alias="to", description="Up to this date.")] = None,
    account: Text = None,
    project: Text = None,
    cost_center: Text = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[LedgerVoucherOut]:
    """Vouchers by date, series and number, with their rows and documents; narrowed to a year,
    a series, dates, or vouchers with a row on an account, project or cost centre."""
    query = VoucherQuery(year, series, first, last, account, project, cost_center)
    found, after = ledger.vouchers(caller.tenant_id, query, limit=limit, cursor=cursor)
    return Page(data=[LedgerVoucherOut.of(voucher) for voucher in found], next_cursor=after)


@router.get(
    "/vouchers/{year}/{series}/{number}",
    response_model=LedgerVoucherOut,
    responses={404: {"model": Problem, "description": "No such voucher"}, 409: _YEAR_ERRORS[409]},
)
def get_voucher(
    year: Year,
    series: Annotated[str, Path(min_length=1, max_length=10)],
    number: Annotated[int, Path(ge=1, le=MAX_ID)],
    caller: ReaderDep,
    ledger: Ledger,
) -> LedgerVoucherOut:
    """One voucher with its rows and documents."""
    return LedgerVoucherOut.of(ledger.voucher(caller.tenant_id, year, series, number))


@router.get(
    "/documents/{document_id}",
    response_class=Response,
    responses={**_DOCUMENT, 404: {"model": Problem, "description": "No such document"}},
)
def get_document(
    document_id: DocumentId, caller: ReaderDep, ledger: Ledger, request: Request
) -> Response:
    """A document's bytes with their media type, its name in ``Content-Disposition`` and its
    SHA-256 as ``ETag`` (``If-None-Match`` with it: ``304``)."""
    return _content(ledger.document(caller.tenant_id, document_id), request)


@router.post(
    "/documents/{document_id}/link",
    response_model=DocumentLinkOut,
    responses={
        404: {"model": Problem, "description": "No such document"},
        503: {"model": Problem, "description": "The bridge has no secret key to sign with"},
    },
)
def link_document(
    document_id: DocumentId, caller: ReaderDep, ledger: Ledger, request: Request
) -> DocumentLinkOut:
    """A signed link to the document that works without an API key until ``expires_at``
    (``ledger_link_minutes``, 15 by default); hand it to a user to open the document. It
    changes nothing, so a read key may ask for one."""
    link = ledger.link(caller.tenant_id, document_id)
    public = services_of(request).settings.public_url
    base = public.rstrip("/") if public else str(request.base_url).rstrip("/")
    return DocumentLinkOut(
        url=f"{base}{router.prefix}/shared/{link.token}", expires_at=link.expires_at
    )


@router.get(
    "/shared/{token}",
    response_class=Response,
    responses={
        **_DOCUMENT,
        403: {"model": Problem, "description": "Not a valid link (changed, or another bridge's)"},
        404: {"model": Problem, "description": "The document is gone"},
        410: {"model": Problem, "description": "The link has expired"},
        503: {"model": Problem, "description": "The bridge has no secret key to check with"},
    },
)
def shared_document(
    token: Annotated[str, Path(max_length=500)], ledger: Ledger, request: Request
) -> Response:
    """The document a signed link names, without an API key, until the link expires."""
    try:
        found = ledger.shared(token)
    except LinkRefused as exc:
        status = 410 if isinstance(exc, LinkExpired) else 403
        raise HTTPException(status, {"error": exc.code, "detail": exc.detail}) from None
    return _content(found, request)


def _content(found: DocumentContent, request: Request) -> Response:
    etag = f'"{found.sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": _disposition(found.name, "inline"),
    }
    wanted = request.headers.get("if-none-match", "")
    if etag in [tag.strip() for tag in wanted.split(",")] or wanted.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(found.content, media_type=found.content_type, headers=headers)


def _disposition(name: str, kind: str) -> str:
    """``Content-Disposition`` naming ``name``: an ASCII stand-in and the UTF-8 name
    (RFC 6266), so a browser saves "Faktura åäö.pdf" under its own name."""
    plain = name.encode("ascii", "replace").decode().replace("\\", "_").replace('"', "_")
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
