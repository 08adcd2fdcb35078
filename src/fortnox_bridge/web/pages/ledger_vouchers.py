"""The voucher browser of the ledger page: vouchers filtered (year, series, dates, account,
project, cost centre) and paged, one voucher with its rows and the documents behind it, and a
document opened in the browser.

It reads through the ledger service, as ``GET /api/v1/ledger/vouchers`` does, with the same
paging (a cursor for the next page).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from fortnox_bridge.services.errors import ServiceError
from fortnox_bridge.services.ledger_views import VoucherQuery
from fortnox_bridge.services.paging import MAX_ID
from fortnox_bridge.web.pages._ops import TenantId, ensure_tenant, tenant_of, tenant_page
from fortnox_bridge.web.pages.ledger import YearKey, ledger, refusal
from fortnox_bridge.web.render import gettext
from fortnox_bridge.web.security import User

router = APIRouter()
#: Vouchers per page of the browser.
PAGE_SIZE = 50
#: The browser's filters, as the query names them.
FILTERS = ("year", "series", "from", "to", "account", "project", "cost_center")
_DATES = ("from", "to")


def _query(request: Request) -> tuple[dict[str, str], dict[str, str], VoucherQuery | None]:
    """The filters given (as typed), the errors beside them, and the query when none is bad."""
    given = {
        name: request.query_params.get(name, "").strip()[:50]
        for name in FILTERS
        if request.query_params.get(name, "").strip()
    }
    errors: dict[str, str] = {}
    dates: dict[str, dt.date | None] = {"from": None, "to": None}
    for name in _DATES:
        if name in given:
            try:
                dates[name] = dt.date.fromisoformat(given[name])
            except ValueError:
                errors[name] = gettext(request, "Give a date as YYYY-MM-DD.")
    if errors:
        return given, errors, None
    query = VoucherQuery(
        year=given.get("year"),
        series=given.get("series"),
        first=dates["from"],
        last=dates["to"],
        account=given.get("account"),
        project=given.get("project"),
        cost_center=given.get("cost_center"),
    )
    return given, errors, query


@router.get("/tenants/{tenant_id}/ledger/vouchers", response_class=HTMLResponse)
def vouchers_page(request: Request, tenant_id: TenantId, user: User) -> Response:
    """The tenant's vouchers, filtered and paged."""
    tenant = tenant_of(request, tenant_id)
    given, errors, query = _query(request)
    service = ledger(request)
    cursor = request.query_params.get("cursor") or None
    found: list[Any] = []
    after = None
    if query is not None:
        try:
            found, after = service.vouchers(tenant.id, query, limit=PAGE_SIZE, cursor=cursor)
        except ServiceError as exc:
            field = "year" if "year" in exc.code else "__all__"
            errors[field] = str(refusal(request, exc).detail)
    return tenant_page(
        request,
        "ledger_vouchers.html",
        user=user,
        tenant=tenant,
        tab="ledger",
        vouchers=found,
        years=service.years(tenant.id),
        given=given,
        errors=errors,
        first_page=cursor is not None,
        filters_only=urlencode(given),
        next_page=urlencode({**given, "cursor": after}) if after else None,
        status_code=400 if errors else 200,
    )


@router.get(
    "/tenants/{tenant_id}/ledger/vouchers/{year}/{series}/{number}", response_class=HTMLResponse
)
def voucher_page(
    request: Request,
    tenant_id: TenantId,
    year: YearKey,
    series: Annotated[str, Path(min_length=1, max_length=10)],
    number: Annotated[int, Path(ge=1, le=MAX_ID)],
    user: User,
) -> Response:
    """One voucher with its rows and links to its documents."""
    tenant = tenant_of(request, tenant_id)
    try:
        voucher = ledger(request).voucher(tenant.id, year, series, number)
    except ServiceError as exc:
        raise refusal(request, exc) from None
    return tenant_page(
        request, "ledger_voucher.html", user=user, tenant=tenant, tab="ledger", voucher=voucher
    )


@router.get("/tenants/{tenant_id}/ledger/documents/{document_id}")
def document(
    request: Request,
    tenant_id: TenantId,
    document_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    user: User,
) -> Response:
    """A document's bytes, shown by the browser (a PDF, an image) or saved."""
    ensure_tenant(request, tenant_id)
    try:
        found = ledger(request).document(tenant_id, document_id)
    except ServiceError as exc:
        raise refusal(request, exc) from None
    return Response(
        found.content,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(found.name, safe='')}",
            "ETag": f'"{found.sha256}"',
        },
    )
